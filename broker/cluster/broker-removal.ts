/**
 * What removing a broker from the cluster takes (`brook broker remove`), decided before anything is proposed. Pure:
 * the controller gives it the metadata it holds and who is live.
 *
 * The metadata voters change one server at a time (Raft thesis §4.1), and only a leader can make the change: the
 * voters left must still hold a live majority, or the cluster would have no controller afterwards.
 */
import { BrookError } from '../../protocol/index.js';
import { hostsOf, type TopicRecord } from '../topics/topic-registry.js';
import type { PartitionMove } from './controller.js';
import { majorityOf, replaceReplica } from './placement.js';

/** Partitions named in a BROKER_HAS_REPLICAS message; the rest are counted. */
const NAMED_PARTITIONS = 10;

/** What the controller knows when asked to remove a broker. */
export interface RemovalView {
  /** The broker to remove. */
  readonly id: number;
  /** Move (or shrink) the partitions it hosts instead of refusing. */
  readonly force: boolean;
  /** Brokers replicas may be placed on (the removed ones left out). */
  readonly brokerIds: readonly number[];
  /** The metadata group's voters now. */
  readonly voters: readonly number[];
  /** Whether the broker was removed already (a repeated request only finishes the voter change). */
  readonly removed: boolean;
  readonly isLive: (id: number) => boolean;
  readonly topics: readonly TopicRecord[];
}

/**
 * The partition moves that take broker `id`'s replicas elsewhere (none without `force`). Throws UNKNOWN_BROKER,
 * WOULD_LOSE_QUORUM (the last voter, or the voters left would have no live majority) or BROKER_HAS_REPLICAS (it
 * hosts replicas and `force` is not set), naming what stands in the way.
 */
export function planBrokerRemoval(view: RemovalView): PartitionMove[] {
  const { id, voters } = view;
  const name = `broker ${String(id)}`;
  if (!view.brokerIds.includes(id) && !voters.includes(id)) {
    throw new BrookError('UNKNOWN_BROKER', `${name} is not a broker of the cluster [${view.brokerIds.join(',')}]`);
  }
  const remaining = voters.filter((v) => v !== id);
  if (voters.includes(id) && remaining.length === 0) {
    throw new BrookError('WOULD_LOSE_QUORUM', `${name} is the last metadata voter: the cluster cannot lose it`);
  }
  const live = remaining.filter(view.isLive);
  if (live.length < majorityOf(remaining.length)) {
    throw new BrookError(
      'WOULD_LOSE_QUORUM',
      `removing ${name} would leave metadata voters [${remaining.join(',')}] with ${String(live.length)} live, ` +
        `fewer than their majority of ${String(majorityOf(remaining.length))}: bring brokers back first`,
    );
  }
  if (view.removed) return [];
  const hosted = hostedBy(view.topics, id);
  if (hosted.length === 0) return [];
  if (!view.force) {
    const more = hosted.length - NAMED_PARTITIONS;
    throw new BrookError(
      'BROKER_HAS_REPLICAS',
      `${name} still hosts replicas of ${hosted.slice(0, NAMED_PARTITIONS).join(', ')}` +
        (more > 0 ? ` and ${String(more)} more partitions` : '') +
        ': move them off first (brook partition reassign), or --force for a dead broker',
    );
  }
  const others = view.brokerIds.filter((b) => b !== id);
  const moves: PartitionMove[] = [];
  for (const record of view.topics) {
    record.replicas.forEach((replicas, partition) => {
      // A partition whose only replica was on the removed broker has no copy left to move: it stays as it is
      // (offline; deleting the topic is the operator's call).
      if (!replicas.includes(id) || replicas.every((r) => r === id)) return;
      moves.push({
        topic: record.name,
        partition,
        replicas: replaceReplica(record.name, partition, replicas, id, others, view.isLive),
      });
    });
  }
  return moves;
}

/** `topic-partition` of every partition broker `id` hosts (as a replica, or as a replica a move is leaving). */
function hostedBy(topics: readonly TopicRecord[], id: number): string[] {
  const hosted: string[] = [];
  for (const record of topics) {
    for (let p = 0; p < record.partitions; p++) {
      if (hostsOf(record, p).includes(id)) hosted.push(`${record.name}-${String(p)}`);
    }
  }
  return hosted;
}
