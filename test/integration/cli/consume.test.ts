/**
 * `brook consume` as a kcat or rpk user runs it, against a real broker process: start offsets, --exit-at-end,
 * --format tokens and json lines, null keys, --max-messages with fewer records, and --group (commits what it printed,
 * so the next run prints only what is new).
 */
import t from 'tap';
import { Admin, Producer, stringCodec } from '../../../client/index.js';
import { startBrokerProcess } from '../../helpers/broker-process.js';
import { runBrook, type CliResult } from '../../helpers/brook-cli.js';

const TOPIC = 'cli-consume';

/** What a run printed, shown with a failed assertion only. */
function output(result: CliResult): { stdout: string; stderr: string; code: number | null } {
  return { stdout: result.stdout, stderr: result.stderr, code: result.code };
}

const lines = (result: CliResult): string[] => result.stdout.split('\n').filter((line) => line !== '');

void t.test('brook consume: offsets, formats, exit at end and groups', async (t) => {
  const broker = await startBrokerProcess(t);
  const connect = ['--bootstrap', broker.bootstrap];
  const admin = new Admin({ bootstrap: broker.bootstrap });
  const producer = new Producer<string>({ bootstrap: broker.bootstrap, codec: stringCodec() });
  t.teardown(() => Promise.all([admin.close(), producer.close()]));
  await admin.createTopic(TOPIC, { partitions: 2 });
  // Partition 0: a, b, c (keyed, one with headers); partition 1: d without a key.
  await producer.send({ topic: TOPIC, partition: 0, key: 'k1', value: 'a', headers: { source: 'web' } });
  await producer.send({ topic: TOPIC, partition: 0, key: 'k2', value: 'b' });
  await producer.send({ topic: TOPIC, partition: 0, key: 'k3', value: 'c' });
  await producer.send({ topic: TOPIC, partition: 1, key: null, value: 'd' });

  // Each command spends most of a second loading TypeScript: independent ones run side by side.
  const [all, tail, atOffset, fewer, latest] = await Promise.all([
    runBrook(t, ['consume', TOPIC, '-o', 'earliest', '-e', '-f', '%t|%p|%o|%k|%v|%h\\n', ...connect]),
    runBrook(t, ['consume', TOPIC, '--offset=-1', '--exit-at-end', '--format', 'json', ...connect]),
    runBrook(t, ['consume', TOPIC, '-o', '2', '-p', '0', '-e', ...connect]),
    runBrook(t, ['consume', TOPIC, '--from-beginning', '--max-messages', '100', '-e', ...connect]),
    runBrook(t, ['consume', TOPIC, '-e', ...connect]),
  ]);

  t.equal(all.code, 0, '-o earliest -e exits 0 at the end', output(all));
  t.same(
    lines(all).sort(),
    [`${TOPIC}|0|0|k1|a|source=web`, `${TOPIC}|0|1|k2|b|`, `${TOPIC}|0|2|k3|c|`, `${TOPIC}|1|0||d|`],
    'every record once, formatted by the template; the null key prints as nothing',
  );

  t.equal(tail.code, 0, '-o -1 exits 0', output(tail));
  const tailRecords = lines(tail).map((line) => JSON.parse(line) as Record<string, unknown>);
  t.same(
    tailRecords.map((r) => [r['partition'], r['offset'], r['key'], r['value']]).sort(),
    [
      [0, 2, 'k3', 'c'],
      [1, 0, null, 'd'],
    ],
    '-1 is the last record of each partition; json lines carry a null key as null',
  );

  t.equal(atOffset.code, 0, '-o 2 -p 0 exits 0', output(atOffset));
  t.same(lines(atOffset), ['c'], 'an absolute offset on one partition; the value alone by default');

  t.equal(fewer.code, 0, '--max-messages with fewer records exits at the end with -e', output(fewer));
  t.equal(lines(fewer).length, 4, 'and printed the 4 records there are');

  t.equal(latest.code, 0, 'the default start (latest) with -e exits at once', output(latest));
  t.equal(latest.stdout, '', 'printing nothing');

  // ---- groups: a member commits what it printed, on exit too; the next run goes on from there -----------------------
  const group = ['--group', 'cli-readers', '-e', ...connect];
  const first = await runBrook(t, ['consume', TOPIC, '-o', 'earliest', ...group]);
  t.equal(first.code, 0, 'a group member with -e exits 0 at the end', output(first));
  t.same(lines(first).sort(), ['a', 'b', 'c', 'd'], 'it printed every record (no commit yet: earliest)');
  const committed = await admin.committedOffsets('cli-readers');
  t.same(
    committed.map((c) => [c.partition, c.offset]).sort(),
    [
      [0, 3],
      [1, 1],
    ],
    'it committed the position after the last record printed of each partition',
  );
  await producer.send({ topic: TOPIC, partition: 1, key: 'k5', value: 'e' });
  const second = await runBrook(t, ['consume', TOPIC, ...group]);
  t.equal(second.code, 0, 'the next member exits 0 at the end', output(second));
  t.same(lines(second), ['e'], 'it printed only the record produced since the last commit');

  const refused = await runBrook(t, ['consume', TOPIC, '-o', '-5', ...group]);
  t.equal(refused.code, 1, 'a relative offset with --group is refused');
  t.match(refused.stderr, /--offset -5: with --group, must be earliest or latest/, 'naming flag, value and rule');
});
