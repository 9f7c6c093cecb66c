#!/usr/bin/env node
// The npm registry mirror these machines use lacks msgpackr-extract's macOS/Windows/ARM32 prebuilds, so
// `npm install` leaves them out of package-lock.json and `npm ci` then refuses the lock as out of sync.
// This adds them back as optional, platform-restricted entries (skipped on Linux x64, fetched elsewhere).
// Run it after any `npm install` that rewrites the lock.
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const extract = lock.packages['node_modules/msgpackr-extract'];
const platforms = {
  'darwin-arm64': ['darwin', 'arm64'],
  'darwin-x64': ['darwin', 'x64'],
  'linux-arm': ['linux', 'arm'],
  'linux-arm64': ['linux', 'arm64'],
  'linux-x64': ['linux', 'x64'],
  'win32-x64': ['win32', 'x64'],
};
for (const [name, version] of Object.entries(extract?.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  const platform = platforms[name.replace('@msgpackr-extract/msgpackr-extract-', '')];
  if (lock.packages[key] !== undefined || platform === undefined) continue;
  lock.packages[key] = { version, cpu: [platform[1]], license: 'MIT', optional: true, os: [platform[0]] };
}
const [root, ...rest] = Object.entries(lock.packages);
lock.packages = Object.fromEntries([root, ...rest.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
