import t from 'tap';
import { encodeBatchEntry } from '../../../broker/log/batch-entry.js';
import { CONTROL_BATCH, CONTROL_CONFIG } from '../../../broker/log/control.js';
import { RaftLogStorage } from '../../../broker/log/raft-log-storage.js';
import { decodeRecordBatch } from '../../../protocol/index.js';
import { makeBatch, tempDir } from './log-fixtures.js';
import { configEntry, dataEntry, noopEntry, openLog, openStorage, plain } from './raft-fixtures.js';

void t.test('persist returns where each entry landed; control entries take one offset', (t) => {
  const { log, storage } = openStorage(t, tempDir(t));
  const ranges = storage.persist(
    null,
    [noopEntry(1, 1), dataEntry(2, 1, 5), configEntry(3, 1, [1, 2, 3, 4]), dataEntry(4, 1, 2)],
    null,
  );
  t.same(ranges, [
    { index: 1, baseOffset: 0, lastOffset: 0 },
    { index: 2, baseOffset: 1, lastOffset: 5 },
    { index: 3, baseOffset: 6, lastOffset: 6 },
    { index: 4, baseOffset: 7, lastOffset: 8 },
  ]);
  t.same(
    [0, 1, 2, 3, 4].map((i) => storage.endOffsetOfIndex(i)),
    [0, 1, 6, 7, 9],
  );
  t.throws(() => storage.endOffsetOfIndex(5), RangeError);
  t.throws(() => storage.endOffsetOfIndex(-1), RangeError);

  // Consumers see the rows: control rows flagged, the data batch as the producer sent it.
  const read = log.read(0, 1_000_000, log.logEndOffset);
  t.same(
    read.map((b) => [b.baseOffset, b.count, b.attributes, b.term]),
    [
      [0, 1, CONTROL_BATCH, 1],
      [1, 5, 0, 1],
      [6, 1, CONTROL_BATCH | CONTROL_CONFIG, 1],
      [7, 2, 0, 1],
    ],
  );
  t.same(
    decodeRecordBatch(read[0]?.bytes ?? new Uint8Array()).map((r) => r.value?.byteLength),
    [0],
    'a noop row is a control batch of one record holding the (empty) entry data',
  );
  const stored = { index: 2, term: 1, type: 'normal' as const, data: encodeBatchEntry(read[1] ?? makeBatch(1, 1)) };
  t.same(plain([stored]), plain([dataEntry(2, 1, 5)]), 'the data batch as proposed, but for its placement');
  t.equal(log.lastIndex, 4);
  t.end();
});

void t.test(
  'everything persisted survives a reopen, and entries read back from SQLite are byte-identical',
  async (t) => {
    const dir = tempDir(t);
    const entries = [noopEntry(1, 1), dataEntry(2, 1, 3, 500), configEntry(3, 2, [1, 2, 3, 4]), dataEntry(4, 2)];
    const first = openStorage(t, dir);
    first.storage.persist(null, entries, { term: 2, vote: 3, commit: 2 });
    await first.log.close();

    const log = openLog(t, dir);
    // The bootstrap voters were recorded on first use: those given on reopen are ignored.
    const storage = new RaftLogStorage(log, [7, 8, 9]);
    t.same(storage.initialState(), {
      hardState: { term: 2, vote: 3, commit: 2 },
      config: { voters: [1, 2, 3, 4] },
      configIndex: 3,
      previousConfig: { voters: [1, 2, 3] },
    });
    t.equal(storage.lastIndex(), 4);
    t.equal(storage.term(4), 2);
    t.equal(storage.term(2), 1, 'an older term comes from SQLite');
    t.same(plain(storage.entries(1, 5, Infinity)), plain(entries));
    t.same(storage.snapshot(), { index: 0, term: 0, config: { voters: [1, 2, 3] }, logOffset: 0 });
    t.equal(storage.endOffsetOfIndex(2), 4);

    storage.persist(null, [dataEntry(5, 3)], null);
    t.same(plain(storage.entries(4, 6, Infinity)), plain([entries[3], dataEntry(5, 3)].filter((e) => e !== undefined)));
  },
);

