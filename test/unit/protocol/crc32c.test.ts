import t from 'tap';
import { crc32c as nativeCrc32c } from '@node-rs/crc32';
import { crc32c } from '../../../protocol/index.js';
import { seededBytes } from './protocol-fixtures.js';

const random = seededBytes(2024);

function native(data: Uint8Array, initial?: number): number {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return initial === undefined ? nativeCrc32c(buf) : nativeCrc32c(buf, initial);
}

void t.test('standard check values', (t) => {
  t.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283, 'CRC-32C check value');
  t.equal(crc32c(new Uint8Array(0)), 0, 'empty input');
  t.equal(crc32c(new Uint8Array(32)), 0x8a9136aa, '32 zero bytes (RFC 3720 B.4)');
  t.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43, '32 0xff bytes (RFC 3720 B.4)');
  t.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e, '0..31 ascending (RFC 3720 B.4)');
  t.end();
});

void t.test('agrees with @node-rs/crc32 on every length 0..1000', (t) => {
  const mismatches: number[] = [];
  for (let n = 0; n <= 1000; n++) {
    const data = random(n);
    if (crc32c(data) !== native(data)) mismatches.push(n);
  }
  t.strictSame(mismatches, []);
  t.end();
});

void t.test('agrees on large inputs', (t) => {
  for (const n of [65_536, 1_000_003, 4 * 1024 * 1024]) {
    const data = random(n);
    t.equal(crc32c(data), native(data), `${String(n)} bytes`);
  }
  t.end();
});

void t.test('agrees on views at every alignment', (t) => {
  const backing = random(300);
  for (let offset = 0; offset < 16; offset++) {
    for (const length of [0, 1, 7, 8, 9, 63, 200]) {
      const view = backing.subarray(offset, offset + length);
      t.equal(crc32c(view), native(view), `offset ${String(offset)}, length ${String(length)}`);
    }
  }
  t.end();
});

void t.test('initial chains like the native one', (t) => {
  const data = random(257);
  const whole = crc32c(data);
  for (let cut = 0; cut <= data.byteLength; cut++) {
    const head = data.subarray(0, cut);
    const tail = data.subarray(cut);
    const chained = crc32c(tail, crc32c(head));
    if (chained !== whole) t.fail(`split at ${String(cut)}`);
    if (crc32c(tail, native(head)) !== native(tail, native(head))) t.fail(`native chain at ${String(cut)}`);
  }
  t.equal(crc32c(new Uint8Array(0), 0x12345678), 0x12345678, 'no data keeps the running value');
  t.equal(crc32c(data, 0xdeadbeef), native(data, 0xdeadbeef), 'arbitrary initial');
  t.end();
});
