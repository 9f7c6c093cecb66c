import t from 'tap';
import fc from 'fast-check';
import {
  decodeFrame,
  encodeFrame,
  LengthPrefixSplitter,
  notices,
  ProtocolError,
  pushes,
  requests,
  type NoticeOp,
  type PushOp,
  type RequestOp,
  type Schema,
} from '../../../protocol/index.js';
import { noticeSamples, plain, pushSamples, requestSamples } from './protocol-fixtures.js';

// Fixed seeds keep the suite deterministic; fast-check prints the seed and counterexample when a property fails.
const SEED = 0x5eed;
const MAX = 64 * 1024;
/** Longest a single decode of a small input may take before we call it a hang (generous for a loaded CI box). */
const SLOW_MS = 500;

let slowestMs = 0;
/** Decodes; returns the frame, or the ProtocolError's message. Anything else thrown fails the property. */
function tryDecode(bytes: Uint8Array): unknown {
  const started = performance.now();
  try {
    return decodeFrame(bytes, MAX);
  } catch (err: unknown) {
    if (err instanceof ProtocolError) return err.message;
    throw err;
  } finally {
    slowestMs = Math.max(slowestMs, performance.now() - started);
  }
}

/** One valid encoded frame (no prefix) for every request, response, notice and push sample. */
const validFrames: Uint8Array[] = [];
for (const op of Object.keys(requests) as RequestOp[]) {
  for (const body of [...requestSamples[op].requests, ...requestSamples[op].responses]) {
    validFrames.push(Uint8Array.from(encodeFrame(requests[op].code, 3, body, false)));
  }
}
for (const op of Object.keys(notices) as NoticeOp[]) {
  for (const body of noticeSamples[op])
    validFrames.push(Uint8Array.from(encodeFrame(notices[op].code, 0, body, false)));
}
for (const op of Object.keys(pushes) as PushOp[]) {
  for (const body of pushSamples[op]) validFrames.push(Uint8Array.from(encodeFrame(pushes[op].code, 0, body, false)));
}

void t.test('decodeFrame on arbitrary bytes only ever throws a ProtocolError', (t) => {
  slowestMs = 0;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
      tryDecode(bytes);
    }),
    { seed: SEED, numRuns: 10_000 },
  );
  // Bytes that start like a frame reach deeper into the decoder.
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 256 }),
      fc.constantFrom(0x80, 0x81, 0x82, 0x91, 0x92, 0xde, 0xdc, 0xc4, 0xa3),
      (tail, bodyStart) => {
        tryDecode(Uint8Array.from([0x94, 0x01, 0x05, 0x01, bodyStart, ...tail]));
      },
    ),
    { seed: SEED + 1, numRuns: 10_000 },
  );
  t.ok(slowestMs < SLOW_MS, `slowest decode ${slowestMs.toFixed(2)} ms`);
  t.end();
});

type Mutation = readonly ['flip' | 'set' | 'insert' | 'delete' | 'truncate' | 'duplicate', number, number];

function mutate(frame: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let bytes = Array.from(frame);
  for (const [kind, at, value] of mutations) {
    const i = bytes.length === 0 ? 0 : at % bytes.length;
    if (kind === 'flip') bytes[i] = (bytes[i] ?? 0) ^ (1 << (value % 8));
    else if (kind === 'set') bytes[i] = value;
    else if (kind === 'insert') bytes.splice(i, 0, value);
    else if (kind === 'delete') bytes.splice(i, 1 + (value % 8));
    else if (kind === 'truncate') bytes = bytes.slice(0, i);
    else bytes.splice(i, 0, ...bytes.slice(i, i + 1 + (value % 16)));
  }
  return Uint8Array.from(bytes);
}

void t.test('decodeFrame on mutated valid frames only ever throws a ProtocolError', (t) => {
  slowestMs = 0;
  const mutation = fc.tuple(
    fc.constantFrom('flip', 'set', 'insert', 'delete', 'truncate', 'duplicate'),
    fc.nat(),
    fc.integer({ min: 0, max: 255 }),
  );
  fc.assert(
    fc.property(
      fc.constantFrom(...validFrames),
      fc.array(mutation, { minLength: 1, maxLength: 6 }),
      (frame, mutations) => {
        tryDecode(mutate(frame, mutations));
      },
    ),
    { seed: SEED + 2, numRuns: 15_000 },
  );
  t.ok(slowestMs < SLOW_MS, `slowest decode ${slowestMs.toFixed(2)} ms`);
  t.end();
});

/** Values msgpackr can carry and give back unchanged: no undefined, no NaN/-0, no `__proto__` keys. */
const wireValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.maxSafeInteger(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(
      fc.string({ maxLength: 10 }).filter((k) => k !== '__proto__'),
      tie('value'),
      { maxKeys: 5 },
    ),
  ),
})).value;

void t.test('any wire value round-trips through a frame, with and without the prefix', (t) => {
  fc.assert(
    fc.property(
      wireValue,
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.integer({ min: 0, max: 127 }),
      (body, correlationId, op) => {
        const frame = decodeFrame(encodeFrame(op, correlationId, body, false), MAX);
        if (frame.op !== op || frame.correlationId !== correlationId) return false;
        const prefixed = encodeFrame(op, correlationId, body, true);
        const [payload] = new LengthPrefixSplitter(MAX).push(prefixed);
        const again = decodeFrame(payload ?? new Uint8Array(), MAX);
        const want = JSON.stringify(plain(body));
        return JSON.stringify(plain(frame.body)) === want && JSON.stringify(plain(again.body)) === want;
      },
    ),
    { seed: SEED + 3, numRuns: 3000 },
  );
  t.pass('round-trips');
  t.end();
});

void t.test('every op schema refuses arbitrary values with a ProtocolError only', (t) => {
  const schemas: Schema<unknown>[] = [
    ...Object.values(requests).flatMap((d) => [d.request, d.response]),
    ...Object.values(notices).map((d) => d.body),
    ...Object.values(pushes).map((d) => d.body),
  ];
  fc.assert(
    fc.property(fc.constantFrom(...schemas), wireValue, (schema, value) => {
      try {
        schema.parse(value, '');
      } catch (err: unknown) {
        if (!(err instanceof ProtocolError)) throw err;
      }
    }),
    { seed: SEED + 4, numRuns: 5000 },
  );
  t.pass('only ProtocolErrors');
  t.end();
});

void t.test('LengthPrefixSplitter reproduces the frames under any chunking', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      (payloads, rawCuts) => {
        const stream: number[] = [];
        for (const p of payloads)
          stream.push(
            p.byteLength >>> 24,
            (p.byteLength >>> 16) & 0xff,
            (p.byteLength >>> 8) & 0xff,
            p.byteLength & 0xff,
            ...p,
          );
        const bytes = Uint8Array.from(stream);
        const cuts = [...new Set(rawCuts.map((c) => c % (bytes.byteLength + 1)))].sort((a, b) => a - b);
        const splitter = new LengthPrefixSplitter(300);
        const got: string[] = [];
        let from = 0;
        for (const cut of [...cuts, bytes.byteLength]) {
          for (const f of splitter.push(bytes.slice(from, cut))) got.push(Buffer.from(f).toString('hex'));
          from = cut;
        }
        const want = payloads.map((p) => Buffer.from(p).toString('hex'));
        return JSON.stringify(got) === JSON.stringify(want) && splitter.bufferedBytes === 0;
      },
    ),
    { seed: SEED + 5, numRuns: 3000 },
  );
  t.pass('same frames');
  t.end();
});