void t.test('a conflicting suffix is truncated in the same write; offsets continue from the kept prefix', async (t) => {
  const dir = tempDir(t);
  const { log, storage } = openStorage(t, dir);
  storage.persist(
    null,
    [dataEntry(1, 1, 2), dataEntry(2, 1, 3), configEntry(3, 1, [1, 2, 3, 4]), dataEntry(4, 1)],
    null,
  );
  t.same(storage.persist(null, [dataEntry(3, 2, 4)], { term: 2, vote: 2, commit: 1 }), [
    { index: 3, baseOffset: 5, lastOffset: 8 },
  ]);
  t.equal(storage.lastIndex(), 3);
  t.equal(log.logEndOffset, 9);
  t.equal(log.sizeBytes, 360);
  t.match(storage.initialState(), { config: { voters: [1, 2, 3] }, configIndex: 0 });
  // Truncating everything: the new first entry starts at the log start.
  t.same(storage.persist(null, [dataEntry(1, 3)], null), [{ index: 1, baseOffset: 0, lastOffset: 0 }]);
  t.equal(storage.lastIndex(), 1);
  await log.close();
  const reopened = openStorage(t, dir);
  t.equal(reopened.storage.lastIndex(), 1);
  t.equal(reopened.storage.term(1), 3);
  t.equal(reopened.log.logEndOffset, 1);
  t.same(reopened.storage.initialState().hardState, { term: 2, vote: 2, commit: 1 });
});

void t.test('a snapshot resets the log: offsets continue from its logOffset, and it survives a reopen', async (t) => {
  const dir = tempDir(t);
  const { log, storage } = openStorage(t, dir);
  storage.persist(null, [dataEntry(1, 1, 10), dataEntry(2, 1)], null);
  const snapshot = { index: 20, term: 4, config: { voters: [2, 3, 4] }, logOffset: 500 };
  t.same(storage.persist(snapshot, [dataEntry(21, 4, 3)], null), [{ index: 21, baseOffset: 500, lastOffset: 502 }]);
  t.equal(log.logStartOffset, 500);
  t.equal(log.sizeBytes, 120);
  t.throws(() => log.read(499, 100, 600), { name: 'LogError', kind: 'OFFSET_OUT_OF_RANGE' });
  t.equal(storage.endOffsetOfIndex(20), 500);
  t.equal(storage.endOffsetOfIndex(21), 503);
  t.throws(() => storage.persist({ ...snapshot, index: 20 }, [], null), { name: 'LogError', kind: 'INVALID_ARGUMENT' });
  await log.close();

  const reopened = openStorage(t, dir);
  t.same(reopened.storage.snapshot(), snapshot);
  t.equal(reopened.storage.firstIndex(), 21);
  t.equal(reopened.storage.term(20), 4);
  t.same(reopened.storage.initialState().config, { voters: [2, 3, 4] });
  t.same(reopened.storage.persist(null, [noopEntry(22, 5)], null), [{ index: 22, baseOffset: 503, lastOffset: 503 }]);
});

void t.test('retention moves the first index; the compaction point term and config stay known', async (t) => {
  const dir = tempDir(t);
  const { log, storage } = openStorage(t, dir, [1, 2, 3], { log: { retentionBytes: 0 } });
  storage.persist(
    null,
    [dataEntry(1, 1, 2), configEntry(2, 1, [1, 2, 3, 4]), dataEntry(3, 2, 3), dataEntry(4, 2), dataEntry(5, 2)],
    null,
  );
  // Offsets: 1 -> [0, 1], 2 -> [2], 3 -> [3, 5], 4 -> [6], 5 -> [7]. Retention up to offset 6 keeps 4 and 5.
  t.equal(log.applyRetention(0, 6), 3);
  t.equal(storage.firstIndex(), 4);
  t.equal(storage.term(3), 2);
  t.equal(storage.term(2), undefined);
  t.same(storage.snapshot(), { index: 3, term: 2, config: { voters: [1, 2, 3, 4] }, logOffset: 6 });
  t.match(storage.initialState(), { config: { voters: [1, 2, 3, 4] }, configIndex: 3 });
  t.same(
    storage.entries(4, 6, Infinity).map((e) => e.index),
    [4, 5],
  );
  await log.close();
  const reopened = openStorage(t, dir);
  t.same(reopened.storage.snapshot(), { index: 3, term: 2, config: { voters: [1, 2, 3, 4] }, logOffset: 6 });
  t.equal(reopened.storage.lastIndex(), 5);
});

