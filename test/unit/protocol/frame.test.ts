import t, { type Test } from 'tap';
import {
  decodeFrame,
  encodeFrame,
  ERROR_OP,
  LENGTH_PREFIX_BYTES,
  LengthPrefixSplitter,
  MAX_FRAME_DEPTH,
  notices,
  PROTOCOL_VERSION,
  ProtocolError,
  RecordBatchBuilder,
  readRecordBatchHeader,
  pushes,
  requests,
  wireError,
  type NoticeOp,
  type PushOp,
  type RequestOp,
  type Schema,
} from '../../../protocol/index.js';
import { errorSamples, noticeSamples, plain, pushSamples, requestSamples } from './protocol-fixtures.js';

const MAX = 8 * 1024 * 1024;

function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

/** Encodes, decodes (both framings) and re-checks a body against its schema; returns nothing, asserts all. */
function roundTrip(
  t: Test,
  op: number,
  correlationId: number,
  body: unknown,
  schema: Schema<unknown>,
  label: string,
): void {
  for (const prefixed of [false, true]) {
    const bytes = encodeFrame(op, correlationId, body, prefixed);
    let payload = bytes;
    if (prefixed) {
      const declared = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
      t.equal(declared, bytes.byteLength - LENGTH_PREFIX_BYTES, `${label}: prefix holds the frame length`);
      const frames = new LengthPrefixSplitter(MAX).push(bytes);
      t.equal(frames.length, 1, `${label}: splitter yields one frame`);
      payload = frames[0] ?? new Uint8Array();
    }
    const frame = decodeFrame(payload, MAX);
    t.equal(frame.version, PROTOCOL_VERSION, `${label}: version`);
    t.equal(frame.op, op, `${label}: op`);
    t.equal(frame.correlationId, correlationId, `${label}: correlationId`);
    const parsed = schema.parse(frame.body, '');
    t.strictSame(plain(parsed), plain(body), `${label}${prefixed ? ' (TCP)' : ' (WebSocket)'}: body survives`);
  }
}

void t.test('constants', (t) => {
  t.equal(PROTOCOL_VERSION, 1);
  t.equal(LENGTH_PREFIX_BYTES, 4);
  t.equal(MAX_FRAME_DEPTH, 16);
  t.equal(ERROR_OP, 127);
  t.end();
});

void t.test('every request and response body round-trips', (t) => {
  for (const op of Object.keys(requests) as RequestOp[]) {
    const def = requests[op];
    const samples = requestSamples[op];
    t.ok(samples.requests.length > 0 && samples.responses.length > 0, `${op} has samples`);
    samples.requests.forEach((body, i) => {
      roundTrip(t, def.code, 1 + i, body, def.request, `${op} request #${String(i)}`);
    });
    samples.responses.forEach((body, i) => {
      roundTrip(t, def.code, 0xffffffff - i, body, def.response, `${op} response #${String(i)}`);
    });
  }
  t.end();
});

void t.test('every notice and push body round-trips with correlationId 0', (t) => {
  for (const op of Object.keys(notices) as NoticeOp[]) {
    noticeSamples[op].forEach((body, i) => {
      roundTrip(t, notices[op].code, 0, body, notices[op].body, `${op} notice #${String(i)}`);
    });
  }
  for (const op of Object.keys(pushes) as PushOp[]) {
    pushSamples[op].forEach((body, i) => {
      roundTrip(t, pushes[op].code, 0, body, pushes[op].body, `${op} push #${String(i)}`);
    });
  }
  t.end();
});

void t.test('error frames round-trip', (t) => {
  errorSamples.forEach((body, i) => {
    roundTrip(t, ERROR_OP, i, body, wireError, `error #${String(i)}`);
  });
  t.end();
});

void t.test('a frame is the msgpack array [1, op, correlationId, body]', (t) => {
  // ping, correlationId 7: 94 (array of 4) 01 0a 07, then the empty map (msgpackr writes map16 for objects).
  t.equal(Buffer.from(encodeFrame(10, 7, {}, false)).toString('hex'), '94010a07de0000');
  t.equal(Buffer.from(encodeFrame(10, 7, {}, true)).toString('hex'), '0000000794010a07de0000');
  // Other encoders' choices decode the same: fixmap, uint32 correlation id, int64 op.
  t.strictSame(decodeFrame(hex('94 01 0a 07 80'), MAX), { version: 1, op: 10, correlationId: 7, body: {} });
  t.strictSame(decodeFrame(hex('94 01 d3 0000000000000002 ce ffffffff 81 a6 746f70696373 90'), MAX), {
    version: 1,
    op: 2,
    correlationId: 0xffffffff,
    body: { topics: [] },
  });
  t.end();
});

