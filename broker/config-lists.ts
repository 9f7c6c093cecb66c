/**
 * The two config fields written as lists on the command line, `--peers 1@host:port,...` and
 * `--users name:password,...`: their parsers and checks.
 */
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

/** Parses `name:password[,name:password...]` (the `--users` flag); a password may contain ':'. */
export function parseUsers(text: string): Record<string, string> {
  const users: Record<string, string> = {};
  for (const pair of text.split(',').filter((p) => p !== '')) {
    const at = pair.indexOf(':');
    // The pair is not shown: it holds a password.
    if (at <= 0) throw new Error('expected user:password[,user:password...]');
    users[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return users;
}

/** Checks a map of username to non-empty password and returns a frozen copy (later changes to `value` stay out). */
export function checkUsers(field: string, value: unknown): Readonly<Record<string, string>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(field, `must be a map of username to password, got ${describe(value)}`);
  }
  for (const [name, password] of Object.entries(value)) {
    if (name.length === 0) throw new ConfigError(field, 'usernames must be non-empty');
    if (typeof password !== 'string' || password.length === 0) {
      throw new ConfigError(field, `password of '${name}' must be a non-empty string`);
    }
  }
  return Object.freeze({ ...(value as Record<string, string>) });
}
