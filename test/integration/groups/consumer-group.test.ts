/**
 * A consumer group against a real broker process: three consumer processes share a 12-partition topic while a
 * producer writes; a fourth joins mid-stream (a clean membership change), then one of the first three is killed
 * with SIGKILL (its session expires). Every record is processed at least once, in order per partition; only records
 * of the killed consumer are processed twice; partitions that no membership change moved keep flowing (their gaps
 * are measured); after clean shutdowns everything is committed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { Admin, Consumer, Producer } from '../../../client/index.js';
import { brookChildEnv, startBrokerProcess, typescriptLoaderArgs } from '../../helpers/broker-process.js';
import { waitFor } from '../../helpers/wait-for.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'consumer-child.ts');
const PARTITIONS = 12;
const HEARTBEAT_INTERVAL_MS = 1_000;
const SESSION_TIMEOUT_MS = 6_000;
/**
 * Longest pause allowed on a partition no membership change moved: one heartbeat interval, as the issue asks
 * (measured: 74 ms on a quiet machine, under 600 ms with the two cores shared by several test runs).
 */
const MAX_GAP_MS = HEARTBEAT_INTERVAL_MS;

interface Processed {
  readonly consumer: string;
  readonly partition: number;
  readonly offset: number;
  readonly atMs: number;
}

