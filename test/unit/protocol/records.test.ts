/**
 * The Kafka record encoding (protocol/records.ts) through Brook's batch builder (protocol/kafka-record-batch.ts): what
 * the producer writes must decode to the same records, malformed bytes must fail with INVALID_RECORD and nothing
 * else, and the framing check must refuse exactly what the decoder refuses.
 */
import t from 'tap';
import { crc32c as nativeCrc32c } from '@node-rs/crc32';
import {
  BrookError,
  CRC_START,
  RECORD_BATCH_OVERHEAD,
  RecordBatchBuilder,
  checkRecords,
  crc32c,
  decodeRecords,
  decodeRecordsWith,
  produceBatch,
  readRecordBatchHeader,
  recordSizeBound,
  setBaseOffset,
  validateRecordBatch,
  withProducer,
  type DecodedRecord,
  type RecordBatch,
  type RecordToEncode,
} from '../../../protocol/index.js';
import { plain, seededBytes } from './protocol-fixtures.js';

const utf8 = new TextEncoder();
const random = seededBytes(42);

/** A batch of `records` placed at `baseOffset`, as a fetch returns it. */
function build(records: readonly RecordToEncode[], baseOffset = 0, builder = new RecordBatchBuilder()): RecordBatch {
  for (const r of records) builder.add(r);
  const batch = builder.build();
  setBaseOffset(batch.bytes, baseOffset);
  return batch;
}

/** The records section of `batch`. */
function section(batch: RecordBatch): Uint8Array {
  return batch.bytes.subarray(RECORD_BATCH_OVERHEAD);
}

/** Decodes the records of `batch` (or of `records` in its place, counted `count`) from `fromOffset`. */
function decodeAll(batch: RecordBatch, fromOffset = 0, records = section(batch), count = batch.count): DecodedRecord[] {
  const header = readRecordBatchHeader(batch.bytes);
  const out: DecodedRecord[] = [];
  decodeRecordsWith(
    records,
    { baseOffset: header.baseOffset, baseTimestamp: header.baseTimestamp, count },
    fromOffset,
    (offset, timestamp, key, value, headers) => ({ offset, timestamp, key, value, headers }),
    out,
  );
  return out;
}

/** What decoding should give back for `records` placed at `baseOffset`. */
function expected(records: readonly RecordToEncode[], baseOffset = 0): unknown {
  return plain(
    records.map((r, i) => ({
      offset: baseOffset + i,
      timestamp: r.timestamp,
      key: r.key,
      value: r.value,
      headers: r.headers ?? [],
    })),
  );
}

/** The message of the INVALID_RECORD `run` throws, or 'no error'; anything else is rethrown. */
function invalidRecordOf(run: () => void): string {
  try {
    run();
  } catch (err: unknown) {
    if (err instanceof BrookError && err.code === 'INVALID_RECORD') return err.message;
    throw err;
  }
  return 'no error';
}

const varied: RecordToEncode[] = [
  { key: utf8.encode('customer-42'), value: utf8.encode('{"total":12.5}'), timestamp: 1_700_000_000_000 },
  { key: null, value: utf8.encode('no key'), timestamp: 1_700_000_000_001 },
  { key: utf8.encode('tombstone'), value: null, timestamp: 1_700_000_000_002 },
  { key: null, value: null, timestamp: 1_700_000_000_003 },
  { key: new Uint8Array(0), value: new Uint8Array(0), timestamp: 1_700_000_000_004 },
  {
    key: utf8.encode('k'),
    value: utf8.encode('v'),
    timestamp: 1_699_999_000_000,
    headers: [
      ['trace-id', utf8.encode('4bf92f3577b34da6')],
      ['retry', null],
      ['retry', utf8.encode('2')],
      ['', new Uint8Array(0)],
      ['Ünïcødé-ключ-键-🔑', utf8.encode('値')],
    ],
  },
  { key: random(200), value: random(200_000), timestamp: 1_700_000_500_000, headers: [['big', random(1000)]] },
];

