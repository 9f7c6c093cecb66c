/**
 * Kafka listener metrics, in the broker's registry: requests, errors and latency per Kafka API, and open Kafka
 * connections. The `api` label is bounded by the APIs Brook knows (an unknown key is counted as `unknown`).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { REQUEST_DURATION_BUCKETS_SECONDS } from './broker-metrics.js';

export class KafkaMetrics {
  private readonly requests: Counter<'api'>;
  private readonly errors: Counter<'api' | 'code'>;
  private readonly duration: Histogram<'api'>;
  private readonly connections: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({
      name: 'brook_kafka_requests_total',
      help: 'Kafka protocol requests answered, by API (`unknown` for an API key Brook does not know).',
      labelNames: ['api'],
      registers,
    });
    this.errors = new Counter({
      name: 'brook_kafka_errors_total',
      help: 'Kafka error codes answered (each non-zero code of a response, per topic or partition), by API and code.',
      labelNames: ['api', 'code'],
      registers,
    });
    this.duration = new Histogram({
      name: 'brook_kafka_request_duration_seconds',
      help: 'Time from a Kafka request frame to its response, by API.',
      labelNames: ['api'],
      buckets: [...REQUEST_DURATION_BUCKETS_SECONDS],
      registers,
    });
    this.connections = new Gauge({
      name: 'brook_kafka_connections',
      help: 'Open connections on the Kafka listener.',
      registers,
    });
  }

  /** One request of `api` answered after `seconds`, with the non-zero error codes its answer carries. */
  answered(api: string, seconds: number, errorCodes: readonly number[]): void {
    this.requests.inc({ api });
    this.duration.observe({ api }, seconds);
    for (const code of errorCodes) this.errors.inc({ api, code: String(code) });
  }

  connectionOpened(): void {
    this.connections.inc();
  }

  connectionClosed(): void {
    this.connections.dec();
  }
}

/** Every non-zero `errorCode` in a response body, at any depth (top level, topics, partitions). */
export function errorCodesIn(body: unknown): number[] {
  const codes: number[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item);
    } else if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) {
      for (const [key, field] of Object.entries(value)) {
        if (key === 'errorCode' && typeof field === 'number' && field !== 0) codes.push(field);
        else walk(field);
      }
    }
  };
  walk(body);
  return codes;
}
