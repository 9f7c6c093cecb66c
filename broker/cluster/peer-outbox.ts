/**
 * Envelopes queued per peer between flushes, and how a flush cuts them into frames. Pure: no sockets, so the
 * coalescing rules are tested on their own.
 */
import { MessageType } from '../raft/messages.js';
import type { PeerEnvelope } from './peer-codec.js';

/**
 * Encoded bytes of a message without entries, with room to spare: its fields take ~60 bytes, a snapshot's voter
 * list a few more; the margin covers fields a newer broker adds and the small opaque payloads of the driver.
 */
const MESSAGE_BOUND_BYTES = 512;
/** Encoded bytes an entry takes besides its data: map header, four keys, two numbers, the type string, bin header. */
const ENTRY_BOUND_BYTES = 64;

/** An upper bound of the bytes `envelope` takes in an encoded frame (UTF-8 takes at most 3 bytes per UTF-16 unit). */
export function envelopeBoundBytes(envelope: PeerEnvelope): number {
  let bytes = MESSAGE_BOUND_BYTES + 5 + envelope.group.length * 3;
  const message = envelope.message;
  if ('kind' in message) return bytes;
  if (message.type === MessageType.Append) {
    for (const entry of message.entries) bytes += ENTRY_BOUND_BYTES + entry.data.byteLength;
  }
  return bytes;
}

/**
 * Cuts `envelopes` (in order) into as few frames as keep each frame's bound within `maxFrameBytes`. Normally that
 * is one frame; only a flush holding more than a frame's worth of appends needs several. An envelope too large
 * for any frame on its own goes in `oversized` instead (the receiver would refuse it and close the link).
 */
export function splitIntoFrames(
  envelopes: readonly PeerEnvelope[],
  maxFrameBytes: number,
): { frames: PeerEnvelope[][]; oversized: PeerEnvelope[] } {
  const frames: PeerEnvelope[][] = [];
  const oversized: PeerEnvelope[] = [];
  // The array header of a frame takes at most 5 bytes.
  const budgetBytes = maxFrameBytes - 5;
  let current: PeerEnvelope[] = [];
  let currentBytes = 0;
  for (const envelope of envelopes) {
    const bytes = envelopeBoundBytes(envelope);
    if (bytes > budgetBytes) {
      oversized.push(envelope);
      continue;
    }
    if (currentBytes + bytes > budgetBytes) {
      frames.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(envelope);
    currentBytes += bytes;
  }
  if (current.length > 0) frames.push(current);
  return { frames, oversized };
}

/** Per-peer queues of envelopes waiting for the next flush. */
export class PeerOutbox {
  private queues = new Map<number, PeerEnvelope[]>();

  /** Queues `envelope` for peer `to`, after everything queued for it before. */
  add(to: number, envelope: PeerEnvelope): void {
    const queue = this.queues.get(to);
    if (queue === undefined) this.queues.set(to, [envelope]);
    else queue.push(envelope);
  }

  /** Envelopes queued for all peers. */
  get size(): number {
    let n = 0;
    for (const queue of this.queues.values()) n += queue.length;
    return n;
  }

  /**
   * Hands over every non-empty queue and starts empty, so envelopes queued while the caller works through the
   * result (say, from a callback) wait for the next flush instead of changing what is being iterated.
   */
  takeAll(): Map<number, PeerEnvelope[]> {
    const taken = this.queues;
    this.queues = new Map();
    return taken;
  }
}
