import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { LogManager, partitionDir, type LogManagerOptions } from '../../../broker/log/log-manager.js';
import { makeBatch, tempDir, TEST_OPTIONS } from './log-fixtures.js';

function makeManager(t: Test, options: Partial<LogManagerOptions> = {}): { manager: LogManager; dataDir: string } {
  const dataDir = tempDir(t);
  const manager = new LogManager({ dataDir, ...options });
  t.teardown(() => manager.closeAll());
  return { manager, dataDir };
}

void t.test('open creates <dataDir>/<topic>-<partition>/log.db and returns the same log until closed', async (t) => {
  const { manager, dataDir } = makeManager(t);
  const log = manager.open('orders.v1', 3, TEST_OPTIONS);
  t.ok(fs.existsSync(path.join(dataDir, 'orders.v1-3', 'log.db')));
  t.equal(manager.open('orders.v1', 3, TEST_OPTIONS), log);
  t.equal(manager.get('orders.v1', 3), log);
  t.equal(manager.get('orders.v1', 4), undefined);
  manager.open('orders.v1', 4, TEST_OPTIONS);
  t.same(
    manager
      .list()
      .map((e) => `${e.topic}/${String(e.partition)}`)
      .sort(),
    ['orders.v1/3', 'orders.v1/4'],
  );

  await log.close();
  t.equal(manager.get('orders.v1', 3), undefined, 'a log closed directly is forgotten');
  const reopened = manager.open('orders.v1', 3, TEST_OPTIONS);
  t.not(reopened, log);
});

void t.test('names that are not safe directory names are refused', (t) => {
  const { manager } = makeManager(t);
  t.throws(() => manager.open('../etc', 0, TEST_OPTIONS), { name: 'LogError', kind: 'INVALID_ARGUMENT' });
  t.throws(() => manager.open('a/b', 0, TEST_OPTIONS), { name: 'LogError', kind: 'INVALID_ARGUMENT' });
  t.throws(() => manager.open('', 0, TEST_OPTIONS), { name: 'LogError', kind: 'INVALID_ARGUMENT' });
  t.throws(() => manager.open('ok', -1, TEST_OPTIONS), { name: 'LogError', kind: 'INVALID_ARGUMENT' });
  t.throws(() => manager.open('ok', 0.5, TEST_OPTIONS), { name: 'LogError', kind: 'INVALID_ARGUMENT' });
  t.equal(partitionDir('/data', 'a_b-c.d', 12), path.join('/data', 'a_b-c.d-12'));
  t.end();
});

void t.test('drop closes the log and deletes its directory', async (t) => {
  const { manager, dataDir } = makeManager(t);
  const log = manager.open('t', 0, TEST_OPTIONS);
  await log.append(makeBatch(1, 10), 1);
  await manager.drop('t', 0);
  t.equal(log.isClosed, true);
  t.equal(manager.get('t', 0), undefined);
  t.notOk(fs.existsSync(path.join(dataDir, 't-0')));

  fs.mkdirSync(path.join(dataDir, 't-1'));
  await manager.drop('t', 1);
  t.notOk(fs.existsSync(path.join(dataDir, 't-1')), 'a partition that is not open is deleted too');
  await manager.drop('t', 2);
  t.pass('dropping a partition that does not exist is fine');
});

void t.test('syncAll and retentionPass run over every log', async (t) => {
  const { manager } = makeManager(t);
  const options = { ...TEST_OPTIONS, retentionBytes: 0 };
  const a = manager.open('a', 0, options);
  const b = manager.open('b', 0, options);
  await Promise.all([a.append(makeBatch(1, 10), 1), a.append(makeBatch(1, 10), 1)]);
  await Promise.all([b.append(makeBatch(1, 10), 1), b.append(makeBatch(1, 10), 1)]);
  const queued = a.append(makeBatch(1, 10), 1);
  t.same(manager.syncAll(), []);
  t.equal(a.committedEndOffset, 3, 'sync commits queued appends');
  await queued;

  const result = manager.retentionPass(0, (topic) => (topic === 'a' ? 1 : undefined));
  t.same(result, { deletedBatches: 3, failures: [] });
  t.equal(a.logStartOffset, 1, 'the bound keeps batches at or past it');
  t.equal(b.logStartOffset, 2);
});

void t.test('closeAll closes every log; the data is there on the next open', async (t) => {
  const { manager, dataDir } = makeManager(t);
  const logs = [0, 1, 2].map((p) => manager.open('t', p, TEST_OPTIONS));
  for (const log of logs) void log.append(makeBatch(2, 10), 1);
  await manager.closeAll();
  t.ok(logs.every((log) => log.isClosed));
  t.same(manager.list(), []);
  const again = new LogManager({ dataDir });
  t.teardown(() => again.closeAll());
  t.same(
    [0, 1, 2].map((p) => again.open('t', p, TEST_OPTIONS).logEndOffset),
    [2, 2, 2],
  );
});

void t.test('at most maxOpenHandles databases stay open; evicted logs reopen on use', async (t) => {
  const { manager } = makeManager(t, { maxOpenHandles: 2 });
  const logs = [0, 1, 2, 3, 4].map((p) => manager.open('t', p, TEST_OPTIONS));
  t.equal(manager.openHandleCount, 2);
  t.same(
    logs.map((log) => log.hasOpenHandle),
    [false, false, false, true, true],
  );
  for (const [p, log] of logs.entries()) await log.append(makeBatch(p + 1, 10), 1);
  t.equal(manager.openHandleCount, 2);
  t.same(
    logs.map((log) => log.read(0, 1000, 100)[0]?.count),
    [1, 2, 3, 4, 5],
    'every log reads its own data after reopening',
  );
  t.same(
    logs.map((log) => log.hasOpenHandle),
    [false, false, false, true, true],
    'the two most recently used are open',
  );

  // A log with queued appends keeps its handle even when it is the least recently used.
  const first = logs[0];
  const second = logs[1];
  if (first === undefined || second === undefined) throw new Error('missing logs');
  first.read(0, 100, 100);
  const queued = first.append(makeBatch(1, 10), 1);
  t.equal(first.hasOpenHandle, true);
  second.read(0, 100, 100);
  logs[2]?.read(0, 100, 100);
  t.equal(first.hasOpenHandle, true, 'not evicted while an append is queued');
  t.same(await queued, { baseOffset: 1, lastOffset: 1 });
});
