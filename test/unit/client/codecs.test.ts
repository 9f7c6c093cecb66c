import t from 'tap';
import { codecs, jsonCodec, msgpackCodec, rawCodec, stringCodec, type Codec } from '../../../client/codecs.js';

interface Order {
  id: number;
  sku: string;
  tags: string[];
  price: number;
  note: string | null;
}

const order: Order = { id: 42, sku: 'ABC-é-😀', tags: ['a', 'b'], price: 19.95, note: null };

void t.test('json round trip keeps the typed value', (t) => {
  const codec: Codec<Order> = jsonCodec<Order>();
  const bytes = codec.encode(order);
  t.type(bytes, Uint8Array);
  t.equal(new TextDecoder().decode(bytes), JSON.stringify(order));
  t.same(codec.decode(bytes), order);
  // Two encodings do not share memory (the encoder reuses a scratch buffer internally).
  const a = codec.encode({ ...order, id: 1 });
  const b = codec.encode({ ...order, id: 2 });
  t.equal(codec.decode(a).id, 1);
  t.equal(codec.decode(b).id, 2);
  t.end();
});

void t.test('json refuses values without a JSON form', (t) => {
  const codec = jsonCodec();
  t.throws(() => codec.encode(undefined), TypeError);
  t.end();
});

void t.test('json handles strings longer than the scratch buffer', (t) => {
  const codec = jsonCodec<string>();
  const long = 'x'.repeat(100_000) + 'é';
  t.equal(codec.decode(codec.encode(long)), long);
  t.end();
});

void t.test('msgpack round trip, binary included', (t) => {
  const codec = msgpackCodec<{ n: number; b: Uint8Array; s: string }>();
  const value = { n: 2 ** 40, b: new Uint8Array([1, 2, 3]), s: 'hé' };
  const first = codec.encode(value);
  const second = codec.encode({ ...value, n: 7 });
  const back = codec.decode(first);
  t.equal(back.n, 2 ** 40);
  t.same([...back.b], [1, 2, 3]);
  t.equal(back.s, 'hé');
  t.equal(codec.decode(second).n, 7, 'an earlier result stays valid after a later encode');
  t.end();
});

void t.test('raw and string', (t) => {
  const raw = rawCodec();
  const bytes = new Uint8Array([0, 255, 7]);
  t.equal(raw.encode(bytes), bytes);
  t.equal(raw.decode(bytes), bytes);
  const str = stringCodec();
  t.equal(str.decode(str.encode('héllo 😀')), 'héllo 😀');
  t.same([...str.encode('A')], [65]);
  t.end();
});

void t.test('codecs table names the factories', (t) => {
  t.equal(codecs.json, jsonCodec);
  t.equal(codecs.msgpack, msgpackCodec);
  t.equal(codecs.raw, rawCodec);
  t.equal(codecs.string, stringCodec);
  t.end();
});
