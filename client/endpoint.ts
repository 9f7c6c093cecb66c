/**
 * Where a broker listens. Bootstrap strings are `host:port` (TCP), `tls://host:port` (TCP with TLS), or
 * `ws://host:port[/path]` / `wss://...` (WebSocket). Other brokers learnt from metadata are reached with the same
 * transport (and TLS or not) as the bootstrap.
 */
/** A TCP endpoint. */
export interface TcpEndpoint {
  readonly kind: 'tcp';
  readonly host: string;
  readonly port: number;
  /** Whether the connection runs TLS (`tls://`). */
  readonly tls: boolean;
}

/** The scheme of a TCP endpoint with TLS. */
const TLS_SCHEME = /^tls:\/\//i;

/** A WebSocket endpoint. */
export interface WebSocketEndpoint {
  readonly kind: 'ws';
  /** `ws://` or `wss://` URL. */
  readonly url: string;
}

export type Endpoint = TcpEndpoint | WebSocketEndpoint;

/** Parses one bootstrap string. Throws a TypeError for a malformed one. */
export function parseEndpoint(text: string): Endpoint {
  const trimmed = text.trim();
  if (/^wss?:\/\//i.test(trimmed)) {
    let url: URL;
    try {
      url = new URL(trimmed);
    } catch {
      throw new TypeError(`bootstrap: invalid WebSocket URL ${JSON.stringify(text)}`);
    }
    return { kind: 'ws', url: url.toString() };
  }
  const tls = TLS_SCHEME.test(trimmed);
  // host:port, with IPv6 hosts in brackets: [::1]:9092
  const match = /^(?:\[([^\]]+)\]|([^:/\s]+)):(\d{1,5})$/.exec(trimmed.replace(TLS_SCHEME, ''));
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TypeError(
      `bootstrap: expected host:port, tls://host:port, ws://host:port or wss://host:port, got ${JSON.stringify(text)}`,
    );
  }
  return { kind: 'tcp', host, port, tls };
}

/** Parses the `bootstrap` option: one string, a comma-separated string, or a list. */
export function parseBootstrap(bootstrap: string | readonly string[]): Endpoint[] {
  const items = typeof bootstrap === 'string' ? bootstrap.split(',') : bootstrap;
  const endpoints = items.filter((item) => item.trim() !== '').map(parseEndpoint);
  if (endpoints.length === 0) throw new TypeError('bootstrap: no broker address given');
  return endpoints;
}

/** The endpoint of a broker from metadata, reached the way `like` was (TCP port, or the same ws URL scheme/path). */
export function brokerEndpoint(broker: { host: string; port: number; wsPort: number }, like: Endpoint): Endpoint {
  if (like.kind === 'tcp') return { kind: 'tcp', host: broker.host, port: broker.port, tls: like.tls };
  const url = new URL(like.url);
  url.hostname = broker.host.includes(':') ? `[${broker.host}]` : broker.host;
  url.port = String(broker.wsPort);
  return { kind: 'ws', url: url.toString() };
}

/** A readable name for logs and errors. */
export function endpointName(endpoint: Endpoint): string {
  if (endpoint.kind === 'ws') return endpoint.url;
  const address = endpoint.host.includes(':')
    ? `[${endpoint.host}]:${String(endpoint.port)}`
    : `${endpoint.host}:${String(endpoint.port)}`;
  return endpoint.tls ? `tls://${address}` : address;
}