void t.test('records round-trip through the builder and decodeRecords', (t) => {
  const batch = build(varied, 1000);
  t.strictSame(plain(decodeAll(batch)), expected(varied, 1000));
  t.strictSame(
    plain(decodeRecords(section(batch), { baseOffset: 1000, baseTimestamp: batch.firstTimestamp, count: 7 })),
    expected(varied, 1000),
  );
  t.equal(batch.count, varied.length);
  t.equal(batch.firstTimestamp, 1_700_000_000_000, 'the base timestamp is the first record');
  t.equal(batch.maxTimestamp, 1_700_000_500_000, 'maxTimestamp is the largest');
  const covered = batch.bytes.subarray(CRC_START);
  t.equal(batch.crc, crc32c(covered), 'the CRC32C covers attributes to the end');
  t.equal(batch.crc, nativeCrc32c(Buffer.from(covered.buffer, covered.byteOffset, covered.byteLength)));
  t.strictSame([batch.producerId, batch.producerEpoch, batch.baseSequence, batch.attributes], [-1, -1, -1, 0]);
  t.equal(validateRecordBatch(batch.bytes).recordCount, varied.length, 'the batch passes what the broker checks');
  t.equal(produceBatch.parse(batch.bytes, ''), batch.bytes, 'a built batch passes the wire schema');
  t.end();
});

void t.test('null and empty are different; a null value is a tombstone', (t) => {
  const [empty, none] = decodeAll(
    build([
      { key: new Uint8Array(0), value: new Uint8Array(0), timestamp: 1 },
      { key: null, value: null, timestamp: 1 },
    ]),
  );
  t.strictSame([empty?.key?.byteLength, empty?.value?.byteLength], [0, 0]);
  t.strictSame([none?.key, none?.value], [null, null]);
  t.end();
});

void t.test('timestamps out of order give negative deltas; large timestamps survive', (t) => {
  const cases = [
    [1_700_000_000_000, 1_000, 1_700_000_000_001, 0],
    [0, 2 ** 52 - 1, 0, 2 ** 52 - 2],
    [2 ** 52 - 1, 0, 1],
    [5, 4, 3, 2, 1],
  ];
  for (const timestamps of cases) {
    const batch = build(timestamps.map((timestamp) => ({ key: null, value: null, timestamp })));
    t.strictSame(
      decodeAll(batch).map((r) => r.timestamp),
      timestamps,
      timestamps.join(','),
    );
    t.equal(batch.firstTimestamp, timestamps[0]);
    t.equal(batch.maxTimestamp, Math.max(...timestamps));
  }
  t.end();
});

void t.test('timestamps either round-trip exactly or are refused by add()', (t) => {
  const cases = [[10, 12.7], [Number.MAX_SAFE_INTEGER, 0], [2 ** 52 + 1, 0], [2 ** 52, 0], [-1]];
  for (const timestamps of cases) {
    const builder = new RecordBatchBuilder();
    let refused = false;
    try {
      for (const timestamp of timestamps) builder.add({ key: null, value: null, timestamp });
    } catch (err: unknown) {
      refused = err instanceof RangeError;
    }
    if (refused) {
      t.pass(`${timestamps.join(', ')}: refused`);
      continue;
    }
    t.strictSame(
      decodeAll(builder.build()).map((r) => r.timestamp),
      timestamps,
      `${timestamps.join(', ')}: round-trips`,
    );
  }
  t.end();
});

void t.test('decoded keys and values are views of the batch bytes', (t) => {
  const batch = build([{ key: utf8.encode('k'), value: utf8.encode('v'), timestamp: 1 }]);
  const [r] = decodeAll(batch);
  t.equal(r?.key?.buffer, batch.bytes.buffer);
  t.equal(r?.value?.buffer, batch.bytes.buffer);
  t.end();
});