void t.test('integers beyond 32 bits travel as float64 and come back exact', (t) => {
  for (const n of [2 ** 32, 1_700_000_000_000, Number.MAX_SAFE_INTEGER, -(2 ** 31) - 1]) {
    const body = decodeFrame(encodeFrame(6, 1, { n }, false), MAX).body as { n: number };
    t.equal(body.n, n, String(n));
  }
  // uint64 and int64 encodings from other msgpack libraries decode to numbers as well.
  const u64 = decodeFrame(hex('94 01 06 01 81 a1 6e cf 0000018bcfe56800'), MAX).body as { n: number };
  t.equal(u64.n, 1_700_000_000_000);
  const i64 = decodeFrame(hex('94 01 06 01 81 a1 6e d3 ffffffffffffffff'), MAX).body as { n: number };
  t.equal(i64.n, -1);
  t.end();
});

void t.test('an encoded frame stays valid after later encodes', (t) => {
  const first = encodeFrame(10, 1, { note: 'first' }, true);
  const copy = Uint8Array.from(first);
  for (let i = 0; i < 5000; i++)
    encodeFrame(10, i, { note: `later frame ${String(i)}`, pad: new Uint8Array(i % 300) }, i % 2 === 0);
  t.strictSame(plain(first), plain(copy));
  t.end();
});

void t.test('large bodies keep a correct length prefix', (t) => {
  const records = new Uint8Array(3 * 1024 * 1024).fill(0xab);
  const bytes = encodeFrame(5, 9, { records }, true);
  const declared = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);
  t.equal(declared, bytes.byteLength - 4);
  const body = decodeFrame(bytes.subarray(4), MAX).body as { records: Uint8Array };
  t.equal(body.records.byteLength, records.byteLength);
  t.ok(body.records.every((b) => b === 0xab));
  t.end();
});

void t.test('binary fields are views into the frame bytes', (t) => {
  const bytes = encodeFrame(5, 1, { records: Uint8Array.of(1, 2, 3) }, false);
  const body = decodeFrame(bytes, MAX).body as { records: Uint8Array };
  t.equal(body.records.buffer, bytes.buffer, 'no copy');
  t.end();
});

void t.test('the decoder leaves version checks to the session', (t) => {
  const frame = decodeFrame(hex('94 02 01 01 80'), MAX);
  t.equal(frame.version, 2);
  t.equal(decodeFrame(hex('94 01 7e 01 80'), MAX).op, 126, 'unknown op codes decode too');
  t.end();
});

function rejects(t: Test, bytes: Uint8Array, pattern: RegExp, label: string, maxFrameBytes = MAX): void {
  t.throws(() => decodeFrame(bytes, maxFrameBytes), ProtocolError, label);
  try {
    decodeFrame(bytes, maxFrameBytes);
  } catch (err: unknown) {
    t.ok(err instanceof ProtocolError && err.code === 'INVALID_REQUEST', `${label}: ProtocolError INVALID_REQUEST`);
    t.match((err as Error).message, pattern, `${label}: message`);
  }
}

void t.test('rejects truncated frames at every length', (t) => {
  const bytes = encodeFrame(5, 42, requestSamples.produce.requests[0], false);
  for (let n = 0; n < bytes.byteLength; n++) {
    t.throws(() => decodeFrame(bytes.subarray(0, n), MAX), ProtocolError, `cut at ${String(n)}`);
  }
  t.end();
});

void t.test('rejects frames above maxFrameBytes before looking at them', (t) => {
  const bytes = encodeFrame(10, 1, { pad: new Uint8Array(1000) }, false);
  const over = bytes.byteLength - 1;
  rejects(t, bytes, new RegExp(`exceeds ${String(over)}`), 'one byte over', over);
  t.equal(decodeFrame(bytes, bytes.byteLength).correlationId, 1, 'exactly maxFrameBytes is accepted');
  // Garbage that is too large is refused for its size, not parsed.
  rejects(t, new Uint8Array(2000).fill(0xc1), /exceeds 1999/, 'oversized garbage', 1999);
  t.end();
});

