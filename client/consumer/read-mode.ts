/**
 * How a consumer's partitions come to it, as a strategy: assigned by the application ({@link AssignedMode}, assign())
 * or granted by a consumer group ({@link GroupMode}, subscribe()). The consumer calls the same hooks either way;
 * only a group keeps track of what the application holds, commits and leaves.
 */
import { BrookError } from '../../protocol/index.js';
import type { PartitionStream } from './partition-stream.js';

/** What the consumer tells its mode, and asks of it. */
export interface ReadMode<T> {
  /** `'assign'`: partitions the application assigned; `'group'`: partitions a group granted. */
  readonly kind: 'assign' | 'group';
  /** This member's id in its group ('' outside a group, or before it joined). */
  readonly memberId: string;
  /** The application asks for a record or a batch: what it took before is finished. */
  asked(): void;
  /** `stream` handed records to the application. */
  handedOut(stream: PartitionStream<T>): void;
  /** Commits the positions after the records handed out. */
  commit(): Promise<void>;
  /** The consumer closes: the application holds nothing any more; a group commits and leaves. */
  close(): Promise<void>;
}

/** Partitions the application assigned: nothing to track, commit or leave. */
export class AssignedMode<T> implements ReadMode<T> {
  readonly kind = 'assign';
  readonly memberId = '';

  asked(): void {
    // Nobody waits on what an assigned consumer holds.
  }

  handedOut(): void {
    // Positions are the application's to keep: nothing is committed for it.
  }

  commit(): Promise<void> {
    return Promise.reject(new BrookError('INVALID_REQUEST', 'commit() needs subscribe()'));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
