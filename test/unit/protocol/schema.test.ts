import t, { type Test } from 'tap';
import { ProtocolError } from '../../../protocol/index.js';
import {
  array,
  bool,
  bytes,
  either,
  int,
  literal,
  map,
  nullable,
  object,
  optional,
  str,
  tuple,
  type Infer,
  type Schema,
} from '../../../protocol/schema.js';

/** Asserts that parsing throws a ProtocolError (code INVALID_REQUEST) whose message matches `message`. */
function refuses<T>(t: Test, schema: Schema<T>, value: unknown, message: string, path = 'x'): void {
  try {
    schema.parse(value, path);
    t.fail(`accepted ${JSON.stringify(String(value))}, expected "${message}"`);
  } catch (err: unknown) {
    t.ok(err instanceof ProtocolError, 'a ProtocolError');
    t.equal(err instanceof ProtocolError ? err.code : undefined, 'INVALID_REQUEST');
    t.equal((err as Error).message, message);
  }
}

void t.test('str', (t) => {
  t.equal(str().parse('', 'x'), '');
  t.equal(str({ maxLength: 3 }).parse('abc', 'x'), 'abc');
  refuses(t, str({ maxLength: 3 }), 'abcd', 'x: expected string of at most 3 characters, got string');
  refuses(t, str(), 5, 'x: expected string, got number');
  refuses(t, str(), null, 'x: expected string, got null');
  refuses(t, str(), ['a'], 'x: expected string, got array');
  refuses(t, str(), new Uint8Array(1), 'x: expected string, got object');
  const pattern = str({ pattern: /^[a-z]+$/ });
  t.equal(pattern.parse('abc', 'x'), 'abc');
  refuses(t, pattern, 'ab-c', 'x: expected string matching /^[a-z]+$/, got string');
  // maxLength counts UTF-16 code units, as String.length does.
  t.equal(str({ maxLength: 2 }).parse('😀', 'x'), '😀');
  refuses(t, str({ maxLength: 1 }), '😀', 'x: expected string of at most 1 characters, got string');
  t.end();
});

void t.test('int', (t) => {
  t.equal(int().parse(0, 'x'), 0);
  t.equal(int().parse(Number.MAX_SAFE_INTEGER, 'x'), Number.MAX_SAFE_INTEGER);
  t.equal(int().parse(Number.MIN_SAFE_INTEGER, 'x'), Number.MIN_SAFE_INTEGER);
  refuses(t, int(), 2 ** 53, 'x: expected integer, got number');
  refuses(t, int(), 1.5, 'x: expected integer, got number');
  refuses(t, int(), Number.NaN, 'x: expected integer, got number');
  refuses(t, int(), Number.POSITIVE_INFINITY, 'x: expected integer, got number');
  refuses(t, int(), '1', 'x: expected integer, got string');
  refuses(t, int(), true, 'x: expected integer, got boolean');
  refuses(t, int(), undefined, 'x: expected integer, got undefined');
  const bounded = int({ min: -1, max: 10 });
  t.equal(bounded.parse(-1, 'x'), -1);
  t.equal(bounded.parse(10, 'x'), 10);
  refuses(t, bounded, -2, 'x: expected integer in [-1, 10], got number');
  refuses(t, bounded, 11, 'x: expected integer in [-1, 10], got number');
  t.end();
});

void t.test('bool and bytes', (t) => {
  t.equal(bool.parse(false, 'x'), false);
  refuses(t, bool, 0, 'x: expected boolean, got number');
  const b = Uint8Array.of(1, 2);
  t.equal(bytes.parse(b, 'x'), b, 'the same object, not a copy');
  t.ok(bytes.parse(Buffer.from([1]), 'x') instanceof Uint8Array, 'a Buffer is bytes');
  refuses(t, bytes, 'AQI=', 'x: expected bytes, got string');
  refuses(t, bytes, [1, 2], 'x: expected bytes, got array');
  refuses(t, bytes, new ArrayBuffer(2), 'x: expected bytes, got object');
  t.end();
});

void t.test('literal and either', (t) => {
  const acks = literal(0, 1, -1);
  t.equal(acks.parse(-1, 'acks'), -1);
  refuses(t, acks, 2, 'acks: expected one of 0, 1, -1, got number', 'acks');
  refuses(t, acks, '1', 'acks: expected one of 0, 1, -1, got string', 'acks');
  const position = either(literal('earliest', 'latest'), int({ min: 0 }));
  t.equal(position.parse('latest', 'at'), 'latest');
  t.equal(position.parse(17, 'at'), 17);
  // The second alternative's complaint is the one reported.
  refuses(t, position, 'newest', 'at: expected integer, got string', 'at');
  refuses(t, position, -1, 'at: expected integer in [0, 9007199254740991], got number', 'at');
  // Errors that are not ProtocolErrors are not swallowed by either().
  const broken: Schema<never> = {
    parse() {
      throw new TypeError('bug');
    },
  };
  t.throws(() => either(broken, int()).parse(1, 'x'), TypeError);
  t.end();
});

