/**
 * `brook consume ... | slow-reader`: while nobody reads the command's stdout, it stops taking records, so the broker
 * stops for lack of credit and the command's memory stays bounded instead of buffering the topic; once stdout is
 * read again, every record arrives and -e ends the command.
 */
import t from 'tap';
import { readRssBytes } from '../../../bench/harness/proc.js';
import { Admin, Producer, rawCodec } from '../../../client/index.js';
import { spawnBrook, startBrokerProcess } from '../../helpers/broker-process.js';
import { httpGet, metricSum } from '../../helpers/http.js';
import { waitFor } from '../../helpers/wait-for.js';

const TOPIC = 'cli-slow';
const VALUE_BYTES = 1024;
const TOTAL = 40_000;
/** The consumer's default credit per partition (client/consumer/options.ts), in bytes. */
const CREDIT_BYTES = 4 * 1024 * 1024;
/** Slack for what sits outside the credit: one batch in flight, the stdout buffer and the pipe (64 KiB). */
const SLACK_BYTES = 1024 * 1024;
const MiB = 1024 * 1024;

void t.test('a consume whose stdout is not read takes only its credit, then reads all once it is', async (t) => {
  const broker = await startBrokerProcess(t);
  const admin = new Admin({ bootstrap: broker.bootstrap });
  const producer = new Producer<Uint8Array>({ bootstrap: broker.bootstrap, codec: rawCodec(), acks: 1 });
  t.teardown(() => Promise.all([admin.close(), producer.close()]));
  await admin.createTopic(TOPIC, { partitions: 1 });
  const value = new Uint8Array(VALUE_BYTES).fill(0x61); // 'a': one line of 1 KiB per record
  for (let i = 0; i < TOTAL; i++) {
    if (!producer.write({ topic: TOPIC, value })) await producer.whenWritable();
  }
  await producer.flush();

  // A reader that does not read: the pipe fills, then the command's stdout buffer.
  const child = spawnBrook(['consume', TOPIC, '-o', 'earliest', '-e', '--bootstrap', broker.bootstrap]);
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  t.teardown(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
  });
  child.stdin?.end();
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const stdout = child.stdout;
  if (stdout === null) throw new Error('no stdout pipe');
  stdout.pause();

  const metric = async (name: string, labels: Record<string, string>): Promise<number> =>
    metricSum((await httpGet(broker.wsPort, '/metrics')).body, name, labels);
  let lastFetched = -1;
  // Settled: the broker stopped for lack of credit, and pushed nothing more since the previous look.
  const fetched = await waitFor(
    async () => {
      const now = await metric('brook_fetch_records_total', { topic: TOPIC });
      const stalled = (await metric('brook_delivery_stalls_total', { reason: 'credit' })) >= 1;
      const settled = stalled && now === lastFetched;
      lastFetched = now;
      return settled && now;
    },
    { timeoutMs: 60_000, intervalMs: 500, what: 'the broker to stop delivering for lack of credit' },
  );
  const rssBytes = readRssBytes(child.pid ?? 0);
  t.ok(
    fetched * VALUE_BYTES <= CREDIT_BYTES + SLACK_BYTES,
    `the command took ${String(fetched)} of ${String(TOTAL)} records: its credit and no more`,
  );
  t.comment(`consume RSS while stdout is not read: ${(rssBytes / MiB).toFixed(1)} MiB`);

  let received = 0;
  stdout.setEncoding('utf8').on('data', (chunk: string) => {
    for (const c of chunk) if (c === '\n') received++;
  });
  stdout.resume();
  t.equal(await exited, 0, 'once stdout is read, the command reaches the end and exits 0', { stderr });
  t.equal(received, TOTAL, 'every record was printed');
});
