/**
 * `brook produce` against a real broker process: --header, --partition and --file; and a produce to a topic that does
 * not exist reports every line (none acknowledged, one failed, the rest not sent) and says the topic does not exist.
 */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { Admin, Consumer, stringCodec } from '../../../client/index.js';
import { startBrokerProcess } from '../../helpers/broker-process.js';
import { runBrook, type CliResult } from '../../helpers/brook-cli.js';
import { consumeToOffsets } from '../../helpers/consume.js';
import { tempDir } from '../../helpers/temp-dir.js';

const TOPIC = 'cli-produce';

/** What a run printed, shown with a failed assertion only. */
function output(result: CliResult): { stdout: string; stderr: string; code: number | null } {
  return { stdout: result.stdout, stderr: result.stderr, code: result.code };
}

void t.test('brook produce: headers, partition, file, and failures counted', async (t) => {
  const dir = tempDir(t, 'brook-cli-produce-');
  const broker = await startBrokerProcess(t);
  const connect = ['--bootstrap', broker.bootstrap];
  const admin = new Admin({ bootstrap: broker.bootstrap });
  t.teardown(() => admin.close());
  await admin.createTopic(TOPIC, { partitions: 3 });
  const file = path.join(dir, 'lines.txt');
  fs.writeFileSync(file, 'k1:one\nk2:two\nk3:three\n');

  const [produced, missing, badFile] = await Promise.all([
    runBrook(t, [
      'produce',
      TOPIC,
      '--file',
      file,
      '--key-separator',
      ':',
      '-H',
      'src=cli',
      '--header',
      'a=b=c',
      '-p',
      '2',
      ...connect,
    ]),
    runBrook(t, ['produce', 'no-such-topic', ...connect], { input: 'a\nb\nc\n' }),
    runBrook(t, ['produce', TOPIC, '--file', path.join(dir, 'absent.txt'), ...connect]),
  ]);

  t.equal(produced.code, 0, 'produce from a file exits 0', output(produced));
  t.match(produced.stderr, '3 record(s) acknowledged');
  const consumer = new Consumer<string>({ bootstrap: broker.bootstrap, codec: stringCodec(), from: 'earliest' });
  t.teardown(() => consumer.close());
  await consumer.assign([{ topic: TOPIC, partition: 2 }]);
  const records = await consumeToOffsets(consumer, TOPIC, [0, 0, 3]);
  t.same(
    records.map((r) => [r.partition, new TextDecoder().decode(r.key ?? new Uint8Array()), r.value]),
    [
      [2, 'k1', 'one'],
      [2, 'k2', 'two'],
      [2, 'k3', 'three'],
    ],
    'every line of the file, in order, on the partition given (whatever the key)',
  );
  t.same(
    records[0]?.headers.map(([k, v]) => [k, new TextDecoder().decode(v ?? new Uint8Array())]),
    [
      ['src', 'cli'],
      ['a', 'b=c'],
    ],
    'with the headers given, split at the first =',
  );

  t.equal(missing.code, 1, 'a produce to a missing topic exits 1', output(missing));
  const counts = /^brook: 0 record\(s\) acknowledged, (\d+) failed(?:, (\d+) not sent)?: (.*)\n$/.exec(missing.stderr);
  t.ok(counts, 'it says how many records were acknowledged, failed and not sent', output(missing));
  t.equal(Number(counts?.[1]) + Number(counts?.[2] ?? 0), 3, 'every line is accounted for');
  t.equal(counts?.[3], "topic 'no-such-topic' does not exist", 'and why: the topic is named');

  t.equal(badFile.code, 1, 'a file that cannot be read exits 1', output(badFile));
  t.match(badFile.stderr, /^brook: --file \S+absent.txt: cannot be read \(ENOENT/, 'naming the flag and the file');
});
