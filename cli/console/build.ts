/**
 * Bundles the browser console (console-page.ts with the browser client and msgpackr) into one ES module and copies
 * its page: `<outDir>/index.html` and `<outDir>/console.js`, which the broker serves at `/`. Run by `npm run build`
 * (into dist/console) and by the console's browser test. Nothing is fetched at run time: the page works offline.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The console's sources: this folder (run from TypeScript by tsx; tsconfig.build.json leaves it out of dist/cli). */
const SOURCE_DIR = path.dirname(fileURLToPath(import.meta.url));

/** Writes the console's files into `outDir` (created if needed). */
export async function buildConsole(outDir: string): Promise<void> {
  fs.mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [path.join(SOURCE_DIR, 'console-page.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    // The client's TypeScript sources, as tests load them: the bundle needs no client/dist.
    conditions: ['@brook/source'],
    outfile: path.join(outDir, 'console.js'),
    logLevel: 'warning',
  });
  fs.copyFileSync(path.join(SOURCE_DIR, 'index.html'), path.join(outDir, 'index.html'));
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const outDir = process.argv[2];
  if (outDir === undefined) throw new Error('usage: build.js <outDir>');
  await buildConsole(outDir);
}
