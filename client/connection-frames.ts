/**
 * Reads what a broker sends on a connection: decodes a frame and sorts it into a response, an error, a push, or
 * something to ignore. Pure; the connection decides what each means for its session.
 */
import {
  BrookError,
  ERROR_OP,
  PROTOCOL_VERSION,
  decodeFrame,
  opKind,
  pushes,
  wireError,
  type PushOf,
  type RequestOp,
} from '../protocol/index.js';

/** A push from the broker, its body parsed. */
export type IncomingPush =
  | { readonly op: 'deliver'; readonly body: PushOf<'deliver'> }
  | { readonly op: 'grant'; readonly body: PushOf<'grant'> }
  | { readonly op: 'subscriptionEnd'; readonly body: PushOf<'subscriptionEnd'> };

/** One frame from the broker, sorted. */
export type IncomingFrame =
  /** The response to a request; its body is parsed by whoever waits for it. */
  | { readonly kind: 'response'; readonly correlationId: number; readonly op: RequestOp; readonly body: unknown }
  /** An error response: for the request with `correlationId`, or for the whole connection when it is 0. */
  | { readonly kind: 'error'; readonly correlationId: number; readonly error: BrookError }
  | { readonly kind: 'push'; readonly push: IncomingPush }
  /** An op from a newer protocol revision, or one a broker does not send to clients. */
  | { readonly kind: 'ignored' }
  /** Bytes this client cannot read: the session cannot continue. */
  | { readonly kind: 'unreadable'; readonly error: BrookError };

/** Decodes and sorts one frame; never throws. */
export function readFrame(bytes: Uint8Array, maxFrameBytes: number): IncomingFrame {
  let correlationId: number;
  let op: number;
  let body: unknown;
  try {
    const frame = decodeFrame(bytes, maxFrameBytes);
    if (frame.version !== PROTOCOL_VERSION) {
      throw new BrookError('UNSUPPORTED_VERSION', `broker sent frame version ${String(frame.version)}`);
    }
    ({ correlationId, op, body } = frame);
  } catch (err: unknown) {
    return { kind: 'unreadable', error: BrookError.from(err) };
  }
  try {
    if (op === ERROR_OP) {
      return { kind: 'error', correlationId, error: BrookError.fromWire(wireError.parse(body, '')) };
    }
    const kind = opKind(op);
    if (kind?.kind === 'request') return { kind: 'response', correlationId, op: kind.op, body };
    if (kind?.kind === 'push') return { kind: 'push', push: readPush(kind.op, body) };
    return { kind: 'ignored' };
  } catch (err: unknown) {
    return { kind: 'unreadable', error: BrookError.from(err) };
  }
}

function readPush(op: IncomingPush['op'], body: unknown): IncomingPush {
  switch (op) {
    case 'deliver':
      return { op, body: pushes.deliver.body.parse(body, '') };
    case 'grant':
      return { op, body: pushes.grant.body.parse(body, '') };
    case 'subscriptionEnd':
      return { op, body: pushes.subscriptionEnd.body.parse(body, '') };
  }
}
