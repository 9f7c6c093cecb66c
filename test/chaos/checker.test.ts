/** The chaos checker on hand-made histories: a clean run passes, and each kind of damage is found and named. */
import t from 'tap';
import {
  checkHistory,
  formatReport,
  violationCount,
  writeValue,
  type CheckInput,
  type ReadBatch,
  type ReadRecord,
  type ReplicaRead,
  type SentWrite,
} from './checker.js';

/** Producers a and b write seqs 0..3 each, alternating, all to partition 0, all acknowledged at offsets 0..7. */
function cleanHistory(): { writes: SentWrite[]; records: ReadRecord[] } {
  const writes: SentWrite[] = [];
  const records: ReadRecord[] = [];
  for (let seq = 0; seq < 4; seq++) {
    for (const producer of ['a', 'b']) {
      const offset = records.length;
      writes.push({ producer, seq, partition: 0, ackedOffset: offset });
      records.push({ offset, value: writeValue(producer, seq) });
    }
  }
  return { writes, records };
}

function batchesOf(records: readonly ReadRecord[]): ReadBatch[] {
  return records.map((r) => ({ baseOffset: r.offset, lastOffset: r.offset, crc: r.value.length * 7 + r.offset }));
}

function replicas(records: readonly ReadRecord[], count = 3): ReplicaRead[] {
  return Array.from({ length: count }, (_, i) => ({
    replica: `broker ${String(i + 1)}`,
    partition: 0,
    records,
    batches: batchesOf(records),
  }));
}

function input(writes: SentWrite[], reads: ReplicaRead[], committedEnd = [8]): CheckInput {
  return { writes, reads, committedEnd };
}

void t.test('a clean history has no violations', (t) => {
  const { writes, records } = cleanHistory();
  const result = checkHistory(input(writes, replicas(records)));
  t.equal(violationCount(result), 0, 'no violations', { report: formatReport(result) });
  t.same(result.counts, { writes: 8, acknowledged: 8, copies: 3, recordsRead: 24 });
  t.match(formatReport(result), /lost acknowledged writes: 0/);
  t.end();
});

void t.test('unacknowledged writes may be missing; an uncommitted tail is ignored', (t) => {
  const { writes, records } = cleanHistory();
  // b-3 was never acknowledged and is not in the log; a tail above the committed end holds garbage.
  const unacked = writes.map((w) => (w.producer === 'b' && w.seq === 3 ? { ...w, ackedOffset: undefined } : w));
  const kept = records.filter((r) => r.value !== 'b-3');
  const withTail = [...kept, { offset: 8, value: 'junk' }, { offset: 9, value: 'a-0' }];
  const result = checkHistory(input(unacked, replicas(withTail)));
  t.equal(violationCount(result), 0, 'no violations', { report: formatReport(result) });
  t.end();
});

void t.test('a lost acknowledged write is reported per copy', (t) => {
  const { writes, records } = cleanHistory();
  const reads = replicas(records);
  const damaged = records.filter((r) => r.value !== 'a-1');
  reads[2] = { replica: 'broker 3', partition: 0, records: damaged };
  const result = checkHistory(input(writes, reads));
  t.same(result.lost, [{ value: 'a-1', partition: 0, ackedOffset: 2, replica: 'broker 3' }]);
  t.equal(result.divergences.length, 1, 'and broker 3 diverges from broker 1');
  t.match(result.divergences[0], { replica: 'broker 3', reference: 'broker 1', offset: 2, found: '(missing)' });
  t.end();
});

void t.test('an acknowledged offset at or above the committed end is lost', (t) => {
  const { writes, records } = cleanHistory();
  const result = checkHistory(input(writes, replicas(records, 1), [7]));
  t.same(
    result.lost.map((l) => l.value),
    ['b-3'],
  );
  t.end();
});

