import t from 'tap';
import {
  DEFAULT_MAX_PRODUCERS,
  PRODUCER_BATCHES_KEPT,
  ProducerStateTable,
  type ProducerBatchRow,
  type ProducerFields,
} from '../../../broker/partitions/producer-state.js';
import { BrookError, MAX_SEQUENCE } from '../../../protocol/index.js';

const PID = 4_294_967_296; // broker 1's first id

function batch(baseSequence: number, count = 10, producerEpoch = 0, producerId = PID): ProducerFields {
  return { producerId, producerEpoch, baseSequence, count };
}

/** Checks and records a batch at `baseOffset` as the partition would; returns the check. */
function append(
  table: ProducerStateTable,
  b: ProducerFields,
  baseOffset: number,
): ReturnType<ProducerStateTable['check']> {
  const verdict = table.check(b);
  if (verdict.kind === 'append') table.record(b, baseOffset, baseOffset + b.count - 1);
  return verdict;
}

function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof BrookError ? err.code : `not a BrookError: ${String(err)}`;
  }
  return undefined;
}

void t.test('batches without a producer id are never checked nor remembered', (t) => {
  const table = new ProducerStateTable();
  const anonymous = { producerId: -1, producerEpoch: -1, baseSequence: -1, count: 3 };
  t.same(append(table, anonymous, 0), { kind: 'append' });
  t.same(append(table, anonymous, 3), { kind: 'append' }, 'the same batch again is appended again');
  t.equal(table.size, 0);
  t.end();
});

void t.test('a producer id without epoch or sequence is an invalid request', (t) => {
  const table = new ProducerStateTable();
  t.equal(
    errorCode(() => table.check({ producerId: PID, producerEpoch: -1, baseSequence: 0, count: 1 })),
    'INVALID_REQUEST',
  );
  t.equal(
    errorCode(() => table.check({ producerId: PID, producerEpoch: 0, baseSequence: -1, count: 1 })),
    'INVALID_REQUEST',
  );
  t.end();
});

void t.test(
  'consecutive sequences are appended; a repeat of each of the last 5 batches gets its original offsets',
  (t) => {
    const table = new ProducerStateTable();
    // Seven batches of 10 records at offsets 100, 110, ... (another producer's batches in between would not matter).
    for (let i = 0; i < 7; i++)
      t.same(append(table, batch(i * 10), 100 + i * 10), { kind: 'append' }, `batch ${String(i)}`);
    for (let i = 2; i < 7; i++) {
      t.same(
        table.check(batch(i * 10)),
        { kind: 'duplicate', baseOffset: 100 + i * 10, lastOffset: 109 + i * 10 },
        `batch ${String(i)} (one of the last ${String(PRODUCER_BATCHES_KEPT)}) is a duplicate`,
      );
    }
    // Older than the last 5: no longer recognised, and not next in sequence either.
    t.equal(
      errorCode(() => table.check(batch(10))),
      'OUT_OF_ORDER_SEQUENCE',
      'the 6th last batch is out of order',
    );
    t.same(table.check(batch(70)), { kind: 'append' }, 'the next sequence is still welcome');
    t.end();
  },
);

void t.test('a repeat must match the whole sequence range of a batch', (t) => {
  const table = new ProducerStateTable();
  append(table, batch(0, 10), 0);
  t.equal(
    errorCode(() => table.check(batch(0, 5))),
    'OUT_OF_ORDER_SEQUENCE',
    'same start, other count',
  );
  t.equal(
    errorCode(() => table.check(batch(5, 5))),
    'OUT_OF_ORDER_SEQUENCE',
    'inside the last batch',
  );
  t.end();
});

void t.test('a gap or a step back in the sequence is OUT_OF_ORDER_SEQUENCE and changes nothing', (t) => {
  const table = new ProducerStateTable();
  append(table, batch(0, 10), 0);
  append(table, batch(10, 10), 10);
  t.equal(
    errorCode(() => table.check(batch(30))),
    'OUT_OF_ORDER_SEQUENCE',
    'gap: batch 20..29 missing',
  );
  t.equal(
    errorCode(() => table.check(batch(21))),
    'OUT_OF_ORDER_SEQUENCE',
    'gap of one',
  );
  t.equal(
    errorCode(() => table.check(batch(15))),
    'OUT_OF_ORDER_SEQUENCE',
    'overlaps the last batch',
  );
  t.same(table.check(batch(20)), { kind: 'append' }, 'the expected sequence still goes through');
  t.end();
});

