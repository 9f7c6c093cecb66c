/** HTTP(S) for tests: GET a broker endpoint and read Prometheus samples from /metrics. */
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** A response: status, content type ('' without the header) and body text. */
export interface HttpResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/**
 * GET `http://127.0.0.1:<port><path>` on a fresh connection (no keep-alive: nothing outlives the call) with
 * `headers`; with `ca` (PEM), `https://` trusting that CA.
 */
export function httpGet(
  port: number,
  path: string,
  timeoutMs = 10_000,
  ca?: Buffer,
  headers: Readonly<Record<string, string>> = {},
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const options = { host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs, headers };
    const send = ca === undefined ? request : httpsRequest;
    const req = send(ca === undefined ? options : { ...options, ca }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'] ?? '', body });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out after ${String(timeoutMs)} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * The sum of the samples of metric `name` in Prometheus text whose labels include every pair of `labels`
 * (0 when there is none). Summing lets a test read a per-topic counter without knowing every label.
 */
export function metricSum(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match?.[1] !== name || match[3] === undefined) continue;
    const labelText = match[2] ?? '';
    const matches = Object.entries(labels).every(([key, value]) => labelText.includes(`${key}="${value}"`));
    if (matches) sum += Number(match[3]);
  }
  return sum;
}

/** GET /metrics and {@link metricSum} of `name`. */
export async function scrapeMetric(
  port: number,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<number> {
  const response = await httpGet(port, '/metrics');
  if (response.status !== 200) throw new Error(`GET /metrics answered ${String(response.status)}`);
  return metricSum(response.body, name, labels);
}