/** One consumer process and what it reported. */
class ChildConsumer {
  readonly owned = new Set<number>();
  readonly errors: string[] = [];
  closed = false;
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(
    t: Test,
    readonly name: string,
    bootstrap: string,
    groupId: string,
    sink: Processed[],
  ) {
    this.child = spawn(
      process.execPath,
      [...typescriptLoaderArgs(), CHILD, bootstrap, 'events', groupId, name, String(SESSION_TIMEOUT_MS)],
      { env: brookChildEnv(), stdio: ['pipe', 'pipe', 'inherit'] },
    );
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code) => {
        resolve(code);
      });
    });
    const stdout = this.child.stdout;
    if (stdout === null) throw new Error('no stdout');
    createInterface({ input: stdout }).on('line', (line) => {
      const event = JSON.parse(line) as { k: string; p?: number; o?: number; t?: number; ps?: number[]; m?: string };
      if (event.k === 'r') {
        sink.push({ consumer: name, partition: event.p ?? -1, offset: event.o ?? -1, atMs: event.t ?? 0 });
      } else if (event.k === 'a') for (const p of event.ps ?? []) this.owned.add(p);
      else if (event.k === 'v') for (const p of event.ps ?? []) this.owned.delete(p);
      else if (event.k === 'e') this.errors.push(event.m ?? '');
      else if (event.k === 'closed') this.closed = true;
    });
    t.teardown(() => {
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    });
  }

  /** Asks for a clean close (commit, leave) and waits for the process to exit. */
  async close(): Promise<number | null> {
    this.child.stdin?.write('close\n');
    return this.exited;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

void t.test('a consumer group survives a join and a SIGKILL without losing or reordering records', async (t) => {
  const broker = await startBrokerProcess(t, {
    args: ['--group-heartbeat-interval-ms', String(HEARTBEAT_INTERVAL_MS)],
  });
  const bootstrap = broker.bootstrap;
  const admin = new Admin({ bootstrap });
  const producer = new Producer<number>({ bootstrap, lingerMs: 5 });
  t.teardown(() => Promise.all([admin.close(), producer.close()]));
  await admin.createTopic('events', { partitions: PARTITIONS });
  const groupId = 'consumer-group-test';

  // A producer writing one record per partition every 20 ms until told to stop.
  const endOffset = new Array<number>(PARTITIONS).fill(0);
  const producer$ = { running: true };
  let sequence = 0;
  const produced = (async () => {
    while (producer$.running) {
      const round = Array.from({ length: PARTITIONS }, (_, partition) =>
        producer.send({ topic: 'events', partition, value: sequence++ }).then((meta) => {
          endOffset[partition] = Math.max(endOffset[partition] ?? 0, meta.offset + 1);
        }),
      );
      await Promise.all([...round, new Promise((resolve) => setTimeout(resolve, 20))]);
    }
  })();

  const processed: Processed[] = [];
  const since = (ms: number) => processed.filter((r) => r.atMs >= ms);
  const everyPartitionFlowsSince = (ms: number) => new Set(since(ms).map((r) => r.partition)).size === PARTITIONS;
  const [a, b, c] = ['a', 'b', 'c'].map((name) => new ChildConsumer(t, name, bootstrap, groupId, processed));
  if (a === undefined || b === undefined || c === undefined) throw new Error('unreachable');
  await waitFor(
    () => a.owned.size + b.owned.size + c.owned.size === PARTITIONS && [a, b, c].every((m) => m.owned.size === 4),
    {
      timeoutMs: 60_000,
      what: 'three members with 4 partitions each',
    },
  );
  const stableMs = Date.now();
  await waitFor(() => everyPartitionFlowsSince(stableMs) && since(stableMs).length > 200, {
    timeoutMs: 20_000,
    what: 'every partition flowing',
  });

  // A fourth member joins mid-stream.
  const d = new ChildConsumer(t, 'd', bootstrap, groupId, processed);
  await waitFor(() => d.owned.size > 0 && processed.some((r) => r.consumer === 'd'), {
    timeoutMs: 60_000,
    what: 'd reading',
  });
  const cOwned = [...c.owned];

  // One member dies without a word; its session expires and its partitions move.
  const killedMs = Date.now();
  c.kill();
  await waitFor(() => cOwned.every((p) => since(killedMs).some((r) => r.partition === p && r.consumer !== 'c')), {
    timeoutMs: SESSION_TIMEOUT_MS + 20_000,
    what: "c's partitions taken over",
  });
  const takenOverMs = Date.now();
  t.ok(takenOverMs - killedMs >= SESSION_TIMEOUT_MS / 2, 'taken over only once the session could have expired');
  await waitFor(() => everyPartitionFlowsSince(takenOverMs), { timeoutMs: 20_000, what: 'all partitions flowing' });

  producer$.running = false;
  await produced;
  const stoppedMs = Date.now();
  const expected = [...endOffset];
  const seen = (p: number, o: number) => processed.some((r) => r.partition === p && r.offset === o);
  await waitFor(() => expected.every((end, p) => end === 0 || seen(p, end - 1)), {
    timeoutMs: 20_000,
    what: 'every record processed',
  });
  t.same(await Promise.all([a.close(), b.close(), d.close()]), [0, 0, 0], 'clean exits');
  t.ok(
    [a, b, d].every((m) => m.closed && m.errors.length === 0),
    'closed cleanly, no errors',
  );

  // At least once, none skipped: every offset of every partition was processed.
  for (let p = 0; p < PARTITIONS; p++) {
    const offsets = new Set(processed.filter((r) => r.partition === p).map((r) => r.offset));
    const missing = Array.from({ length: expected[p] ?? 0 }, (_, o) => o).filter((o) => !offsets.has(o));
    t.same(missing, [], `partition ${String(p)}: nothing skipped of ${String(expected[p])}`);
  }
  // Per-partition order: each consumer saw each partition's offsets in increasing order.
  const last = new Map<string, number>();
  const disorder: Processed[] = [];
  for (const r of processed) {
    const key = `${r.consumer}/${String(r.partition)}`;
    if ((last.get(key) ?? -1) >= r.offset) disorder.push(r);
    last.set(key, r.offset);
  }
  t.same(disorder.slice(0, 5), [], 'offsets increase per consumer and partition');
  // Twice only what the killed consumer had processed and not committed; the clean join doubled nothing.
  const byRecord = new Map<string, string[]>();
  for (const r of processed) {
    const key = `${String(r.partition)}:${String(r.offset)}`;
    byRecord.set(key, [...(byRecord.get(key) ?? []), r.consumer]);
  }
  const twice = [...byRecord].filter(([, who]) => who.length > 1);
  t.same(
    twice.filter(([, who]) => !who.includes('c') || who.length > 2),
    [],
    'duplicates only of records the killed consumer processed',
  );
  t.comment(`${String(processed.length)} records processed, ${String(twice.length)} twice (after the SIGKILL)`);

  // Partitions no membership change touched kept flowing.
  const untouched: number[] = [];
  let worstGapMs = 0;
  for (let p = 0; p < PARTITIONS; p++) {
    const window = processed.filter((r) => r.partition === p && r.atMs >= stableMs && r.atMs <= stoppedMs);
    const owners = new Set(window.map((r) => r.consumer));
    if (owners.size !== 1 || owners.has('c')) continue;
    untouched.push(p);
    let lastMs = stableMs;
    for (const r of window) {
      worstGapMs = Math.max(worstGapMs, r.atMs - lastMs);
      lastMs = r.atMs;
    }
  }
  t.comment(`untouched partitions ${untouched.join(',')}: longest pause ${String(worstGapMs)} ms`);
  t.ok(untouched.length >= 3, 'some partitions were never moved');
  t.ok(worstGapMs < MAX_GAP_MS, `untouched partitions never paused ${String(MAX_GAP_MS)} ms or more`);

  // Clean shutdowns committed everything: a new member starts at the end of every partition.
  const check = new Consumer<number>({ bootstrap, groupId });
  t.teardown(() => check.close());
  check.subscribe('events');
  await waitFor(
    () =>
      check.assignment().length === PARTITIONS && check.assignment().every((tp) => check.position(tp) !== undefined),
    { timeoutMs: 20_000, what: 'the check consumer assigned every partition' },
  );
  t.same(
    Array.from({ length: PARTITIONS }, (_, partition) => check.position({ topic: 'events', partition })),
    expected,
    'committed offsets are the log ends',
  );
});