void t.test('epochs: an older one is fenced, a newer one must start at sequence 0 and replaces the state', (t) => {
  const table = new ProducerStateTable();
  append(table, batch(0, 10, 3), 0);
  append(table, batch(10, 10, 3), 10);
  t.equal(
    errorCode(() => table.check(batch(20, 10, 2))),
    'INVALID_PRODUCER_EPOCH',
    'next sequence, older epoch',
  );
  t.equal(
    errorCode(() => table.check(batch(0, 10, 2))),
    'INVALID_PRODUCER_EPOCH',
    'even a repeat of an old batch',
  );
  t.equal(
    errorCode(() => table.check(batch(20, 10, 4))),
    'OUT_OF_ORDER_SEQUENCE',
    'newer epoch not at 0',
  );
  t.same(append(table, batch(0, 5, 4), 20), { kind: 'append' }, 'newer epoch at 0');
  t.same(table.check(batch(0, 5, 4)), { kind: 'duplicate', baseOffset: 20, lastOffset: 24 });
  t.equal(
    errorCode(() => table.check(batch(10, 10, 3))),
    'INVALID_PRODUCER_EPOCH',
    'the old epoch is now fenced',
  );
  t.same(table.check(batch(5, 1, 4)), { kind: 'append' });
  t.end();
});

void t.test('producers are independent', (t) => {
  const table = new ProducerStateTable();
  append(table, batch(0, 10, 0, 1), 0);
  append(table, batch(0, 10, 0, 2), 10);
  t.same(table.check(batch(0, 10, 0, 1)), { kind: 'duplicate', baseOffset: 0, lastOffset: 9 });
  t.same(table.check(batch(0, 10, 0, 2)), { kind: 'duplicate', baseOffset: 10, lastOffset: 19 });
  t.same(table.check(batch(10, 10, 0, 1)), { kind: 'append' });
  t.end();
});

void t.test(
  'an unknown producer (new, forgotten, or retention removed it) must start at sequence 0, in any epoch',
  (t) => {
    const table = new ProducerStateTable();
    // Else a batch could overtake an earlier one that failed retriably and make the gap permanent.
    t.equal(
      errorCode(() => table.check(batch(10, 10, 0))),
      'OUT_OF_ORDER_SEQUENCE',
    );
    t.same(append(table, batch(0, 10, 7), 0), { kind: 'append' });
    t.same(table.check(batch(10, 1, 7)), { kind: 'append' });
    t.end();
  },
);

void t.test('sequences wrap from 2^31 - 1 to 0 like Kafka int32 sequences', (t) => {
  const table = new ProducerStateTable();
  const nearEnd = MAX_SEQUENCE - 4; // records MAX-4 .. MAX-4+9, wrapping to 0..4
  // An unknown producer starts at 0: state as if it had counted up to there.
  table.rebuild([{ ...batch(nearEnd - 10, 10), baseOffset: 0, lastOffset: 9 }]);
  t.same(append(table, batch(nearEnd, 10), 10), { kind: 'append' }, 'a batch that crosses the wrap');
  t.same(table.check(batch(nearEnd, 10)), { kind: 'duplicate', baseOffset: 10, lastOffset: 19 }, 'and its repeat');
  t.equal(
    errorCode(() => table.check(batch(0))),
    'OUT_OF_ORDER_SEQUENCE',
    '0 was used by the wrapping batch',
  );
  t.same(append(table, batch(5), 20), { kind: 'append' }, 'after the wrap: 5');

  const exact = new ProducerStateTable();
  exact.rebuild([{ ...batch(MAX_SEQUENCE - 9, 10), baseOffset: 0, lastOffset: 9 }]); // ends exactly at MAX_SEQUENCE
  t.same(exact.check(batch(0)), { kind: 'append' }, 'the sequence after 2^31 - 1 is 0');
  t.equal(
    errorCode(() => exact.check(batch(MAX_SEQUENCE + 1 - 0))),
    'OUT_OF_ORDER_SEQUENCE',
  );
  t.end();
});