void t.test('an acknowledgement that names another offset than the log holds', (t) => {
  const { writes, records } = cleanHistory();
  const lying = writes.map((w) => (w.producer === 'a' && w.seq === 0 ? { ...w, ackedOffset: 5 } : w));
  const result = checkHistory(input(lying, replicas(records, 1)));
  t.same(result.moved, [{ value: 'a-0', partition: 0, ackedOffset: 5, foundOffset: 0, replica: 'broker 1' }]);
  t.end();
});

void t.test('duplicates within a partition and across partitions', (t) => {
  const { writes, records } = cleanHistory();
  const doubled = [...records, { offset: 8, value: 'b-1' }];
  const result = checkHistory({
    writes,
    reads: [
      { replica: 'broker 1', partition: 0, records: doubled },
      { replica: 'broker 1', partition: 1, records: [{ offset: 0, value: 'a-2' }] },
    ],
    committedEnd: [9, 1],
  });
  t.same(result.duplicates.map((d) => [d.value, d.at]).sort(), [
    [
      'a-2',
      [
        { partition: 0, offset: 4 },
        { partition: 1, offset: 0 },
      ],
    ],
    [
      'b-1',
      [
        { partition: 0, offset: 3 },
        { partition: 0, offset: 8 },
      ],
    ],
  ]);
  t.same(
    result.unexpected.map((u) => [u.partition, u.value]),
    [[1, 'a-2']],
    'a value in a partition it was not sent to is unexpected too',
  );
  t.end();
});

void t.test('a hole in a producer sequence before a later write of it', (t) => {
  const { writes, records } = cleanHistory();
  // a-1 was never acknowledged (so it is not lost) but a-2, sent after it, is in the log: the broker skipped it.
  const unacked = writes.map((w) => (w.producer === 'a' && w.seq === 1 ? { ...w, ackedOffset: undefined } : w));
  const holed = records.filter((r) => r.value !== 'a-1');
  const result = checkHistory(input(unacked, [{ replica: 'broker 1', partition: 0, records: holed }]));
  t.same(result.gaps, [
    { producer: 'a', partition: 0, replica: 'broker 1', missingSeq: 1, missingAcked: false, laterSeq: 2 },
  ]);
  t.same(result.lost, [], 'not lost: it was never acknowledged');
  t.end();
});

void t.test('missing unacknowledged writes at the end of a sequence are no gap', (t) => {
  const { writes, records } = cleanHistory();
  const extra: SentWrite[] = [
    ...writes,
    { producer: 'a', seq: 4, partition: 0 },
    { producer: 'a', seq: 5, partition: 0 },
  ];
  const result = checkHistory(input(extra, replicas(records, 1)));
  t.equal(violationCount(result), 0, 'no violations', { report: formatReport(result) });
  t.end();
});

void t.test('seqs a producer sent to other partitions are no gap in this one', (t) => {
  const writes: SentWrite[] = [
    { producer: 'a', seq: 0, partition: 0, ackedOffset: 0 },
    { producer: 'a', seq: 1, partition: 1, ackedOffset: 0 },
    { producer: 'a', seq: 2, partition: 0, ackedOffset: 1 },
  ];
  const result = checkHistory({
    writes,
    reads: [
      {
        replica: 'b1',
        partition: 0,
        records: [
          { offset: 0, value: 'a-0' },
          { offset: 1, value: 'a-2' },
        ],
      },
      { replica: 'b1', partition: 1, records: [{ offset: 0, value: 'a-1' }] },
    ],
    committedEnd: [2, 1],
  });
  t.equal(violationCount(result), 0, 'no violations', { report: formatReport(result) });
  t.end();
});

