import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { LogManager, logName, type LogManagerOptions } from '../../../broker/log/log-manager.js';
import { makeBatch, tempDir, TEST_OPTIONS } from './log-fixtures.js';

function makeManager(t: Test, options: Partial<LogManagerOptions> = {}): { manager: LogManager; dataDir: string } {
  const dataDir = tempDir(t);
  const manager = new LogManager({ dataDir, flush: 'never', ...options });
  t.teardown(() => manager.closeAll());
  return { manager, dataDir };
}

const shardFiles = (dataDir: string): string[] =>
  fs
    .readdirSync(dataDir)
    .filter((f) => f.endsWith('.db'))
    .sort();

void t.test('open creates the log in a shard and returns the same log until closed', async (t) => {
  const { manager, dataDir } = makeManager(t);
  const log = manager.open('orders.v1', 3, TEST_OPTIONS);
  t.same(shardFiles(dataDir), ['shard-0.db'], 'one shard by default');
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
  t.same(manager.storedNames().sort(), ['orders.v1-3', 'orders.v1-4']);

  await log.close();
  t.equal(manager.get('orders.v1', 3), undefined, 'a log closed directly is forgotten');
  const reopened = manager.open('orders.v1', 3, TEST_OPTIONS);
  t.not(reopened, log);
});

void t.test('names that are not safe log names are refused', (t) => {
  const { manager } = makeManager(t);
  t.throws(() => manager.open('../etc', 0, TEST_OPTIONS), { name: 'LogError', kind: 'INVALID_ARGUMENT' });
  t.throws(() => manager.open('a/b', 0, TEST_OPTIONS), { name: 'LogError', kind: 'INVALID_ARGUMENT' });
  t.throws(() => manager.open('', 0, TEST_OPTIONS), { name: 'LogError', kind: 'INVALID_ARGUMENT' });
  t.throws(() => manager.open('ok', -1, TEST_OPTIONS), { name: 'LogError', kind: 'INVALID_ARGUMENT' });
  t.throws(() => manager.open('ok', 0.5, TEST_OPTIONS), { name: 'LogError', kind: 'INVALID_ARGUMENT' });
  t.equal(logName('a_b-c.d', 12), 'a_b-c.d-12');
  t.end();
});

void t.test('drop closes the log and deletes it; discard deletes a log that is not open', async (t) => {
  const { manager, dataDir } = makeManager(t);
  const log = manager.open('t', 0, TEST_OPTIONS);
  await log.append(makeBatch(1, 10), 1);
  await manager.drop('t', 0);
  t.equal(log.isClosed, true);
  t.equal(manager.get('t', 0), undefined);
  t.same(manager.storedNames(), []);
  t.equal(manager.open('t', 0, TEST_OPTIONS).logEndOffset, 0, 'a new log of the same name starts empty');

  const other = manager.open('t', 1, TEST_OPTIONS);
  await other.append(makeBatch(1, 10), 1);
  t.throws(
    () => {
      manager.discard('t', 1);
    },
    { kind: 'INVALID_ARGUMENT', message: /is open/ },
  );
  await other.close();
  manager.discard('t', 1);
  t.notOk(manager.has('t', 1), 'discarded');
  await manager.drop('t', 2);
  t.notOk(manager.has('t', 2), 'dropping a partition that does not exist is fine');
  t.same(shardFiles(dataDir), ['shard-0.db'], 'the shard stays');
});

void t.test('logs spread over the shards by a stable hash and stay where they are', async (t) => {
  const { manager, dataDir } = makeManager(t, { shards: 4 });
  for (let p = 0; p < 40; p++) await manager.open('spread', p, TEST_OPTIONS).append(makeBatch(1, 10), 1);
  t.same(shardFiles(dataDir), ['shard-0.db', 'shard-1.db', 'shard-2.db', 'shard-3.db']);
  await manager.closeAll();
  // Fewer shards on the next start: the four files stay in use, and every log is found where it was.
  const again = new LogManager({ dataDir, flush: 'never', shards: 2 });
  t.teardown(() => again.closeAll());
  t.equal(again.shardCount, 4, 'shards already on disk stay open');
  t.equal(again.storedNames().length, 40);
  for (let p = 0; p < 40; p++) t.equal(again.open('spread', p, TEST_OPTIONS).logEndOffset, 1, `spread-${String(p)}`);
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
  t.equal(a.committedEndOffset, 2, 'sync does not wait for queued appends (the flush timer never holds the thread)');
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
  const again = new LogManager({ dataDir, flush: 'never' });
  t.teardown(() => again.closeAll());
  t.same(
    [0, 1, 2].map((p) => again.open('t', p, TEST_OPTIONS).logEndOffset),
    [2, 2, 2],
  );
});

void t.test('a second manager on the same data directory fails instead of sharing the shards', (t) => {
  const { dataDir } = makeManager(t);
  t.throws(() => new LogManager({ dataDir, flush: 'never' }), { name: 'LogError', kind: 'STORAGE_ERROR' });
  t.ok(fs.existsSync(path.join(dataDir, 'shard-0.db')));
  t.end();
});
