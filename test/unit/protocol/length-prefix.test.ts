import t from 'tap';
import { BrookError, encodeFrame, LengthPrefixSplitter } from '../../../protocol/index.js';
import { plain, seededBytes } from './protocol-fixtures.js';

const MAX = 1024 * 1024;

function prefixed(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.byteLength);
  new DataView(out.buffer).setUint32(0, payload.byteLength);
  out.set(payload, 4);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.byteLength;
  }
  return out;
}

function hexes(frames: readonly Uint8Array[]): string[] {
  return frames.map((f) => Buffer.from(f).toString('hex'));
}

/**
 * Feeds `stream` cut at `cuts` (sorted positions), each chunk a fresh copy as a socket read is, and returns the
 * frames as hex. (The splitter keeps views of chunks it has not finished with, so chunks must not be reused.)
 */
function feed(splitter: LengthPrefixSplitter, stream: Uint8Array, cuts: readonly number[]): string[] {
  const frames: Uint8Array[] = [];
  let from = 0;
  for (const cut of [...cuts, stream.byteLength]) {
    for (const frame of splitter.push(stream.slice(from, cut))) frames.push(frame);
    from = cut;
  }
  return hexes(frames);
}

const random = seededBytes(7);
const payloads = [random(1), new Uint8Array(0), random(37), random(5), random(300)];
const stream = concat(payloads.map(prefixed));
const expected = hexes(payloads);

void t.test('several frames in one chunk', (t) => {
  const s = new LengthPrefixSplitter(MAX);
  t.strictSame(hexes(s.push(stream)), expected);
  t.equal(s.bufferedBytes, 0);
  t.end();
});

void t.test('frames split at every byte boundary', (t) => {
  for (let cut = 0; cut <= stream.byteLength; cut++) {
    const s = new LengthPrefixSplitter(MAX);
    t.strictSame(feed(s, stream, [cut]), expected, `one cut at ${String(cut)}`);
    t.equal(s.bufferedBytes, 0);
  }
  t.end();
});

void t.test('frames split at every pair of byte boundaries (first 60 bytes)', (t) => {
  let cases = 0;
  for (let a = 0; a <= 60; a++) {
    for (let b = a; b <= 60; b++) {
      const got = feed(new LengthPrefixSplitter(MAX), stream, [a, b]);
      if (JSON.stringify(got) !== JSON.stringify(expected)) t.fail(`cuts ${String(a)}, ${String(b)}`);
      cases++;
    }
  }
  t.equal(cases, 1891);
  t.end();
});

void t.test('one byte at a time', (t) => {
  const s = new LengthPrefixSplitter(MAX);
  const cuts = Array.from({ length: stream.byteLength - 1 }, (_, i) => i + 1);
  t.strictSame(feed(s, stream, cuts), expected);
  t.end();
});

void t.test('bufferedBytes counts what waits for the rest of a frame', (t) => {
  const s = new LengthPrefixSplitter(MAX);
  const frame = prefixed(random(100));
  t.strictSame(s.push(frame.subarray(0, 2)), []);
  t.equal(s.bufferedBytes, 2);
  t.strictSame(s.push(frame.subarray(2, 50)), []);
  t.equal(s.bufferedBytes, 50);
  t.equal(s.push(frame.subarray(50)).length, 1);
  t.equal(s.bufferedBytes, 0);
  t.end();
});

void t.test('frames wholly inside a chunk are views, not copies', (t) => {
  const chunk = stream.slice();
  const frames = new LengthPrefixSplitter(MAX).push(chunk);
  t.ok(frames.every((f) => f.buffer === chunk.buffer));
  t.end();
});

void t.test('real encoded frames come back whole', (t) => {
  const frames = [
    encodeFrame(10, 1, {}, true),
    encodeFrame(5, 2, { records: random(5000) }, true),
    encodeFrame(10, 3, {}, true),
  ];
  const joined = concat(frames);
  const s = new LengthPrefixSplitter(MAX);
  const got = [...s.push(joined.subarray(0, 3000)), ...s.push(joined.subarray(3000))];
  t.strictSame(plain(got), plain(frames.map((f) => f.subarray(4))));
  t.end();
});

void t.test('a frame of exactly maxFrameBytes is accepted', (t) => {
  const s = new LengthPrefixSplitter(64);
  t.equal(s.push(prefixed(random(64)))[0]?.byteLength, 64);
  t.end();
});

void t.test('an oversized prefix throws FRAME_TOO_LARGE before the body is buffered', (t) => {
  const check = (label: string, run: (s: LengthPrefixSplitter) => void): void => {
    const s = new LengthPrefixSplitter(64);
    try {
      run(s);
      t.fail(`${label}: no error`);
    } catch (err: unknown) {
      t.ok(err instanceof BrookError && err.code === 'FRAME_TOO_LARGE', `${label}: FRAME_TOO_LARGE`);
      t.notOk(err instanceof BrookError && err.retriable, `${label}: not retriable`);
      t.match((err as Error).message, /65 bytes exceeds maxFrameBytes 64/, `${label}: message`);
      t.ok(s.bufferedBytes <= 4, `${label}: at most the prefix is held (${String(s.bufferedBytes)})`);
    }
  };
  const header = Uint8Array.of(0, 0, 0, 65);
  check('prefix alone', (s) => s.push(header));
  check('prefix with some body', (s) => s.push(concat([header, random(10)])));
  check('prefix split in two', (s) => {
    s.push(header.subarray(0, 2));
    s.push(header.subarray(2));
  });
  check('prefix byte by byte', (s) => {
    for (let i = 0; i < 4; i++) s.push(header.subarray(i, i + 1));
  });
  check('after a good frame held in the buffer', (s) => {
    s.push(prefixed(random(10)).subarray(0, 5));
    s.push(concat([prefixed(random(10)).subarray(5), header]));
  });
  const huge = new LengthPrefixSplitter(8 * 1024 * 1024);
  t.throws(() => huge.push(Uint8Array.of(0xff, 0xff, 0xff, 0xff)), { code: 'FRAME_TOO_LARGE' }, '4 GiB announced');
  t.end();
});

void t.test('many small frames in one large chunk after a partial frame', (t) => {
  // A reader that got a partial prefix and then one large chunk (a big socket read) must still split it.
  const frameCount = 200_000;
  const frame = prefixed(Uint8Array.of(0xc0));
  const big = new Uint8Array(frame.byteLength * frameCount);
  for (let i = 0; i < frameCount; i++) big.set(frame, i * frame.byteLength);
  const s = new LengthPrefixSplitter(MAX);
  t.strictSame(s.push(big.subarray(0, 2)), []);
  let frames: Uint8Array[] = [];
  t.doesNotThrow(() => {
    frames = s.push(big.subarray(2));
  }, 'no stack overflow');
  t.equal(frames.length, frameCount);
  t.equal(s.bufferedBytes, 0);
  t.end();
});
