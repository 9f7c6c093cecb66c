/**
 * Asks the controller to create the `__offsets` topic when the first group request reaches a broker that is not
 * the controller: one short-lived client connection to the controller's client port (hello, createTopics, close).
 * The controller's createTopics handler replaces whatever spec asks for `__offsets` with its own.
 */
import { connect } from 'node:net';
import type { TopicSpec } from '../cluster/topic-config.js';
import {
  BrookError,
  decodeFrame,
  encodeFrame,
  ERROR_OP,
  LengthPrefixSplitter,
  requests,
  type Frame,
} from '../protocol/index.js';

/** Where and as whom to connect. */
export interface ForwardTarget {
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
}

/** Sends createTopics for `spec` to `target`; resolves once it answered (TOPIC_EXISTS counts as done). */
export function forwardCreateTopic(target: ForwardTarget, spec: TopicSpec, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const socket = connect(target.port, target.host);
    const splitter = new LengthPrefixSplitter(8 * 1024 * 1024);
    const timer = setTimeout(() => {
      finish(new BrookError('REQUEST_TIMED_OUT', 'the controller did not answer createTopics in time'));
    }, timeoutMs);
    timer.unref();
    const finish = (err: Error | null): void => {
      clearTimeout(timer);
      socket.destroy();
      if (err === null) resolve();
      else reject(err);
    };
    socket.on('error', (err) => {
      finish(err);
    });
    socket.on('connect', () => {
      const hello: Record<string, unknown> = { protocolVersion: 1, clientId: 'brook-broker' };
      if (target.username !== undefined) hello.username = target.username;
      if (target.password !== undefined) hello.password = target.password;
      socket.write(encodeFrame(requests.hello.code, 1, hello, true));
      const body = { topics: [{ ...spec, config: { ...spec.config } }] };
      socket.write(encodeFrame(requests.createTopics.code, 2, body, true));
    });
    socket.on('data', (chunk: Buffer) => {
      let frames: Uint8Array[];
      try {
        frames = splitter.push(chunk);
      } catch (err) {
        finish(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      for (const bytes of frames) {
        const frame: Frame = decodeFrame(bytes, 8 * 1024 * 1024);
        if (frame.op === ERROR_OP) {
          finish(new BrookError('UNKNOWN', `controller refused: ${JSON.stringify(frame.body)}`));
          return;
        }
        if (frame.correlationId === 2) {
          finish(null);
          return;
        }
      }
    });
  });
}
