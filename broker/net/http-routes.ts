/** The broker's HTTP endpoints, served by uWS on the WebSocket port: /metrics, /healthz, /readyz, and the console. */
import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { ConsoleFiles } from './console-files.js';
import { bearerMatches } from './metrics-token.js';

/**
 * Every response closes its connection. uWS gives no way to close idle keep-alive connections at shutdown, and one
 * left by a scraper would keep the process alive until uWS's own HTTP idle timeout (about 10 s).
 */
const CLOSE_CONNECTION = true;

/** Prometheus exposition text, as prom-client's registry produces it. */
export type MetricsText = () => Promise<{ contentType: string; body: string }>;

export interface HttpRoutesOptions {
  readonly metricsText: MetricsText;
  /** Whether the broker is ready to serve clients (GET /readyz answers 200, else 503). */
  readonly isReady: () => boolean;
  /** Logs a failure to produce the metrics text. */
  readonly onError: (err: unknown) => void;
  /** GET /metrics needs `Authorization: Bearer <this>` (else 401); undefined: open. Health endpoints stay open. */
  readonly metricsToken?: string | undefined;
  /** The browser console's files, by URL path; undefined: `/` says the console is not built. */
  readonly console?: ConsoleFiles | undefined;
}

/**
 * Adds the routes to `app`; anything else answers 404. WebSocket upgrades on `/` are routed before these (uWS hands a
 * `GET /` without an upgrade on to the next route: the console's page).
 */
export function addHttpRoutes(app: TemplatedApp, options: HttpRoutesOptions): void {
  app.get('/metrics', (res, req) => {
    const { metricsToken } = options;
    // Headers can only be read now, before any asynchronous work.
    if (metricsToken !== undefined && !bearerMatches(req.getHeader('authorization'), metricsToken)) {
      res
        .writeStatus('401 Unauthorized')
        .writeHeader('WWW-Authenticate', 'Bearer')
        .writeHeader('Content-Type', 'text/plain')
        .end('a bearer token is required (--metrics-token-file)\n', CLOSE_CONNECTION);
      return;
    }
    serveMetrics(res, options);
  });
  app.get('/healthz', (res) => {
    res.writeHeader('Content-Type', 'text/plain').end('ok\n', CLOSE_CONNECTION);
  });
  app.get('/readyz', (res) => {
    if (options.isReady()) res.writeHeader('Content-Type', 'text/plain').end('ready\n', CLOSE_CONNECTION);
    else
      res
        .writeStatus('503 Service Unavailable')
        .writeHeader('Content-Type', 'text/plain')
        .end('not ready\n', CLOSE_CONNECTION);
  });
  for (const [url, file] of options.console ?? []) {
    app.get(url, (res) => {
      res.writeHeader('Content-Type', file.contentType).end(file.body, CLOSE_CONNECTION);
    });
  }
  if (options.console === undefined) {
    app.get('/', (res) => {
      res
        .writeStatus('404 Not Found')
        .writeHeader('Content-Type', 'text/plain')
        .end('the browser console is not built: run `make build` (or give --console-dir)\n', CLOSE_CONNECTION);
    });
  }
  app.any('/*', (res) => {
    res.writeStatus('404 Not Found').writeHeader('Content-Type', 'text/plain').end('not found\n', CLOSE_CONNECTION);
  });
}

function serveMetrics(res: HttpResponse, options: HttpRoutesOptions): void {
  // uWS requires an abort handler before any asynchronous work, and the response must not be used once aborted.
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  void options.metricsText().then(
    ({ contentType, body }) => {
      if (aborted) return;
      // Outside the route handler uWS is not corked: cork so status, headers and body leave in one write.
      res.cork(() => {
        res.writeStatus('200 OK').writeHeader('Content-Type', contentType).end(body, CLOSE_CONNECTION);
      });
    },
    (err: unknown) => {
      options.onError(err);
      if (aborted) return;
      res.cork(() => {
        res
          .writeStatus('500 Internal Server Error')
          .writeHeader('Content-Type', 'text/plain')
          .end('metrics failed\n', CLOSE_CONNECTION);
      });
    },
  );
}
