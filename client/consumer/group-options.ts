/** Consumer-group options of a consumer (used by subscribe()), their defaults and validation. */
import { ASSIGNORS, GROUP_ID, type AssignorName } from '../../protocol/index.js';
import { positive } from '../options.js';
import type { TopicPartition } from './partition-stream.js';

/** What {@link GroupOptions.onRevoked} is told besides the partitions. */
export interface RevokeInfo {
  /**
   * True when the partitions were lost rather than handed over: the member was fenced or expired, or left because
   * the application stopped taking records. Nothing was committed for them, and another member may already own them.
   */
  readonly lost: boolean;
}

/** Options of a consumer that joins a group with subscribe(). */
export interface GroupOptions {
  /** The consumer group to join on subscribe() (Kafka's group.id). Required for subscribe(). */
  readonly groupId?: string;
  /**
   * A stable id of this consumer instance across restarts (static membership, Kafka's group.instance.id): an instance
   * that comes back within sessionTimeoutMs, after a close() or a crash, gets its partitions back without a rebalance
   * (close() leaves with epoch -2, keep my partitions, instead of -1). Two live consumers must not share one: the
   * later one takes the slot over. Default: none (dynamic member).
   */
  readonly groupInstanceId?: string;
  /** Silence after which the coordinator expires the member, in ms (1 000 to 300 000). Default 45 000. */
  readonly sessionTimeoutMs?: number;
  /**
   * Longest the member may take to release a revoked partition before the coordinator expires it, in ms (1 000 to
   * 600 000): the application finishing the record in hand (a revocation waits until it asks for the next one),
   * onRevoked, and the commit. Default 60 000.
   */
  readonly rebalanceTimeoutMs?: number;
  /**
   * Longest the application may go without asking for a record (Kafka's max.poll.interval.ms), in ms. Past it the
   * member leaves the group on its own, so that its partitions move to members that make progress; it rejoins when
   * the application asks for the next record. Waiting in the iterator for records that do not come is not a delay.
   * Heartbeats run on their own timer, so a slow handler never expires the session below this bound. Default 300 000.
   */
  readonly maxPollIntervalMs?: number;
  /** How the group spreads partitions over members; the group uses its first member's choice. Default `'sticky'`. */
  readonly assignor?: AssignorName;
  /**
   * Commit positions automatically: every autoCommitIntervalMs, when partitions are revoked, and on close().
   * Auto-commit covers records the application has finished, i.e. it asked for the next record (or batch) since it
   * took them. Default true.
   */
  readonly autoCommit?: boolean;
  /** Interval of automatic commits, in ms. Default 5 000. */
  readonly autoCommitIntervalMs?: number;
  /**
   * Called when partitions are granted, before their records are read (position: the group's committed offset, else
   * `offsetReset`). A returned promise is awaited first. Errors go to the iterator.
   */
  readonly onAssigned?: (partitions: readonly TopicPartition[]) => void | Promise<void>;
  /**
   * Called when partitions are taken away: after their last record was handed out and the application asked for the
   * next one, before their offsets are auto-committed and the release is reported to the group (a returned promise
   * is awaited first, so a commit() inside it still counts). Also called with `lost: true` (see {@link RevokeInfo}).
   * Errors go to the iterator.
   */
  readonly onRevoked?: (partitions: readonly TopicPartition[], info: RevokeInfo) => void | Promise<void>;
}

/** Resolved group settings. */
export interface ResolvedGroupOptions {
  readonly groupId: string | undefined;
  readonly groupInstanceId: string | undefined;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly maxPollIntervalMs: number;
  readonly assignor: AssignorName;
  readonly autoCommit: boolean;
  readonly autoCommitIntervalMs: number;
  readonly onAssigned: GroupOptions['onAssigned'];
  readonly onRevoked: GroupOptions['onRevoked'];
}

const ASSIGNOR_NAMES: readonly string[] = ASSIGNORS;

export function resolveGroupOptions(options: GroupOptions): ResolvedGroupOptions {
  const { groupId, groupInstanceId } = options;
  // Checked at run time too: options often come from JavaScript or config files.
  if (groupId !== undefined && !GROUP_ID.test(groupId)) {
    throw new RangeError(`groupId must be 1 to 255 of [a-zA-Z0-9._-], got ${JSON.stringify(groupId)}`);
  }
  if (groupInstanceId !== undefined && !GROUP_ID.test(groupInstanceId)) {
    throw new RangeError(`groupInstanceId must be 1 to 255 of [a-zA-Z0-9._-], got ${JSON.stringify(groupInstanceId)}`);
  }
  const assignor = options.assignor ?? 'sticky';
  if (!ASSIGNOR_NAMES.includes(assignor)) {
    throw new RangeError(`assignor must be one of ${ASSIGNORS.join(', ')}, got ${JSON.stringify(assignor)}`);
  }
  return Object.freeze({
    groupId,
    groupInstanceId,
    sessionTimeoutMs: within('sessionTimeoutMs', options.sessionTimeoutMs, 45_000, 1_000, 300_000),
    rebalanceTimeoutMs: within('rebalanceTimeoutMs', options.rebalanceTimeoutMs, 60_000, 1_000, 600_000),
    maxPollIntervalMs: positive('maxPollIntervalMs', options.maxPollIntervalMs, 300_000),
    assignor,
    autoCommit: options.autoCommit ?? true,
    autoCommitIntervalMs: positive('autoCommitIntervalMs', options.autoCommitIntervalMs, 5_000),
    onAssigned: options.onAssigned,
    onRevoked: options.onRevoked,
  });
}

function within(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const n = Math.floor(positive(name, value, fallback));
  if (n < min || n > max) throw new RangeError(`${name} must be ${String(min)} to ${String(max)}, got ${String(n)}`);
  return n;
}
