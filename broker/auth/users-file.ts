/**
 * The first users of a cluster, from `--users-file`: read once at start, and created (salted and hashed) where the
 * cluster lacks them. A broker without peers creates them before it listens; in a cluster the controller proposes
 * them to the metadata log, so every broker of the cluster given the same file converges on the same users.
 */
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { MIN_SCRAM_ITERATIONS, scramCredential, type ScramCredential } from '../../protocol/index.js';
import { parseUsersFile } from '../config-lists.js';
import type { SecurityChange } from './security-changes.js';

/** Bytes of salt of a new credential, as in RFC 7677's example. */
const SALT_BYTES = 16;

/** Reads `name:password` lines; throws an Error naming the file (and the line number, never its content). */
export function readUsersFile(file: string): Map<string, string> {
  try {
    return parseUsersFile(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`--users-file ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** A new credential for `password`, with a fresh random salt. */
export function newCredential(password: string): Promise<ScramCredential> {
  return scramCredential(password, randomBytes(SALT_BYTES), MIN_SCRAM_ITERATIONS);
}

/**
 * Creates, through `change`, each user of `wanted` that `existing` lacks (existing users keep their credential: a
 * password changed since is not overwritten by the file). Resolves with how many were created.
 */
export async function createMissingUsers(
  wanted: ReadonlyMap<string, string>,
  existing: { get(name: string): unknown },
  change: (change: SecurityChange) => Promise<void>,
): Promise<number> {
  let created = 0;
  for (const [name, password] of wanted) {
    if (existing.get(name) !== undefined) continue;
    await change({ kind: 'putUser', name, credential: await newCredential(password) });
    created++;
  }
  return created;
}
