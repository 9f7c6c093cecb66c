/**
 * Which browser pages may open a WebSocket to the broker. A browser sends the page's origin in `Origin` with every
 * WebSocket upgrade and lets any page connect anywhere, so without this check any web page the user opens could
 * drive a broker on 127.0.0.1. Clients that are not browsers send no `Origin` and are not concerned.
 */

/** `--ws-allowed-origins`: origins (`https://app.example.com`) let in besides the broker's own; `*` lets in any. */
export type AllowedOrigins = readonly string[];

/** The wildcard entry of {@link AllowedOrigins}. */
export const ANY_ORIGIN = '*';

/**
 * Whether an upgrade with header `origin` ('' when absent) and `host` (the Host header) may proceed: no Origin (not
 * a browser), the broker's own HTTP origin (a page the broker served, same host and port), or an allowed one.
 */
export function originAllowed(origin: string, host: string, allowed: AllowedOrigins): boolean {
  if (origin === '') return true;
  if (allowed.includes(ANY_ORIGIN)) return true;
  const normalized = normalizeOrigin(origin);
  if (normalized === undefined) return false;
  if (allowed.some((entry) => normalizeOrigin(entry) === normalized)) return true;
  // Same origin: the page came from this host and port. `null` and opaque origins never match a Host header.
  return (
    host !== '' && (normalized === `http://${host.toLowerCase()}` || normalized === `https://${host.toLowerCase()}`)
  );
}

/** `scheme://host[:port]` in lower case without a default port or trailing slash; undefined when not an origin. */
export function normalizeOrigin(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  return url.origin.toLowerCase();
}
