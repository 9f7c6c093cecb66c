/** The broker's structured logger: pino, JSON lines on stdout. */
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger } from 'pino';

/** A pino logger at `level`, tagged with the broker id so logs of several brokers in one process stay apart. */
export function createLogger(level: LogLevel, brokerId: number): Logger {
  return pino({ level, base: { brokerId } });
}
