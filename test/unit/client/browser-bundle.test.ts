import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';

void t.test('client/browser.ts bundles for the browser without Node built-ins', async (t) => {
  const entry = fileURLToPath(new URL('../../../client/browser.ts', import.meta.url));
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  t.same(result.errors, []);
  const output = result.outputFiles[0]?.text ?? '';
  t.ok(output.length > 10_000, 'produced a bundle');
  t.notMatch(output, /\bnode:[a-z_]+/, 'no node: imports in the output');
  const inputs = Object.keys(result.metafile.inputs);
  t.notOk(
    inputs.some((file) => /client\/transport\/tcp|platform-node|node_modules\/ws\//.test(file)),
    'neither the TCP transport nor the ws package is bundled',
  );
  t.ok(inputs.some((file) => file.endsWith('client/transport/websocket.ts')));
  // The client's own sources use no Node globals (msgpackr feature-detects Buffer by itself).
  const ownSources = inputs.filter((file) => file.startsWith('client/') || file.startsWith('protocol/'));
  t.ok(ownSources.length > 10);
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  for (const file of ownSources) {
    const code = readFileSync(root + file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    t.notMatch(code, /\bBuffer\b|\bprocess\.|\brequire\(/, `${file} uses no Node globals`);
  }
});
