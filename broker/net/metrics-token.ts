/**
 * The bearer token `/metrics` asks for (`--metrics-token-file`): metrics name every topic and group, which is more
 * than a stranger on the network should learn. Health endpoints stay open for probes.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import { ConfigError } from '../config-kinds.js';

/** The token in `file` (its first line, trimmed), or undefined when no file is given. Throws when it is empty. */
export function readMetricsToken(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err: unknown) {
    throw new ConfigError(
      'metricsTokenFile',
      `cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const token = (text.split('\n')[0] ?? '').trim();
  if (token === '') throw new ConfigError('metricsTokenFile', `${file} holds no token on its first line`);
  return token;
}

/**
 * Whether an `Authorization` header ('' when absent) carries `Bearer <token>`. Compared as SHA-256 digests with
 * timingSafeEqual, so the time taken says nothing about how much of the token was right, nor about its length.
 */
export function bearerMatches(authorization: string, token: string): boolean {
  const match = /^Bearer +(\S+)\s*$/i.exec(authorization);
  if (match?.[1] === undefined) return false;
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(match[1]), digest(token));
}
