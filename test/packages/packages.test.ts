/**
 * The two packages as an application and an operator get them: @brook/client (folder client/) carries its built
 * code, types and README and no broker, tests or bench, and its browser types compile without Node's; brook (the
 * root) carries the broker and the CLI and depends on @brook/client. Needs the build (`make build` runs it first).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CLIENT = path.join(REPO, 'client');

/** The files `npm pack` would put in the package at `dir` (no scripts run: the build is `make build`'s). */
async function packedFiles(dir: string): Promise<string[]> {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir });
  const [pack] = JSON.parse(stdout) as [{ files: { path: string }[] }];
  return pack.files.map((f) => f.path);
}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

void t.test('the build exists (make build)', (t) => {
  t.ok(existsSync(path.join(CLIENT, 'dist/client/index.js')), 'client/dist is built: run `make build` first');
  t.ok(existsSync(path.join(REPO, 'dist/cli/main.js')), 'dist is built: run `make build` first');
  t.end();
});

void t.test('@brook/client packs its dist, types and README, and nothing of the broker, tests or bench', async (t) => {
  const files = await packedFiles(CLIENT);
  for (const wanted of [
    'package.json',
    'README.md',
    'dist/client/index.js',
    'dist/client/index.d.ts',
    'dist/client/browser.js',
    'dist/client/browser.d.ts',
    'dist/protocol/index.js',
  ]) {
    t.ok(files.includes(wanted), `packs ${wanted}`);
  }
  t.same(
    files.filter((f) => /(^|\/)(test|bench|broker|cli)\//.test(f) || f.endsWith('.ts') !== f.endsWith('.d.ts')),
    [],
    'no tests, bench, broker, CLI or TypeScript sources',
  );
  const manifest = readJson(path.join(CLIENT, 'package.json'));
  const dependencies = Object.keys({
    ...(manifest.dependencies as object),
    ...(manifest.optionalDependencies as object),
  });
  t.notOk(
    dependencies.some((d) => d === 'better-sqlite3' || d === 'uWebSockets.js'),
    `no native broker dependency: ${dependencies.join(', ')}`,
  );
});

void t.test('brook packs the broker and the CLI and depends on @brook/client', async (t) => {
  const files = await packedFiles(REPO);
  for (const wanted of [
    'package.json',
    'README.md',
    'dist/cli/main.js',
    'dist/broker/index.js',
    'dist/broker/index.d.ts',
  ]) {
    t.ok(files.includes(wanted), `packs ${wanted}`);
  }
  t.same(
    files.filter((f) => /^(test|bench|client|dist\/bench|dist\/client|dist\/test)\//.test(f) || f.endsWith('.map')),
    [],
    'no tests, bench, client sources or source maps',
  );
  const manifest = readJson(path.join(REPO, 'package.json'));
  t.ok((manifest.dependencies as Record<string, string>)['@brook/client'], 'depends on @brook/client');
});

void t.test('the browser entry type-checks with the DOM library and without @types/node', async (t) => {
  // Inside node_modules, so that the declarations find msgpackr's types the way an installed package would.
  const cache = path.join(REPO, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(path.join(cache, 'browser-types-'));
  t.teardown(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const tsc = path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  const declarations = path.join(dir, 'types');
  await run(process.execPath, [
    tsc,
    '-p',
    path.join(CLIENT, 'tsconfig.build.json'),
    '--emitDeclarationOnly',
    '--outDir',
    declarations,
  ]);
  writeFileSync(
    path.join(dir, 'app.ts'),
    [
      "import { Consumer, Producer } from '@brook/client/browser';",
      "const producer = new Producer<{ n: number }>({ bootstrap: 'ws://127.0.0.1:9401' });",
      "await producer.send({ topic: 't', value: { n: 1 } });",
      "const consumer = new Consumer<{ n: number }>({ bootstrap: 'ws://127.0.0.1:9401' });",
      "await consumer.assign('t');",
      'for await (const record of consumer) document.title = String(record.value?.n);',
      '',
    ].join('\n'),
  );
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'ES2022',
        moduleResolution: 'bundler',
        lib: ['ES2022', 'DOM'],
        types: [],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        paths: { '@brook/client/browser': [path.join(declarations, 'client', 'browser.d.ts')] },
      },
      files: ['app.ts'],
    }),
  );
  const result = await run(process.execPath, [tsc, '-p', dir]).then(
    () => '',
    (err: unknown) => String((err as { stdout?: string }).stdout ?? err),
  );
  t.equal(result, '', 'tsc reports no error');
});
