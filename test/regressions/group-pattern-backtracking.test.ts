// Regression (issue 11): a group's subscribedPattern was compiled as a backtracking RegExp and run on the broker's
// event loop: `(a+)+` against a 27-character topic name stalled the broker 2.7 s, each more character doubling it.
// Expected now: patterns are matched by RE2 in linear time, so the join with that pattern is answered about as fast as
// one with a plain pattern, and the broker answers the next request at once.
import t from 'tap';
import { Admin } from '../../client/index.js';
import { startBrokerProcess } from '../helpers/broker-process.js';
import { RawTcpConnection } from '../helpers/raw-connection.js';
import { waitFor } from '../helpers/wait-for.js';

/** A name `(a+)+` fails on only after trying every way to split the a's (2^28 with a backtracking engine: seconds). */
const TOPIC = `${'a'.repeat(28)}-`;

/** Elapsed ms of `work`, and its result. */
async function timed<R>(work: () => Promise<R>): Promise<{ ms: number; result: R }> {
  const start = performance.now();
  const result = await work();
  return { ms: performance.now() - start, result };
}

void t.test('(a+)+ against a long topic name is answered promptly and does not stall the broker', async (t) => {
  const broker = await startBrokerProcess(t, { args: ['--group-offsets-partitions', '1'] });
  const admin = new Admin({ bootstrap: broker.bootstrap, requestTimeoutMs: 30_000 });
  t.teardown(() => admin.close());
  await admin.createTopic(TOPIC, { partitions: 1 });
  const raw = await RawTcpConnection.open(t, broker.tcpPort);
  await raw.hello();
  const join = (groupId: string, subscribedPattern: string) => () =>
    raw.request('groupHeartbeat', { groupId, memberId: '', memberEpoch: 0, subscribedPattern }, 20_000);

  // With one __offsets partition every group has the same coordinator: once a join works, it has loaded.
  await waitFor(join('warm-up', 'warm.*'), { timeoutMs: 30_000, what: 'the coordinator to take a join' });
  // The bound: a join with a plain pattern on this machine now, with room for a loaded machine (two cores shared with
  // other tests answered a metadata request in 327 ms once). A backtracking engine needs 2^(name length) steps: past
  // 27 characters that is seconds, and this name is far longer, so the bound still tells the two engines apart.
  const plain = await timed(join('plain', 'a+-'));
  t.same(plain.result.assignment, [{ topic: TOPIC, partitions: [0] }], 'a plain pattern matches the topic');
  const boundMs = 1_000 + 5 * plain.ms;

  const evil = await timed(join('evil', '(a+)+'));
  t.ok(evil.ms < boundMs, `(a+)+ answered in ${evil.ms.toFixed(0)} ms (bound ${boundMs.toFixed(0)} ms)`);
  t.same(evil.result.assignment, [], 'and matched nothing');
  const metadata = await timed(() => raw.request('metadata', { topics: [TOPIC] }));
  t.ok(metadata.ms < boundMs, `the next request answered in ${metadata.ms.toFixed(0)} ms`);
});