void t.test('fromOffset skips earlier records and out is appended to', (t) => {
  const records = Array.from({ length: 5 }, (_, i) => ({ key: null, value: Uint8Array.of(i), timestamp: 100 + i }));
  const batch = build(records, 100);
  t.strictSame(
    decodeAll(batch, 102).map((r) => r.offset),
    [102, 103, 104],
  );
  t.strictSame(
    decodeAll(batch, 0).map((r) => r.offset),
    [100, 101, 102, 103, 104],
  );
  t.strictSame(decodeAll(batch, 105), []);
  t.strictSame(plain(decodeAll(batch, 104).map((r) => r.value)), plain([Uint8Array.of(4)]));
  const out: { offset: number }[] = [{ offset: 1 }];
  decodeRecordsWith(
    section(batch),
    { baseOffset: 100, baseTimestamp: 100, count: 5 },
    103,
    (offset) => ({ offset }),
    out,
  );
  t.strictSame(
    out.map((r) => r.offset),
    [1, 103, 104],
  );
  // Records before fromOffset are still checked.
  const broken = section(batch).subarray(0, section(batch).byteLength - 1);
  t.match(
    invalidRecordOf(() => decodeAll(batch, 105, broken)),
    /record 4 length 7/,
  );
  t.end();
});

void t.test('the builder grows, resets after build and does not share bytes between batches', (t) => {
  const builder = new RecordBatchBuilder(8);
  const many = Array.from({ length: 10_000 }, (_, i) => ({
    key: utf8.encode(`k${String(i)}`),
    value: random(i % 97),
    timestamp: 1_000 + i,
  }));
  for (const r of many) builder.add(r);
  t.equal(builder.count, 10_000);
  const size = builder.sizeBytes;
  const first = builder.build();
  t.equal(first.bytes.byteLength, size, 'sizeBytes is the whole batch, header included');
  t.equal(builder.count, 0);
  t.equal(builder.sizeBytes, RECORD_BATCH_OVERHEAD);
  const snapshot = Buffer.from(first.bytes).toString('hex');
  builder.add({ key: null, value: random(50_000), timestamp: 5 });
  const second = builder.build();
  t.equal(Buffer.from(first.bytes).toString('hex'), snapshot, 'the first batch is untouched by later adds');
  t.equal(second.firstTimestamp, 5, 'timestamps restart with the next batch');
  t.equal(second.maxTimestamp, 5);
  t.strictSame(plain(decodeAll(first)), expected(many));
  t.equal(decodeAll(second).length, 1);
  t.throws(() => builder.build(), RangeError, 'an empty batch is refused');
  t.end();
});

void t.test('build() takes the producer identity; withProducer rewrites it and the CRC, not the records', (t) => {
  const builder = new RecordBatchBuilder();
  builder.add({ key: null, value: utf8.encode('x'), timestamp: 1 });
  const batch = builder.build({ producerId: 9, producerEpoch: 3, baseSequence: 77 });
  t.strictSame([batch.producerId, batch.producerEpoch, batch.baseSequence], [9, 3, 77]);
  const header = readRecordBatchHeader(batch.bytes);
  t.strictSame([header.producerId, header.producerEpoch, header.baseSequence], [9, 3, 77], 'in the header too');
  const stamped = withProducer(batch, { producerId: 12, producerEpoch: 0, baseSequence: 5 });
  t.strictSame([stamped.producerId, stamped.producerEpoch, stamped.baseSequence], [12, 0, 5]);
  t.equal(validateRecordBatch(stamped.bytes).producerId, 12, 'the new CRC matches');
  t.equal(stamped.crc, readRecordBatchHeader(stamped.bytes).crc);
  t.strictSame(plain(section(stamped)), plain(section(batch)), 'the records are the same bytes');
  t.equal(batch.producerId, 9, 'the original batch is untouched');
  t.equal(validateRecordBatch(batch.bytes).producerId, 9);
  t.end();
});

void t.test('recordSizeBound never underestimates', (t) => {
  const samples: RecordToEncode[] = [
    ...varied,
    { key: null, value: null, timestamp: 0 },
    { key: null, value: null, timestamp: 2 ** 52 - 1 },
    { key: random(127), value: random(16_384), timestamp: 3, headers: [['😀'.repeat(100), random(128)]] },
    {
      key: null,
      value: null,
      timestamp: 0,
      headers: Array.from({ length: 300 }, (_, i) => [`h${String(i)}`, null] as const),
    },
  ];
  for (const r of samples) {
    const builder = new RecordBatchBuilder();
    builder.add({ key: null, value: null, timestamp: 0 });
    const before = builder.sizeBytes;
    builder.add(r);
    const size = builder.sizeBytes - before;
    t.ok(size <= recordSizeBound(r), `${String(size)} <= ${String(recordSizeBound(r))}`);
  }
  t.end();
});

