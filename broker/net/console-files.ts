/**
 * The browser console's files (built by cli/console/build.ts), read once when the broker starts and served from
 * memory at `/` on the WebSocket/HTTP port. The broker serves them by path only: it never imports the console's code.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A file the HTTP port serves. */
export interface StaticFile {
  readonly contentType: string;
  readonly body: Buffer;
}

/** URL path -> file. */
export type ConsoleFiles = ReadonlyMap<string, StaticFile>;

const FILES = [
  { url: '/', name: 'index.html', contentType: 'text/html; charset=utf-8' },
  { url: '/console.js', name: 'console.js', contentType: 'text/javascript; charset=utf-8' },
] as const;

/**
 * Where `make build` puts the console: dist/console, seen from this module compiled (dist/broker/net) or run from its
 * TypeScript source (broker/net, as tests and `tsx` run it).
 */
function builtConsoleDirs(): string[] {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return [path.resolve(here, '../../console'), path.resolve(here, '../../dist/console')];
}

/**
 * The console's files from `dir` (default: the built console), or undefined when they are not there (a broker run
 * from a checkout that was never built): `/` then says how to build them. Throws when a given `dir` lacks them.
 */
export function loadConsoleFiles(dir: string | undefined): ConsoleFiles | undefined {
  const found = dir ?? builtConsoleDirs().find((candidate) => fs.existsSync(path.join(candidate, 'index.html')));
  if (found === undefined) return undefined;
  return new Map(
    FILES.map((f) => [f.url, { contentType: f.contentType, body: fs.readFileSync(path.join(found, f.name)) }]),
  );
}
