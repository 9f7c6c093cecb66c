import t from 'tap';
import { Packr } from 'msgpackr';
import { ProtocolError } from '../../../protocol/index.js';
import { checkMsgpack } from '../../../protocol/msgpack-scan.js';

function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

function refusal(bytes: Uint8Array, maxDepth = 16): string {
  try {
    checkMsgpack(bytes, maxDepth);
  } catch (err: unknown) {
    if (err instanceof ProtocolError) return err.message;
    throw err;
  }
  return 'accepted';
}

void t.test('accepts every msgpack type Brook uses, in every width', (t) => {
  const values: [string, string][] = [
    ['positive fixint', '7f'],
    ['negative fixint', 'e0'],
    ['nil', 'c0'],
    ['false', 'c2'],
    ['true', 'c3'],
    ['uint8', 'cc ff'],
    ['uint16', 'cd ffff'],
    ['uint32', 'ce ffffffff'],
    ['uint64', 'cf 0000018bcfe56800'],
    ['int8', 'd0 80'],
    ['int16', 'd1 8000'],
    ['int32', 'd2 80000000'],
    ['int64', 'd3 ffffffffffffffff'],
    ['float32', 'ca 3fc00000'],
    ['float64', 'cb 4278bcfe56800000'],
    ['fixstr', 'a3 616263'],
    ['empty fixstr', 'a0'],
    ['str8', 'd9 03 616263'],
    ['str16', 'da 0003 616263'],
    ['str32', 'db 00000003 616263'],
    ['bin8', 'c4 02 0102'],
    ['bin16', 'c5 0002 0102'],
    ['bin32', 'c6 00000002 0102'],
    ['empty bin8', 'c4 00'],
    ['fixarray', '93 01 02 03'],
    ['array16', 'dc 0002 01 02'],
    ['array32', 'dd 00000002 01 02'],
    ['empty array32', 'dd 00000000'],
    ['fixmap', '82 a1 61 01 a1 62 c0'],
    ['map16 with str8 key', 'de 0001 d9 01 61 90'],
    ['map32 with str16 key', 'df 00000001 da 0001 61 80'],
    ['map with str32 key', '81 db 00000001 61 c3'],
    ['empty map16', 'de 0000'],
  ];
  for (const [label, bytes] of values) t.equal(refusal(hex(bytes)), 'accepted', label);
  t.end();
});

void t.test('accepts what msgpackr encodes for Brook-shaped values', (t) => {
  const packr = new Packr({ useRecords: false, encodeUndefinedAsNil: true, moreTypes: false });
  const value = {
    acks: -1,
    timeoutMs: 30_000,
    partitions: [
      {
        topic: 'orders',
        partition: 0,
        batch: { count: 1, firstTimestamp: 1_700_000_000_000, records: new Uint8Array(300) },
      },
    ],
    big: 'x'.repeat(70_000),
    many: new Array<number>(70_000).fill(1),
    nothing: null,
  };
  t.equal(refusal(packr.pack(value)), 'accepted');
  t.end();
});

void t.test('rejects the bytes msgpackr would otherwise trust', (t) => {
  t.match(refusal(hex('dd ffffffff')), /more elements than the frame holds/, 'array32 of 2^32-1');
  t.match(refusal(hex('df ffffffff')), /more elements than the frame holds/, 'map32 of 2^32-1');
  t.match(refusal(hex('df 80000000' + '00'.repeat(64))), /more elements/, 'a map needs two values per entry');
  t.match(refusal(hex('92 01')), /more elements/, 'fixarray of 2 with 1 byte left');
  t.match(refusal(hex('81 a1')), /more elements/, 'fixmap of 1 with 1 byte left');
  t.match(refusal(hex('81 a1 61')), /truncated/, 'fixmap of 1 whose value is missing');
  t.match(refusal(hex('91 dd ffffffff')), /more elements/, 'nested');
  t.match(refusal(hex('db ffffffff 61')), /truncated/, 'str32 longer than the input');
  t.match(refusal(hex('c6 ffffffff 61')), /truncated/, 'bin32 longer than the input');
  t.match(refusal(hex('c5 ffff')), /truncated/, 'bin16 header only');
  t.match(refusal(hex('cd ff')), /truncated/, 'uint16 cut short');
  t.match(refusal(hex('cb 00 00')), /truncated/, 'float64 cut short');
  t.match(refusal(hex('')), /truncated/, 'nothing at all');
  t.end();
});

