/**
 * The `brook` command as a user runs it, against a real broker process: create a topic, produce lines from stdin,
 * consume them back, describe the topic, delete it; and a produce to a topic that does not exist fails clearly.
 */
import t from 'tap';
import { Admin, partitionForKey } from '../../../client/index.js';
import { startBrokerProcess } from '../../helpers/broker-process.js';
import { runBrook, type CliResult } from '../../helpers/brook-cli.js';

const TOPIC = 'cli-orders';
const PARTITIONS = 3;
const KEYS = 10;
const LINES = 60;

/** `key:value` lines; values hold the separator too (only the first one splits) and spaces. */
const input = Array.from({ length: LINES }, (_, i) => `user-${String(i % KEYS)}:order ${String(i)}: 2 x widget`);

/** What a run printed, shown with a failed assertion only. */
function output(result: CliResult): { stdout: string; stderr: string; code: number | null; signal: string | null } {
  return { stdout: result.stdout, stderr: result.stderr, code: result.code, signal: result.signal };
}

void t.test('brook topic/produce/consume against a broker process', async (t) => {
  const broker = await startBrokerProcess(t);
  const connect = ['--bootstrap', broker.bootstrap];
  // Each command spends most of a second loading TypeScript: independent ones run side by side.

  const unknownProduce = runBrook(t, ['produce', 'no-such-topic', ...connect], { input: 'a\nb\n' });
  const created = await runBrook(t, ['topic', 'create', TOPIC, '--partitions', String(PARTITIONS), ...connect]);
  t.equal(created.code, 0, 'topic create exits 0', output(created));
  t.match(created.stdout, `Created topic ${TOPIC} with ${String(PARTITIONS)} partition(s).`);

  // The consumer starts with the producer and exits once it has printed every line.
  const consuming = runBrook(t, [
    'consume',
    TOPIC,
    '--from-beginning',
    '--max-messages',
    String(LINES),
    '--print-key',
    ...connect,
  ]);
  const produced = await runBrook(t, ['produce', TOPIC, '--key-separator', ':', ...connect], {
    input: input.join('\n') + '\n',
  });
  t.equal(produced.code, 0, 'produce exits 0', output(produced));
  t.match(produced.stderr, `${String(LINES)} record(s) acknowledged`);

  const [consumed, described] = await Promise.all([consuming, runBrook(t, ['topic', 'describe', TOPIC, ...connect])]);
  t.equal(consumed.code, 0, 'consume exits 0 after --max-messages', output(consumed));
  const printed = consumed.stdout.split('\n').filter((line) => line !== '');
  const expected = input.map((line) => line.replace(':', '\t'));
  t.same([...printed].sort(), [...expected].sort(), 'every line comes back once, as key<TAB>value');
  for (let k = 0; k < KEYS; k++) {
    const key = `user-${String(k)}\t`;
    t.same(
      printed.filter((line) => line.startsWith(key)),
      expected.filter((line) => line.startsWith(key)),
      `lines of user-${String(k)} in the order they were produced`,
    );
  }

  t.equal(described.code, 0, 'topic describe exits 0', output(described));
  const encoder = new TextEncoder();
  const perPartition = new Array<number>(PARTITIONS).fill(0);
  for (const line of input) {
    const p = partitionForKey(encoder.encode(line.slice(0, line.indexOf(':'))), PARTITIONS);
    perPartition[p] = (perPartition[p] ?? 0) + 1;
  }
  t.match(
    described.stdout,
    new RegExp(`Topic: ${TOPIC}\\s+Partitions: ${String(PARTITIONS)}`),
    'describe names the topic and its partition count',
  );
  for (let p = 0; p < PARTITIONS; p++) {
    t.match(
      described.stdout,
      new RegExp(`Partition: ${String(p)}\\s+Leader: 1\\s.*HighWatermark: ${String(perPartition[p])}\\b`),
      `partition ${String(p)}: leader 1, high watermark ${String(perPartition[p])}`,
    );
  }

  const deleted = await runBrook(t, ['topic', 'delete', TOPIC, ...connect]);
  t.equal(deleted.code, 0, 'topic delete exits 0', output(deleted));
  t.match(deleted.stdout, `Deleted topic ${TOPIC}.`);
  // Checked through the client library: one command fewer to load.
  const admin = new Admin({ bootstrap: broker.bootstrap });
  t.teardown(() => admin.close());
  t.notOk((await admin.listTopics()).includes(TOPIC), 'the deleted topic is gone');

  const unknown = await unknownProduce;
  t.not(unknown.code, 0, 'produce to an unknown topic exits non-zero', output(unknown));
  t.equal(unknown.signal, null, 'it exits on its own');
  t.match(
    unknown.stderr,
    /no-such-topic.*(does not exist|unknown topic)/i,
    'the message names the topic and says it does not exist',
    output(unknown),
  );
  t.notMatch(unknown.stderr, /\n\s+at /, 'without a stack trace');
  const took = { created, produced, consumed, described, deleted, unknown };
  t.comment(
    Object.entries(took)
      .map(([name, r]) => `${name} ${String(r.durationMs)} ms`)
      .join(', '),
  );
});