void t.test('a failed persist writes nothing, hard state included', (t) => {
  const { log, storage } = openStorage(t, tempDir(t));
  storage.persist(null, [dataEntry(1, 1)], { term: 1, vote: 1, commit: 0 });
  const corrupt = dataEntry(3, 2);
  const bytes = Uint8Array.from(corrupt.data);
  bytes[bytes.byteLength - 1] = (bytes[bytes.byteLength - 1] ?? 0) ^ 0xff;
  t.throws(
    () => storage.persist(null, [dataEntry(2, 2), { ...corrupt, data: bytes }], { term: 2, vote: 2, commit: 1 }),
    { name: 'LogError', kind: 'CORRUPT_BATCH' },
  );
  const control = { ...dataEntry(2, 2), data: encodeBatchEntry(makeBatch(1, 5)) };
  const controlData = Uint8Array.from(control.data);
  controlData[22] = CONTROL_BATCH; // the low byte of the attributes
  t.throws(() => storage.persist(null, [{ ...control, data: controlData }], null), {
    name: 'LogError',
    kind: 'INVALID_ARGUMENT',
  });
  t.throws(
    () => storage.persist(null, [dataEntry(3, 2)], null),
    { name: 'LogError', kind: 'INVALID_ARGUMENT' },
    'a gap',
  );
  t.throws(() => storage.persist(null, [dataEntry(2, 2), dataEntry(4, 2)], null), {
    name: 'LogError',
    kind: 'INVALID_ARGUMENT',
  });
  t.throws(
    () => storage.persist(null, [dataEntry(2, 0)], null),
    { name: 'LogError', kind: 'INVALID_ARGUMENT' },
    'a term going back',
  );
  t.equal(storage.lastIndex(), 1);
  t.equal(log.logEndOffset, 1);
  t.same(storage.initialState().hardState, { term: 1, vote: 1, commit: 0 });
  t.same(storage.persist(null, [dataEntry(2, 2)], null), [{ index: 2, baseOffset: 1, lastOffset: 1 }]);
  t.end();
});

void t.test('entries mixes SQLite and the cache, and the cache follows rewrites made behind its back', (t) => {
  const { log, storage } = openStorage(t, tempDir(t), [1], { storage: { entryCacheBytes: 200, entryCacheEntries: 3 } });
  const entries = [1, 2, 3, 4, 5, 6].map((i) => dataEntry(i, 1, 1, 40));
  storage.persist(null, entries, null);
  // 99 bytes per entry: two held whole, three with term and offsets, the rest only in SQLite.
  t.same(plain(storage.entries(1, 7, Infinity)), plain(entries));
  t.same(plain(storage.entries(4, 7, 200)), plain(entries.slice(3, 5)));
  t.same(
    [1, 3, 4, 6].map((i) => storage.term(i)),
    [1, 1, 1, 1],
  );

  log.truncateFrom(4);
  t.equal(storage.lastIndex(), 4);
  t.equal(storage.term(5), undefined);
  t.same(plain(storage.entries(4, 5, Infinity)), plain([entries[3]].filter((e) => e !== undefined)));
  const later = [dataEntry(5, 2), dataEntry(6, 2)];
  storage.persist(null, later, null);
  t.same(plain(storage.entries(1, 7, Infinity)), plain([...entries.slice(0, 4), ...later]));
  t.equal(storage.endOffsetOfIndex(6), 6);
  t.end();
});

void t.test('a joining replica with no voters learns its membership from a snapshot or config entry', async (t) => {
  const dir = tempDir(t);
  const { log, storage } = openStorage(t, dir, []);
  t.same(storage.initialState().config, { voters: [] });
  storage.persist(null, [configEntry(1, 1, [1, 4])], null);
  t.same(storage.initialState().config, { voters: [1, 4] });
  await log.close();
  const reopened = openStorage(t, dir, [1, 2, 3]);
  t.same(reopened.storage.snapshot().config, { voters: [] }, 'the recorded empty membership stays');
  t.same(reopened.storage.initialState().config, { voters: [1, 4] });
});