void t.test('a container count must fit the bytes actually left', (t) => {
  // Exactly enough bytes is fine; one fewer is refused before reading any element.
  t.equal(refusal(hex('dd 00000003 01 02 03')), 'accepted');
  t.match(refusal(hex('dd 00000004 01 02 03')), /more elements/);
  t.equal(refusal(hex('de 0002 a1 61 01 a1 62 02')), 'accepted');
  t.match(refusal(hex('de 0004 a1 61 01 a1 62 02')), /more elements/, 'a map needs two bytes per entry at least');
  t.end();
});

void t.test('rejects extension types, the reserved byte and non-string keys', (t) => {
  for (const b of [
    'c7 01 01 00',
    'c8 0001 01 00',
    'c9 00000001 01 00',
    'd4 01 00',
    'd5 01 0000',
    'd6 ff 00000000',
    'd7 ff 0000000000000000',
    'd8 01' + '00'.repeat(16),
  ]) {
    t.match(refusal(hex(b)), /msgpack type 0x(c7|c8|c9|d4|d5|d6|d7|d8) is not allowed/, `ext ${b.slice(0, 2)}`);
  }
  t.match(refusal(hex('c1')), /0xc1 is not allowed/);
  for (const key of ['01', 'ff', 'c0', 'c3', 'cb 0000000000000000', 'c4 01 61', '90', '80']) {
    t.match(refusal(hex(`81 ${key} 01`)), /map key is not a string/, `key ${key}`);
  }
  t.match(refusal(hex('82 a1 61 01 02 03')), /map key is not a string/, 'second key');
  t.equal(refusal(hex('82 a1 61 81 a1 62 01 a1 63 90')), 'accepted', 'map values may be anything');
  t.match(refusal(hex('81 a1 61 81 02 03')), /map key is not a string/, 'key of a nested map');
  t.match(refusal(hex('92 81 a1 61 01 81 01 01')), /map key is not a string/, 'map inside an array');
  t.end();
});

void t.test('rejects trailing bytes after the single value', (t) => {
  t.match(refusal(hex('c0 c0')), /trailing bytes/);
  t.match(refusal(hex('91 01 02')), /trailing bytes/);
  t.end();
});

void t.test('nesting is limited by maxDepth; empty containers do not count', (t) => {
  const nested = (n: number, inner = 'c0'): Uint8Array => hex('91'.repeat(n) + inner);
  t.equal(refusal(nested(4), 4), 'accepted', 'depth 4 of 4');
  t.match(refusal(nested(5), 4), /nesting deeper than 4/, 'depth 5 of 4');
  t.equal(refusal(nested(4, '90'), 4), 'accepted', 'an empty fifth array');
  t.equal(refusal(nested(256), 256), 'accepted', 'the largest allowed maxDepth works');
  t.match(refusal(nested(10_000), 16), /nesting deeper than 16/, '10,000 levels');
  t.match(refusal(hex('81 a1 61'.repeat(10_000) + 'c0'), 16), /nesting deeper than 16/, '10,000 maps');
  t.throws(
    () => {
      checkMsgpack(hex('c0'), 257);
    },
    RangeError,
    'maxDepth above 256 is a programming error',
  );
  // Depth returns as containers close: siblings at the limit are fine.
  t.equal(refusal(hex('92 91 91 01 91 91 02'), 3), 'accepted', 'siblings');
  t.end();
});

void t.test('works on a view with a byte offset', (t) => {
  const backing = hex('ff ff 92 01 02 ff');
  t.equal(refusal(backing.subarray(2, 5)), 'accepted');
  t.match(refusal(backing.subarray(2, 4)), /more elements|truncated/);
  t.end();
});
