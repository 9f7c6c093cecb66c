/**
 * Produce of 100-byte records with `--authorizer acl` and 1,000 ACL bindings against `--authorizer none`, in the
 * same run (issue 11's target: within 5%). Two single brokers from the same build, both with the same SCRAM users
 * (so login costs the same); the producer logs in as a user whose own bindings come last, so an authorizer that
 * scanned every binding would pay for all 1,000 on each request. Each round produces on one broker and then the
 * other, so drift in the machine's load hits both. Prints one line per round and the medians with the ratio.
 *
 *   make build && node dist/bench/acl-overhead.js [--records 300000] [--rounds 5]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Admin, type AclBinding } from '../client/index.js';
import { BrokerProcess } from './harness/broker-process.js';
import { ensureTopic, produceScenario, type BenchLogin } from './scenarios.js';
import { pairedRatios, spread } from './stats.js';

const RECORD_BYTES = 100;
const ACLS = 1000;
const TOPIC_PREFIX = 'acl-bench-';
const ADMIN: BenchLogin = { username: 'admin', password: 'admin-password' };
const PRODUCER: BenchLogin = { username: 'bench', password: 'bench-password' };

const { values } = parseArgs({
  options: { records: { type: 'string', default: '300000' }, rounds: { type: 'string', default: '5' } },
});
const records = Number(values.records);
const rounds = Number(values.rounds);

/** Bindings of 100 other users on their own topics, a few for everyone, then the producer's own three. */
function bindings(): AclBinding[] {
  const acl = (principal: string, resourceName: string, operation: AclBinding['operation']): AclBinding => ({
    principal,
    resourceType: 'topic',
    resourceName,
    patternType: 'literal',
    operation,
    permission: 'allow',
  });
  const own = [
    { ...acl(`User:${PRODUCER.username}`, TOPIC_PREFIX, 'write'), patternType: 'prefixed' as const },
    { ...acl(`User:${PRODUCER.username}`, TOPIC_PREFIX, 'create'), patternType: 'prefixed' as const },
  ];
  const everyone = Array.from({ length: 10 }, (_, i) => acl('User:*', `public-${String(i)}`, 'read'));
  const others = Array.from({ length: ACLS - own.length - everyone.length }, (_, i) =>
    acl(`User:user-${String(i % 100)}`, `orders-${String(i)}`, 'write'),
  );
  return [...others, ...everyone, ...own];
}

interface Side {
  readonly name: 'none' | 'acl';
  readonly broker: BrokerProcess;
  readonly produced: number[];
}

async function round(side: Side, run: number): Promise<void> {
  const topic = `${TOPIC_PREFIX}${side.name}-${String(run)}`;
  const bootstrap = [side.broker.bootstrap];
  await ensureTopic(bootstrap, topic, { partitions: 1, replicas: 1, login: PRODUCER });
  const produced = await produceScenario({
    bootstrap,
    topic,
    records,
    recordBytes: RECORD_BYTES,
    producers: 1,
    acks: 1,
    api: 'write',
    partitioner: 'sticky',
    login: PRODUCER,
  });
  side.produced.push(produced.records / produced.seconds);
  console.log(`round ${String(run)} ${side.name.padEnd(4)} produce ${rate(produced.records / produced.seconds)}`);
}

function rate(perSecond: number): string {
  return `${Math.round(perSecond).toLocaleString('en-US').padStart(9)} rec/s`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'brook-acl-bench-'));
  const entry = path.join(import.meta.dirname, '..', 'cli', 'main.js');
  const brokers: BrokerProcess[] = [];
  try {
    const usersFile = path.join(dir, 'users');
    writeFileSync(usersFile, [ADMIN, PRODUCER].map((u) => `${u.username}:${u.password}\n`).join(''), { mode: 0o600 });
    const start = async (name: Side['name']): Promise<BrokerProcess> => {
      const broker = await BrokerProcess.start(
        { entry, nodeArgs: [] },
        {
          dataDir: path.join(dir, name),
          args: [
            '--retention-ms',
            '-1',
            '--users-file',
            usersFile,
            '--authorizer',
            name,
            '--super-users',
            'User:admin',
          ],
        },
      );
      brokers.push(broker);
      return broker;
    };
    const none = await start('none');
    const acl = await start('acl');
    const admin = new Admin({ bootstrap: [acl.bootstrap], ...ADMIN });
    try {
      await admin.createAcls(bindings());
    } finally {
      await admin.close();
    }
    const sides: Side[] = [
      { name: 'none', broker: none, produced: [] },
      { name: 'acl', broker: acl, produced: [] },
    ];
    console.log(
      `${String(records)} records of ${String(RECORD_BYTES)} B, ${String(rounds)} rounds, acks=1, ${String(ACLS)} ACLs`,
    );
    for (let run = 1; run <= rounds; run++) for (const side of sides) await round(side, run);
    const [off, on] = sides;
    if (off === undefined || on === undefined) return;
    const ratios = pairedRatios(on.produced, off.produced);
    const percent = (x: number): string => `${(x * 100).toFixed(1)}%`;
    console.log(
      `median produce: authorizer none ${rate(spread(off.produced).median)}, acl ${rate(spread(on.produced).median)}; ` +
        `acl/none per round: median ${percent(ratios.median)} (min ${percent(ratios.min)}, max ${percent(ratios.max)})`,
    );
  } finally {
    await Promise.all(brokers.map((b) => b.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
