/** The broker's structured logger: pino, JSON lines on stdout. */
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger } from 'pino';

/**
 * A pino logger at `level`, tagged with the broker id so logs of several brokers in one process stay apart.
 * Writes are synchronous: the broker logs rarely (never per request), and pino's asynchronous stdout retries a
 * failed write forever at exit, so a broker whose log reader had gone (`brook broker | head -1`) never stopped.
 * If stdout is gone, log lines are dropped rather than taking the broker down.
 */
export function createLogger(level: LogLevel, brokerId: number): Logger {
  const stdout = pino.destination({ dest: 1, sync: true });
  stdout.on('error', () => undefined);
  return pino({ level, base: { brokerId } }, stdout);
}