void t.test('nullable and optional', (t) => {
  const n = nullable(int());
  t.equal(n.parse(null, 'x'), null);
  t.equal(n.parse(3, 'x'), 3);
  refuses(t, n, 'a', 'x: expected integer, got string');
  const o = object({ a: int(), b: optional(int()) });
  t.strictSame(o.parse({ a: 1 }, ''), { a: 1 }, 'an optional field may be absent');
  t.strictSame(o.parse({ a: 1, b: 2 }, ''), { a: 1, b: 2 });
  // Absent means absent: a nil in place of an optional field is refused, so encoders must omit the key.
  refuses(t, o, { a: 1, b: null }, 'b: expected integer, got null', '');
  refuses(t, o, { b: 2 }, 'a: expected integer, got undefined', '');
  t.equal(optional(int()).optional, true);
  t.end();
});

void t.test('array and tuple', (t) => {
  const a = array(int(), { maxLength: 3 });
  const value = [1, 2, 3];
  t.equal(a.parse(value, 'xs'), value, 'the same array, not a copy');
  t.strictSame(a.parse([], 'xs'), []);
  refuses(t, a, [1, 2, 3, 4], 'xs: expected array of at most 3 items, got array', 'xs');
  refuses(t, a, [1, 'two'], 'xs[1]: expected integer, got string', 'xs');
  refuses(t, a, { 0: 1, length: 1 }, 'xs: expected array, got object', 'xs');
  refuses(t, a, new Uint8Array(2), 'xs: expected array, got object', 'xs');
  // The default limit is 100,000 items.
  t.equal(array(int()).parse(new Array<number>(100_000).fill(0), 'xs').length, 100_000);
  refuses(
    t,
    array(int()),
    new Array<number>(100_001).fill(0),
    'xs: expected array of at most 100000 items, got array',
    'xs',
  );
  const pair = tuple(str(), int());
  t.strictSame(pair.parse(['a', 1], 'p'), ['a', 1]);
  refuses(t, pair, ['a'], 'p: expected array of 2 items, got array', 'p');
  refuses(t, pair, ['a', 1, 2], 'p: expected array of 2 items, got array', 'p');
  refuses(t, pair, [1, 1], 'p[0]: expected string, got number', 'p');
  t.end();
});

void t.test('map', (t) => {
  const m = map(str(), { maxKeys: 2 });
  t.strictSame(m.parse({ 'retention.ms': '1000' }, 'config'), { 'retention.ms': '1000' });
  t.strictSame(m.parse({}, 'config'), {});
  refuses(t, m, { a: '1', b: '2', c: '3' }, 'config: expected map of at most 2 keys, got object', 'config');
  refuses(t, m, { 'retention.ms': 1000 }, 'config.retention.ms: expected string, got number', 'config');
  refuses(t, m, ['a'], 'config: expected map, got array', 'config');
  refuses(t, m, null, 'config: expected map, got null', 'config');
  refuses(t, m, new Uint8Array(1), 'config: expected map, got object', 'config');
  refuses(t, m, 'a=1', 'config: expected map, got string', 'config');
  const keys = (n: number): Record<string, number> =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${String(i)}`, i]));
  t.equal(Object.keys(map(int()).parse(keys(1000), 'm')).length, 1000, 'the default limit is 1000 keys');
  refuses(t, map(int()), keys(1001), 'm: expected map of at most 1000 keys, got object', 'm');
  t.end();
});

void t.test('object', (t) => {
  const s = object({ name: str(), partitions: array(object({ id: int(), tags: optional(map(str())) })) });
  const value = { name: 'orders', partitions: [{ id: 0 }, { id: 1, tags: { a: 'b' } }], future: 'ignored' };
  t.equal(s.parse(value, ''), value, 'returns its input; unknown fields are kept and ignored');
  refuses(
    t,
    s,
    { name: 'orders', partitions: [{ id: 0 }, { id: '1' }] },
    'partitions[1].id: expected integer, got string',
    '',
  );
  refuses(
    t,
    s,
    { name: 'orders', partitions: [{ id: 0, tags: { a: 1 } }] },
    'partitions[0].tags.a: expected string, got number',
    '',
  );
  refuses(t, s, { partitions: [] }, 'name: expected string, got undefined', '');
  refuses(t, s, [], 'body: expected object, got array', '');
  refuses(t, s, null, 'body: expected object, got null', '');
  refuses(t, s, new Uint8Array(0), 'body: expected object, got object', '');
  refuses(t, s, 7, 'batch: expected object, got number', 'batch');
  // A nested object reports its full path.
  refuses(
    t,
    object({ batch: object({ crc: int({ min: 0 }) }) }),
    { batch: { crc: -1 } },
    'partitions[0].batch.crc: expected integer in [0, 9007199254740991], got number',
    'partitions[0]',
  );
  t.strictSame(object({}).parse({ anything: [1, 2] }, ''), { anything: [1, 2] }, 'the empty body accepts any map');
  t.end();
});

void t.test('Infer gives the declared shape', (t) => {
  const s = object({ a: int(), b: optional(str()), c: nullable(array(bool)), d: either(literal('x'), int()) });
  const v: Infer<typeof s> = { a: 1, c: null, d: 'x' };
  const w: Infer<typeof s> = { a: 1, b: 'y', c: [true], d: 3 };
  t.strictSame(s.parse(v, ''), v);
  t.strictSame(s.parse(w, ''), w);
  t.end();
});