void t.test('a producer whose writes are out of order within a partition', (t) => {
  const { writes, records } = cleanHistory();
  // a-1 and a-2 swap offsets: the acknowledgements name the swapped offsets, so only the order is wrong.
  const swapped = records.map((r) =>
    r.value === 'a-1' ? { ...r, value: 'a-2' } : r.value === 'a-2' ? { ...r, value: 'a-1' } : r,
  );
  const acks = writes.map((w) =>
    w.producer === 'a' && w.seq === 1
      ? { ...w, ackedOffset: 4 }
      : w.producer === 'a' && w.seq === 2
        ? { ...w, ackedOffset: 2 }
        : w,
  );
  const result = checkHistory(input(acks, replicas(swapped, 1)));
  t.same(result.reorderings, [
    { producer: 'a', partition: 0, replica: 'broker 1', previousSeq: 2, previousOffset: 2, seq: 1, offset: 4 },
  ]);
  t.equal(violationCount(result), 1, formatReport(result));
  t.end();
});

void t.test('replicas that disagree on the committed prefix diverge; beyond it they may differ', (t) => {
  const { writes, records } = cleanHistory();
  const other = records.map((r) =>
    r.offset === 6 ? { ...r, value: 'b-3' } : r.offset === 7 ? { ...r, value: 'a-3' } : r,
  );
  const tail = [...records, { offset: 8, value: 'x' }];
  const reads: ReplicaRead[] = [
    { replica: 'broker 1', partition: 0, records: tail },
    { replica: 'broker 2', partition: 0, records: other },
    { replica: 'broker 3', partition: 0, records: [...records, { offset: 8, value: 'y' }] },
  ];
  const result = checkHistory(input(writes, reads));
  t.same(result.divergences, [
    {
      partition: 0,
      replica: 'broker 2',
      reference: 'broker 1',
      kind: 'records',
      offset: 6,
      expected: 'a-3',
      found: 'b-3',
      differences: 2,
    },
  ]);
  t.end();
});

void t.test('stored rows that differ (a control batch, a CRC) diverge even when records agree', (t) => {
  const { writes, records } = cleanHistory();
  const reads = replicas(records);
  const rows = batchesOf(records);
  reads[1] = {
    ...reads[0],
    replica: 'broker 2',
    records,
    batches: rows.map((b) => (b.baseOffset === 3 ? { ...b, crc: 1 } : b)),
  } as ReplicaRead;
  const result = checkHistory(input(writes, reads));
  t.equal(result.divergences.length, 1);
  t.match(result.divergences[0], { replica: 'broker 2', kind: 'batches', offset: 3, differences: 1 });
  t.end();
});

void t.test('a copy whose prefix retention removed is compared from its log start', (t) => {
  const { writes, records } = cleanHistory();
  const trimmed = records.filter((r) => r.offset >= 4);
  const reads: ReplicaRead[] = [
    { replica: 'broker 1', partition: 0, records },
    { replica: 'broker 2', partition: 0, logStartOffset: 4, records: trimmed },
  ];
  const result = checkHistory(input(writes, reads));
  t.equal(violationCount(result), 0, 'no violations', { report: formatReport(result) });
  t.end();
});

void t.test('values nobody sent are reported', (t) => {
  const { writes, records } = cleanHistory();
  const result = checkHistory(input(writes, replicas([...records.slice(0, 7), { offset: 7, value: 'garbage' }], 1)));
  t.same(result.unexpected, [{ partition: 0, replica: 'broker 1', offset: 7, value: 'garbage' }]);
  t.same(
    result.lost.map((l) => l.value),
    ['b-3'],
  );
  t.end();
});

void t.test('the report lists counts and a bounded number of examples', (t) => {
  const writes: SentWrite[] = Array.from({ length: 20 }, (_, seq) => ({
    producer: 'p',
    seq,
    partition: 0,
    ackedOffset: seq,
  }));
  const result = checkHistory({ writes, reads: [{ replica: 'b1', partition: 0, records: [] }], committedEnd: [20] });
  const report = formatReport(result, 3);
  t.match(report, /lost acknowledged writes: 20/);
  t.match(report, /\.\.\. and 17 more/);
  t.equal(report.split('\n').filter((line) => line.includes('"value":"p-')).length, 3);
  t.end();
});
