import t from 'tap';
import { murmur2, partitionForKey, toPositive } from '../../../protocol/murmur2.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

void t.test('matches Kafka UtilsTest murmur2 vectors', (t) => {
  // org.apache.kafka.common.utils.UtilsTest#testMurmur2
  const vectors: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];
  for (const [input, expected] of vectors) t.equal(murmur2(utf8(input)), expected, input);
  t.end();
});

void t.test('every tail length contributes to the hash', (t) => {
  // The vectors above have lengths 2, 6, 24, 26, 48 and 3 (tails 2, 2, 0, 2, 0, 3); cover tail 1 and the empty key.
  const base = utf8('abcde');
  const flipped = utf8('abcdf');
  t.not(murmur2(base), murmur2(flipped), 'a change in a 1-byte tail changes the hash');
  t.not(murmur2(utf8('ab')), murmur2(utf8('ba')));
  t.equal(murmur2(new Uint8Array([])), murmur2(new Uint8Array([])));
  t.ok(
    Number.isInteger(murmur2(new Uint8Array([]))) && murmur2(new Uint8Array([])) === (murmur2(new Uint8Array([])) | 0),
  );
  // Bytes, not strings, are hashed: a non-ASCII key hashes its UTF-8 bytes.
  t.equal(murmur2(utf8('é')), murmur2(new Uint8Array([0xc3, 0xa9])));
  t.end();
});

void t.test('toPositive clears the sign bit like Kafka (not Math.abs)', (t) => {
  t.equal(toPositive(-1), 0x7fffffff);
  t.equal(toPositive(-2147483648), 0);
  t.equal(toPositive(5), 5);
  t.equal(toPositive(-973932308), -973932308 & 0x7fffffff);
  t.end();
});

void t.test('partitionForKey = toPositive(murmur2(key)) % partitions', (t) => {
  t.equal(partitionForKey(utf8('21'), 10), (-973932308 & 0x7fffffff) % 10);
  t.equal(partitionForKey(utf8('foobar'), 7), (-790332482 & 0x7fffffff) % 7);
  for (let n = 1; n < 20; n++) {
    const p = partitionForKey(utf8(`key-${String(n)}`), n);
    t.ok(p >= 0 && p < n);
  }
  t.end();
});