void t.test('rejects trailing bytes, non-frames and bad headers', (t) => {
  rejects(t, hex('94 01 0a 07 80 00'), /trailing bytes/, 'trailing byte');
  rejects(
    t,
    Uint8Array.from([...encodeFrame(10, 1, {}, false), ...encodeFrame(10, 2, {}, false)]),
    /trailing/,
    'two frames',
  );
  rejects(t, hex('93 01 0a 07'), /not \[version/, 'three items');
  rejects(t, hex('95 01 0a 07 80 c0'), /not \[version/, 'five items');
  rejects(t, hex('81 a1 61 01'), /not \[version/, 'a map');
  rejects(t, hex('01'), /not \[version/, 'a number');
  rejects(t, hex('94 a1 31 0a 07 80'), /integers/, 'string version');
  rejects(t, hex('94 01 c0 07 80'), /integers/, 'nil op');
  rejects(t, hex('94 01 0a a1 37 80'), /integers/, 'string correlationId');
  rejects(t, hex('94 01 0a ff 80'), /uint32/, 'negative correlationId');
  rejects(t, hex('94 01 0a cf 0000000100000000 80'), /uint32/, 'correlationId 2^32');
  rejects(t, hex('94 01 0a cb 3ff8000000000000 80'), /uint32/, 'correlationId 1.5');
  rejects(t, new Uint8Array(0), /truncated/, 'empty input');
  t.end();
});

void t.test('rejects msgpack outside the allowed subset', (t) => {
  rejects(t, hex('94 01 0a 07 d6 ff 00000000'), /0xd6 is not allowed/, 'timestamp ext (fixext4)');
  rejects(t, hex('94 01 0a 07 c7 01 05 00'), /0xc7 is not allowed/, 'ext8');
  rejects(t, hex('94 01 0a 07 d4 01 00'), /0xd4 is not allowed/, 'fixext1');
  rejects(t, hex('94 01 0a 07 c1'), /0xc1 is not allowed/, 'reserved byte');
  rejects(t, hex('94 01 0a 07 81 01 02'), /key is not a string/, 'integer map key');
  rejects(t, hex('94 01 0a 07 81 c0 02'), /key is not a string/, 'nil map key');
  rejects(t, hex('94 01 0a 07 81 c4 01 61 02'), /key is not a string/, 'bin map key');
  rejects(t, hex('94 01 0a 07 81 a1 61 81 90 01'), /key is not a string/, 'array key in a nested map');
  t.end();
});

void t.test('rejects deep nesting without overflowing the stack', (t) => {
  const depth = 10_000;
  const bytes = new Uint8Array(4 + depth + 1);
  bytes.set([0x94, 0x01, 0x0a, 0x07]);
  bytes.fill(0x91, 4, 4 + depth);
  bytes[4 + depth] = 0xc0;
  rejects(t, bytes, /nesting deeper than 16/, '10,000 nested arrays');
  const maps = new Uint8Array(4 + depth * 3 + 1);
  maps.set([0x94, 0x01, 0x0a, 0x07]);
  for (let i = 0; i < depth; i++) maps.set([0x81, 0xa1, 0x61], 4 + i * 3);
  maps[4 + depth * 3] = 0xc0;
  rejects(t, maps, /nesting deeper than 16/, '10,000 nested maps');
  // The frame array is depth 1, so a body may nest 15 containers.
  const ok = (n: number): Uint8Array =>
    Uint8Array.from([0x94, 0x01, 0x0a, 0x07, ...new Array<number>(n).fill(0x91), 0xc0]);
  t.equal(decodeFrame(ok(15), MAX).op, 10, 'body nested 15 deep is accepted');
  rejects(t, ok(16), /nesting deeper/, 'body nested 16 deep');
  const emptyInnermost = Uint8Array.from([0x94, 0x01, 0x0a, 0x07, ...new Array<number>(15).fill(0x91), 0x90]);
  t.equal(decodeFrame(emptyInnermost, MAX).op, 10, 'an empty container does not count as a level');
  t.end();
});

void t.test('a tiny frame asking for a gigantic container is refused at once', (t) => {
  const attacks: [string, string][] = [
    ['array32 of 2^32-1', 'dd ffffffff'],
    ['map32 of 2^32-1', 'df ffffffff'],
    ['array16 of 65535', 'dc ffff'],
    ['map16 of 65535', 'de ffff'],
    ['nested in an array', '91 91 91 dd ffffffff'],
    ['nested in a map', '81 a1 61 81 a1 62 df ffffffff'],
    ['str32 of 4 GiB', 'db ffffffff'],
    ['bin32 of 4 GiB', 'c6 ffffffff'],
  ];
  const before = process.memoryUsage();
  const started = process.hrtime.bigint();
  for (const [label, body] of attacks) {
    const asBody = hex(`94 01 0a 07 ${body}`);
    const whole = hex(body);
    let refused = 0;
    for (let i = 0; i < 500; i++) {
      for (const bytes of [asBody, whole]) {
        try {
          decodeFrame(bytes, MAX);
        } catch (err: unknown) {
          if (err instanceof ProtocolError) refused++;
        }
      }
    }
    t.equal(refused, 1000, `${label}: every attempt refused with a ProtocolError`);
    rejects(t, asBody, /more elements than the frame holds|truncated/, label);
  }
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  const grownBytes = process.memoryUsage().arrayBuffers - before.arrayBuffers;
  t.ok(elapsedMs < 3000, `8,000 hostile frames rejected in ${elapsedMs.toFixed(0)} ms`);
  t.ok(grownBytes < 64 * 1024 * 1024, `no large allocation (${String(grownBytes)} bytes of ArrayBuffers grew)`);
  t.end();
});

void t.test('the worked produce frame in docs/protocol.md', (t) => {
  const utf8 = new TextEncoder();
  const builder = new RecordBatchBuilder();
  builder.add({
    key: utf8.encode('user-42'),
    value: utf8.encode('hello'),
    timestamp: 1_700_000_000_000,
    headers: [['trace', utf8.encode('abc')]],
  });
  const frame = encodeFrame(
    5,
    1,
    { acks: 1, timeoutMs: 30_000, partitions: [{ topic: 'orders', partition: 0, batch: builder.build().bytes }] },
    true,
  );
  const listing = [
    '000000a3 94 01 05 01 de0003',
    'a461636b73 01 a974696d656f75744d73 cd7530 aa706172746974696f6e73 91 de0003',
    'a5746f706963 a66f7264657273 a9706172746974696f6e 00 a56261746368 c45a',
    // The batch: a Kafka RecordBatch v2 (its fields are listed in docs/protocol.md and records.test.ts).
    '0000000000000000 0000004e ffffffff 02 517123dd 0000 00000000 0000018bcfe56800 0000018bcfe56800',
    'ffffffffffffffff ffff ffffffff 00000001',
    '38 00 00 00 0e757365722d3432 0a68656c6c6f 02 0a7472616365 06616263',
  ].join('');
  t.equal(Buffer.from(frame).toString('hex'), listing.replace(/\s+/g, ''));
  const body = requests.produce.request.parse(decodeFrame(frame.subarray(4), MAX).body, '');
  t.equal(readRecordBatchHeader(body.partitions[0]?.batch ?? new Uint8Array()).crc, 0x517123dd);
  const response = encodeFrame(5, 1, { partitions: [{ topic: 'orders', partition: 0, baseOffset: 0 }] }, true);
  t.equal(
    Buffer.from(response).toString('hex'),
    '0000003a 94 01 05 01 de0001 aa706172746974696f6e73 91 de0003 a5746f706963 a66f7264657273 a9706172746974696f6e 00 aa626173654f6666736574 00'.replace(
      /\s+/g,
      '',
    ),
    'the produce response listing',
  );
  t.equal(
    Buffer.from(encodeFrame(33, 0, { bytes: 26 }, true)).toString('hex'),
    '0000000e94012100de0001a562797465731a',
    'the grant listing',
  );
  const ping = new LengthPrefixSplitter(MAX).push(hex('00000005 94 01 0a 07 80'))[0] ?? new Uint8Array();
  t.strictSame(decodeFrame(ping, MAX), { version: 1, op: 10, correlationId: 7, body: {} }, 'the ping listing');
  t.end();
});
