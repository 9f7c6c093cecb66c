/** hello credentials against the configured users, compared in constant time. */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A check of username and password against `users` (username -> password). With no users every connection is
 * allowed. Passwords are compared as HMAC-SHA256 digests under a per-process random key with `timingSafeEqual`,
 * and an unknown username costs the same as a wrong password, so timing reveals neither.
 */
export function createAuthenticator(
  users: Readonly<Record<string, string>>,
): (username: string | undefined, password: string | undefined) => boolean {
  const entries = Object.entries(users);
  if (entries.length === 0) return () => true;
  const key = randomBytes(32);
  const digest = (text: string): Buffer => createHmac('sha256', key).update(text, 'utf8').digest();
  const expected = new Map(entries.map(([name, password]) => [name, digest(password)]));
  const nobody = digest(randomBytes(32).toString('hex'));
  return (username, password) => {
    if (username === undefined || password === undefined) return false;
    const want = expected.get(username);
    const match = timingSafeEqual(want ?? nobody, digest(password));
    return match && want !== undefined;
  };
}
