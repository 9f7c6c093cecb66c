/**
 * Produce of 100-byte records with `--authorizer acl` and 1,000 ACL bindings against `--authorizer none`, in the
 * same run (issue 11's target: within 5%). Two single brokers from the same build, both with the same SCRAM users
 * (so login costs the same); the producer logs in as a user whose own bindings come last, so an authorizer that
 * scanned every binding would pay for all 1,000 on each request. Each round produces on one broker and then the
 * other, so drift in the machine's load hits both. Prints one line per round and the medians with the ratio.
 *
 *   make build && node dist/bench/acl-overhead.js [--records 300000] [--rounds 5]
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Admin, type AclBinding } from '../client/index.js';
import { pairedSummary, produceRate, rate, withBrokers } from './paired-brokers.js';
import type { BenchLogin } from './scenarios.js';

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

await withBrokers('brook-acl-bench-', async (start, dir) => {
  const usersFile = path.join(dir, 'users');
  writeFileSync(usersFile, [ADMIN, PRODUCER].map((u) => `${u.username}:${u.password}\n`).join(''), { mode: 0o600 });
  const brokerOf = (authorizer: 'none' | 'acl') =>
    start(authorizer, ['--users-file', usersFile, '--authorizer', authorizer, '--super-users', 'User:admin']);
  const none = { name: 'none', broker: await brokerOf('none'), rates: [] as number[] };
  const acl = { name: 'acl', broker: await brokerOf('acl'), rates: [] as number[] };
  const admin = new Admin({ bootstrap: [acl.broker.bootstrap], ...ADMIN });
  try {
    await admin.createAcls(bindings());
  } finally {
    await admin.close();
  }
  console.log(
    `${String(records)} records of ${String(RECORD_BYTES)} B, ${String(rounds)} rounds, acks=1, ${String(ACLS)} ACLs`,
  );
  for (let run = 1; run <= rounds; run++) {
    for (const side of [none, acl]) {
      const client = { bootstrap: side.broker.bootstrap, login: PRODUCER };
      const perSecond = await produceRate(client, `${TOPIC_PREFIX}${side.name}-${String(run)}`, records, RECORD_BYTES);
      side.rates.push(perSecond);
      console.log(`round ${String(run)} ${side.name.padEnd(4)} produce ${rate(perSecond)}`);
    }
  }
  console.log(pairedSummary('produce', none, acl));
});
