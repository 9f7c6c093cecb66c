/**
 * Config values written as lists: `--peers 1@host:port,...` and `--super-users User:a,...` (their parsers and
 * checks), and the lines of `--users-file`.
 */
import { PRINCIPAL } from '../protocol/index.js';
import { ConfigError, checkInteger, checkText, describe } from './config-kinds.js';

/** A broker of the cluster and the address its peer listener is reached at (by the other brokers). */
export interface PeerConfig {
  readonly id: number;
  readonly host: string;
  readonly port: number;
}

/** Producer ids are brokerId * 2^32 + a counter: beyond 2^21 brokers they would not be safe integers. */
export const MAX_BROKER_ID = 2 ** 21 - 1;

/** Parses `1@host:port,2@host:port` (the `--peers` flag); throws an Error naming the bad item. */
export function parsePeers(text: string): PeerConfig[] {
  return text
    .split(',')
    .filter((p) => p.trim() !== '')
    .map((item) => {
      const match = /^(\d+)@(.+):(\d+)$/.exec(item.trim());
      if (match === null) throw new Error(`expected id@host:port, got ${JSON.stringify(item)}`);
      return { id: Number(match[1]), host: String(match[2]), port: Number(match[3]) };
    });
}

/** Checks a list of peers: ids in [1, MAX_BROKER_ID] and unique, hosts non-empty, ports in [1, 65535]. */
export function checkPeers(field: string, value: unknown): readonly PeerConfig[] {
  if (!Array.isArray(value)) throw new ConfigError(field, `must be an array, got ${describe(value)}`);
  const seen = new Set<number>();
  const peers = value.map((raw: unknown): PeerConfig => {
    const peer = raw as Partial<PeerConfig>;
    const id = checkInteger(field, peer.id, 1, MAX_BROKER_ID, 'broker id');
    if (seen.has(id)) throw new ConfigError(field, `broker id ${String(id)} is listed twice`);
    seen.add(id);
    const host = checkText(field, peer.host);
    return Object.freeze({ id, host, port: checkInteger(field, peer.port, 1, 65_535, 'port') });
  });
  return Object.freeze(peers);
}

/**
 * Parses a users file: one `name:password` line per user (a password may contain ':'; blank lines and lines starting
 * with '#' are skipped). Throws an Error naming the bad line by number, never by content: it holds a password.
 */
export function parseUsersFile(text: string): Map<string, string> {
  const users = new Map<string, string>();
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const at = line.indexOf(':');
    if (at <= 0 || at === line.length - 1) throw new Error(`line ${String(i + 1)}: expected name:password`);
    users.set(line.slice(0, at), line.slice(at + 1));
  });
  return users;
}

/** Parses `User:a,User:b` (the `--super-users` flag). */
export function parsePrincipals(text: string): string[] {
  return text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/** Checks a list of principals, each `User:<name>`, and returns a frozen copy. */
export function checkPrincipals(field: string, value: unknown): readonly string[] {
  if (!Array.isArray(value)) throw new ConfigError(field, `must be an array, got ${describe(value)}`);
  for (const p of value as unknown[]) {
    if (typeof p !== 'string' || !PRINCIPAL.test(p)) {
      throw new ConfigError(field, `expected principals as User:<name>, got ${describe(p)}`);
    }
  }
  return Object.freeze([...(value as string[])]);
}
