import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { ConfigError } from '../../../broker/config-kinds.js';
import { bearerMatches, readMetricsToken } from '../../../broker/net/metrics-token.js';

void t.test('the Authorization header must carry exactly the token as a bearer', (t) => {
  t.ok(bearerMatches('Bearer abc', 'abc'));
  t.ok(bearerMatches('bearer abc', 'abc'), 'the scheme is case-insensitive');
  t.notOk(bearerMatches('', 'abc'), 'absent');
  t.notOk(bearerMatches('Bearer ab', 'abc'), 'a prefix of the token');
  t.notOk(bearerMatches('Bearer abcd', 'abc'), 'longer');
  t.notOk(bearerMatches('Basic abc', 'abc'), 'another scheme');
  t.notOk(bearerMatches('abc', 'abc'), 'no scheme');
  t.end();
});

void t.test('the token is the first line of the file; an empty one is a config error', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brook-token-'));
  t.teardown(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const file = path.join(dir, 'token');
  fs.writeFileSync(file, '  tok3n  \nsecond line\n');
  t.equal(readMetricsToken(file), 'tok3n');
  t.equal(readMetricsToken(undefined), undefined, 'no file: no token');
  fs.writeFileSync(file, '\n');
  t.throws(() => readMetricsToken(file), ConfigError);
  t.throws(() => readMetricsToken(path.join(dir, 'missing')), ConfigError);
  t.end();
});