void t.test('the worked example in docs/protocol.md', (t) => {
  const builder = new RecordBatchBuilder();
  builder.add({
    key: utf8.encode('user-42'),
    value: utf8.encode('hello'),
    timestamp: 1_700_000_000_000,
    headers: [['trace', utf8.encode('abc')]],
  });
  const batch = builder.build();
  t.equal(
    Buffer.from(batch.bytes).toString('hex'),
    '0000000000000000' + // baseOffset 0 (the broker sets it)
      '0000004e' + // batchLength 78: bytes after this field
      'ffffffff' + // partitionLeaderEpoch -1 (the broker sets it)
      '02' + // magic 2
      '517123dd' + // CRC32C of attributes..end
      '0000' + // attributes: no compression, not a control batch
      '00000000' + // lastOffsetDelta 0
      '0000018bcfe56800' + // baseTimestamp 1700000000000
      '0000018bcfe56800' + // maxTimestamp
      'ffffffffffffffff' + // producerId -1
      'ffff' + // producerEpoch -1
      'ffffffff' + // baseSequence -1
      '00000001' + // recordCount 1
      '38' + // record length 28 (zigzag varint)
      '00' + // record attributes
      '00' + // timestampDelta 0
      '00' + // offsetDelta 0
      '0e757365722d3432' + // key length 7, "user-42"
      '0a68656c6c6f' + // value length 5, "hello"
      '02' + // one header
      '0a7472616365' + // header key length 5, "trace"
      '06616263', // header value length 3, "abc"
  );
  t.equal(batch.crc, 0x517123dd);
  t.strictSame([batch.count, batch.firstTimestamp, batch.maxTimestamp], [1, 1_700_000_000_000, 1_700_000_000_000]);
  t.end();
});

void t.test('multi-byte varints', (t) => {
  // A 300-byte value: length 300 zigzags to 600 = 0xd8 0x04.
  const batch = build([
    { key: null, value: new Uint8Array(300), timestamp: 1000 },
    { key: null, value: null, timestamp: 1000 + 64 },
  ]);
  const records = section(batch);
  // Record length 307 (zigzag 614 = 0xe6 0x04), attributes, delta 0, offset 0, null key (-1 = 0x01), length 300.
  t.equal(Buffer.from(records.subarray(0, 8)).toString('hex'), 'e604000000' + '01d804');
  // Second record: length, attributes, then delta +64 zigzags to 128 = 0x80 0x01.
  t.equal(Buffer.from(records.subarray(309, 313)).toString('hex'), '0e008001');
  t.end();
});

void t.test('truncated or garbled records are refused with INVALID_RECORD', (t) => {
  const batch = build(varied.slice(0, 6));
  const records = section(batch);
  for (let n = 0; n < records.byteLength; n++) {
    t.not(
      invalidRecordOf(() => decodeAll(batch, 0, records.subarray(0, n))),
      'no error',
      `cut at ${String(n)}`,
    );
  }
  t.match(
    invalidRecordOf(() => decodeAll(batch, 0, records, batch.count + 1)),
    /truncated/,
    'count one too high',
  );
  t.match(
    invalidRecordOf(() => decodeAll(batch, 0, records, batch.count - 1)),
    /bytes follow the 5 records/,
    'count one too low',
  );
  t.match(
    invalidRecordOf(() => decodeAll(batch, 0, Uint8Array.from([...records, 0]))),
    /1 bytes follow/,
    'a stray byte',
  );
  const one = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replace(/ /g, ''), 'hex'));
  t.match(
    invalidRecordOf(() => decodeAll(batch, 0, one('10 00 00 00 01 01 02 04 c3 28 01'), 1)),
    /header key is not UTF-8/,
    'invalid UTF-8 key',
  );
  t.match(
    invalidRecordOf(() => decodeAll(batch, 0, one('0c 00 00 02 01 01 00'), 1)),
    /offset delta 1/,
    'an offset delta out of place',
  );
  t.match(
    invalidRecordOf(() => decodeAll(batch, 0, one('0e 00 00 00 fe ff ff ff 0f'), 1)),
    /truncated/,
    'a key longer than the record',
  );
  t.match(
    invalidRecordOf(() => decodeAll(batch, 0, one('0a 00 00 00 01 01 ff ff ff ff 07'), 1)),
    /truncated|header count|length/,
    'a huge header count',
  );
  t.match(
    invalidRecordOf(() => decodeAll(batch, 0, one('0a 00 00 00 01 01 00 00'), 1)),
    /does not end where its length says/,
    'a record shorter than its length',
  );
  t.end();
});