void t.test('rebuild from log rows gives the same answers as live appends', (t) => {
  const rows: ProducerBatchRow[] = [];
  let offset = 0;
  const push = (producerId: number, producerEpoch: number, baseSequence: number, count: number): void => {
    rows.push({ producerId, producerEpoch, baseSequence, count, baseOffset: offset, lastOffset: offset + count - 1 });
    offset += count;
  };
  for (let i = 0; i < 8; i++) {
    push(1, 0, i * 3, 3);
    if (i % 2 === 0) push(2, 5, i, 2); // producer 2: sequences 0, 2, 4, 6
  }
  push(3, 0, 0, 1);
  push(3, 1, 0, 4); // producer 3 restarted its numbering under epoch 1

  const live = new ProducerStateTable();
  for (const row of rows) append(live, row, row.baseOffset);
  const rebuilt = new ProducerStateTable();
  rebuilt.record(batch(0, 1, 0, 99), 1000, 1000); // state from before is dropped
  rebuilt.rebuild(rows);

  t.equal(rebuilt.size, 3);
  const probes: ProducerFields[] = [
    ...rows,
    batch(24, 3, 0, 1),
    batch(12, 3, 0, 1),
    batch(8, 2, 5, 2),
    batch(6, 2, 5, 2),
    batch(0, 2, 5, 2),
    batch(1, 1, 0, 3),
    batch(4, 1, 1, 3),
    batch(0, 1, 0, 99),
  ];
  for (const probe of probes) {
    const expect = (table: ProducerStateTable): unknown => {
      try {
        return table.check(probe);
      } catch (err) {
        return err instanceof BrookError ? err.code : err;
      }
    };
    t.same(expect(rebuilt), expect(live), `same answer for ${JSON.stringify(probe)}`);
  }
  t.same(rebuilt.check(rows[rows.length - 1] ?? batch(0)), {
    kind: 'duplicate',
    baseOffset: offset - 4,
    lastOffset: offset - 1,
  });
  t.same(rebuilt.check(batch(0, 1, 0, 99)), { kind: 'append' }, 'a producer only in the old state is unknown');
  t.end();
});

void t.test('truncateFrom forgets batches at or after an offset (failed commit, Raft suffix cut)', (t) => {
  const table = new ProducerStateTable();
  append(table, batch(0, 10, 0, 1), 0);
  append(table, batch(10, 10, 0, 1), 10);
  append(table, batch(0, 10, 0, 2), 20);
  append(table, batch(20, 10, 0, 1), 30);
  table.truncateFrom(20);
  t.same(table.check(batch(20, 10, 0, 1)), { kind: 'append' }, 'producer 1 expects its cut batch again');
  t.same(table.check(batch(10, 10, 0, 1)), { kind: 'duplicate', baseOffset: 10, lastOffset: 19 }, 'earlier ones kept');
  t.equal(table.size, 1, 'producer 2 had nothing left: forgotten');
  t.equal(
    errorCode(() => table.check(batch(10, 1, 0, 2))),
    'OUT_OF_ORDER_SEQUENCE',
    'unknown again: from 0 only',
  );
  table.truncateFrom(0);
  t.equal(table.size, 0);
  t.end();
});

void t.test('beyond maxProducers the least recently appending producer is forgotten', (t) => {
  t.equal(DEFAULT_MAX_PRODUCERS, 10_000);
  t.throws(() => new ProducerStateTable({ maxProducers: 0 }), RangeError);
  const table = new ProducerStateTable({ maxProducers: 3 });
  let offset = 0;
  const appendOne = (id: number, seq: number): void => {
    append(table, batch(seq, 1, 0, id), offset);
    offset++;
  };
  appendOne(1, 0);
  appendOne(2, 0);
  appendOne(3, 0);
  appendOne(1, 1); // 1 is now the most recent; 2 the least
  appendOne(4, 0);
  t.equal(table.size, 3);
  t.equal(
    errorCode(() => table.check(batch(1, 1, 0, 2))),
    'OUT_OF_ORDER_SEQUENCE',
    'producer 2 was forgotten',
  );
  t.same(table.check(batch(2, 1, 0, 1)), { kind: 'append' }, 'producer 1 is remembered (expects 2)');
  t.same(table.check(batch(1, 1, 0, 3)), { kind: 'append' }, 'producer 3 is remembered (expects 1)');
  t.same(table.check(batch(0, 1, 0, 4)), { kind: 'duplicate', baseOffset: 4, lastOffset: 4 }, 'producer 4 too');
  t.end();
});
