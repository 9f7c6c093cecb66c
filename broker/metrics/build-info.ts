/**
 * What `brook_build_info` reports: the package version (package.json) and the git commit of the code.
 *
 * The commit is asked of git once per process, in the package directory: Brook runs from a git checkout under
 * `make run`, `make cluster` and the tests, so the commit is known there. An installed package has no `.git`
 * (and a host may have no git): the commit is then `unknown`, and the version alone identifies the build.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The labels of `brook_build_info`. */
export interface BuildInfo {
  /** `version` of package.json. */
  readonly version: string;
  /** The full commit hash of the checkout, or `unknown`. */
  readonly commit: string;
}

const UNKNOWN = 'unknown';
/** git answers in milliseconds; the bound keeps a wedged git from holding a broker's start. */
const GIT_TIMEOUT_MS = 2_000;

let cached: BuildInfo | undefined;

/** This package's build info, read on the first call and kept for the life of the process. */
export function buildInfo(): BuildInfo {
  cached ??= readBuildInfo(packageRoot(import.meta.dirname));
  return cached;
}

/**
 * The nearest directory at or above `from` holding a package.json. The depth differs between the sources
 * (broker/metrics/) and the build (dist/broker/metrics/), so it is searched, not assumed.
 */
function packageRoot(from: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function readBuildInfo(root: string | undefined): BuildInfo {
  if (root === undefined) return { version: UNKNOWN, commit: UNKNOWN };
  return { version: packageVersion(root), commit: gitCommit(root) };
}

function packageVersion(root: string): string {
  try {
    const pkg: unknown = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    if (typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string') {
      return pkg.version;
    }
  } catch {
    // An unreadable package.json leaves the version unknown; the broker runs anyway.
  }
  return UNKNOWN;
}

function gitCommit(root: string): string {
  // Only the package's own checkout: git would otherwise report the commit of an enclosing repository
  // (an application that vendors Brook under node_modules).
  if (!fs.existsSync(path.join(root, '.git'))) return UNKNOWN;
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: GIT_TIMEOUT_MS,
    }).trim();
    return /^[0-9a-f]{40,64}$/.test(commit) ? commit : UNKNOWN;
  } catch {
    // No git on this host, or not a repository after all.
    return UNKNOWN;
  }
}