void t.test('random bytes decode or fail with INVALID_RECORD, never anything else', (t) => {
  const gen = seededBytes(1234);
  const template = build([{ key: null, value: null, timestamp: 0 }]);
  let refused = 0;
  for (let i = 0; i < 5000; i++) {
    const records = gen(i % 64);
    const count = 1 + (gen(1)[0] ?? 0);
    if (invalidRecordOf(() => decodeAll(template, 0, records, count)) !== 'no error') refused++;
  }
  t.ok(refused > 4000, `${String(refused)} of 5000 refused`);
  t.end();
});

void t.test('decodeRecordsWith builds the same records as decodeRecords through the factory', (t) => {
  const batch = build(varied, 100);
  const made: unknown[] = [];
  decodeRecordsWith(
    section(batch),
    { baseOffset: 100, baseTimestamp: batch.firstTimestamp, count: batch.count },
    102,
    (offset, timestamp, key, value, headers) => ({ offset, timestamp, key, value, headers, tag: 'mine' }),
    made,
  );
  const all = decodeRecords(section(batch), { baseOffset: 100, baseTimestamp: batch.firstTimestamp, count: 7 });
  t.same(plain(made), plain(all.slice(2).map((r) => ({ ...r, tag: 'mine' }))), 'same fields, earlier offsets skipped');
  t.equal(made.length, varied.length - 2);
  t.end();
});

/** The outcome of checkRecords on `records` counted `count`: 'ok' or the INVALID_RECORD message. */
function framingOf(records: Uint8Array, count: number): string {
  const message = invalidRecordOf(() => {
    checkRecords(records, count);
  });
  return message === 'no error' ? 'ok' : message;
}

void t.test('checkRecords accepts exactly count records and refuses a miscount with INVALID_RECORD', (t) => {
  const batch = build(varied);
  const records = section(batch);
  t.equal(framingOf(records, batch.count), 'ok', 'the builder output, headers and a 200 kB value included');
  t.match(framingOf(records, batch.count + 1), /truncated/);
  t.match(framingOf(records, batch.count - 1), /\d+ bytes follow the 6 records/);
  t.match(framingOf(Uint8Array.from([...records, 0]), batch.count), /1 bytes follow/);
  for (let n = 0; n < 200; n++) t.not(framingOf(records.subarray(0, n), batch.count), 'ok', `cut at ${String(n)}`);
  t.end();
});

void t.test('checkRecords refuses exactly what the decoder refuses, header key encoding aside', (t) => {
  const gen = seededBytes(4321);
  const template = build([{ key: null, value: null, timestamp: 0 }]);
  let refused = 0;
  for (let i = 0; i < 5000; i++) {
    const records = gen(i % 64);
    const count = 1 + ((gen(1)[0] ?? 0) % 8);
    const decoded = invalidRecordOf(() => decodeAll(template, 0, records, count));
    const framed = framingOf(records, count);
    // The decoder stops at a key that is not UTF-8, before it could find a framing error after it: either may be.
    const agree = decoded.endsWith('header key is not UTF-8') || (decoded === 'no error') === (framed === 'ok');
    if (!agree) t.fail(`disagree on ${Buffer.from(records).toString('hex')} x${String(count)}`);
    if (framed !== 'ok') refused++;
  }
  t.ok(refused > 1000, `${String(refused)} of 5000 refused, by both`);
  t.end();
});
