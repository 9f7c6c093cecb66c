/**
 * rabbitmq-stream-js-client 0.6 always sends ExchangeCommandVersions (stream protocol command 0x1b, added in
 * RabbitMQ 3.11) while opening a connection. RabbitMQ 3.10 (Debian bookworm's package) does not know it and answers
 * with a Close the client cannot parse, which throws inside a socket handler and kills the process. For servers
 * older than 3.11 this skips the exchange, as the server has nothing to declare: the client then uses the
 * version-1 commands, which is all 3.10 speaks.
 */
import { createRequire } from 'node:module';
import {
  ConsumerCreditPolicy,
  type CreditRequestWrapper,
} from 'rabbitmq-stream-js-client/dist/consumer_credit_policy.js';

const require = createRequire(import.meta.url);
let patched = false;

/** True for a RabbitMQ version string older than 3.11 ("3.10.8" yes, "3.13.1" no). */
export function predatesCommandVersions(version: string): boolean {
  const match = /^(\d+)\.(\d+)\./.exec(version);
  if (match === null) return false;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  return major < 3 || (major === 3 && minor < 11);
}

/** Installs the skip once per process (idempotent). */
export function allowPre311Servers(): void {
  if (patched) return;
  patched = true;
  const loaded: unknown = require('rabbitmq-stream-js-client/dist/connection.js');
  const connectionClass: unknown =
    typeof loaded === 'object' && loaded !== null ? Reflect.get(loaded, 'Connection') : undefined;
  const proto: unknown = typeof connectionClass === 'function' ? Reflect.get(connectionClass, 'prototype') : undefined;
  const original: unknown =
    typeof proto === 'object' && proto !== null ? Reflect.get(proto, 'exchangeCommandVersions') : undefined;
  if (typeof proto !== 'object' || proto === null || typeof original !== 'function') {
    throw new Error('rabbitmq-stream-js-client changed: Connection.prototype.exchangeCommandVersions not found');
  }
  Reflect.set(proto, 'exchangeCommandVersions', function exchangeCommandVersions(this: object): unknown {
    const version: unknown = Reflect.get(this, 'rabbitManagementVersion');
    if (typeof version === 'string' && predatesCommandVersions(version)) return Promise.resolve(true);
    const result: unknown = Reflect.apply(original, this, []);
    return result;
  });
}

/**
 * Consumer credit as the RabbitMQ Java client grants it by default: the constructor's number of chunks up front, one more as
 * each chunk arrives. (This client's default grants one chunk at a time after the previous one is handled, so a
 * tail of many small chunks waits a credit round trip per chunk.) Chunks still arrive and are handled in order, as
 * the handlers here are synchronous.
 *
 * It also has an off switch: the client keeps asking for credit while it closes, and a credit request written to
 * a connection that has just ended rejects a promise nobody handles, which ends the process. Once stopped, no more
 * credit is asked for and a failed request is ignored.
 */
export class StoppableCredit extends ConsumerCreditPolicy {
  private stopped = false;

  override async onChunkReceived(requestWrapper: CreditRequestWrapper): Promise<void> {
    if (this.stopped) return;
    await requestWrapper(1).catch((err: unknown) => {
      if (!this.stopped) throw err;
    });
  }

  stop(): void {
    this.stopped = true;
  }
}
