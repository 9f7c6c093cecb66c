/**
 * Consumer-group administration: list, describe, delete groups and reset their committed offsets. Group requests go
 * to the group's coordinator (found with findCoordinator, retried on NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS);
 * listing asks every broker, since each one lists only the groups it coordinates.
 */
import { BrookError, type ResponseOf } from '../protocol/index.js';
import type { Cluster } from './cluster.js';
import type { Connection } from './connection.js';

type Described = ResponseOf<'describeGroups'>['groups'][number];

/** A group as {@link GroupAdmin.listGroups} reports it. */
export interface GroupListing {
  readonly groupId: string;
  /** 'empty' | 'stable' | 'reconciling'. */
  readonly state: string;
  readonly members: number;
  /** The broker that coordinates it. */
  readonly coordinatorId: number;
}

/** A member of a described group. */
export type GroupMemberDescription = Described['members'][number];

/** One partition of a described group: committed offset (-1: none), log end (high watermark) and lag. */
export interface GroupPartitionDescription {
  readonly topic: string;
  readonly partition: number;
  readonly committed: number;
  readonly logEndOffset: number;
  /** logEndOffset minus the committed offset (the whole log end when nothing is committed). */
  readonly lag: number;
  /** The member that owns it, or null. */
  readonly memberId: string | null;
}

/** A group's state, members and per-partition progress. */
export interface GroupDescription {
  readonly groupId: string;
  readonly state: string;
  readonly groupEpoch: number;
  readonly assignor: string;
  readonly members: readonly GroupMemberDescription[];
  readonly partitions: readonly GroupPartitionDescription[];
}

/** Where to move a group's offsets: the log start, the log end, the first record at a time (ms), or an offset. */
export type OffsetResetTarget = 'earliest' | 'latest' | { readonly timestamp: number } | { readonly offset: number };

/** Options of {@link GroupAdmin.resetOffsets}. */
export interface ResetOffsetsOptions {
  /** Work out the new offsets and resolve with them, without committing anything. Default false. */
  readonly dryRun?: boolean;
}

/** Looks up offsets of a topic's partitions (the Admin's listOffsets). */
export type ListOffsets = (
  topic: string,
  at: 'earliest' | 'latest' | { readonly timestamp: number },
  partitions?: readonly number[],
) => Promise<readonly { partition: number; offset: number }[]>;

export class GroupAdmin {
  constructor(
    private readonly cluster: Cluster,
    private readonly listOffsets: ListOffsets,
  ) {}

  /** Every group of the cluster (each broker asked for the groups it coordinates), sorted by id. */
  async listGroups(): Promise<GroupListing[]> {
    const metadata = await this.cluster.refresh([]);
    const answers = await Promise.all(
      metadata.brokers.map(async (b) => {
        try {
          const r = await this.cluster.connectionFor(b.id).request('listGroups', {});
          return r.groups.map((g) => ({ ...g, coordinatorId: b.id }));
        } catch {
          return [];
        }
      }),
    );
    const byId = new Map<string, GroupListing>();
    for (const g of answers.flat()) byId.set(g.groupId, g);
    return [...byId.values()].sort((a, b) => (a.groupId < b.groupId ? -1 : 1));
  }

  /**
   * A group's members, assignment and, per partition, committed offset, log end and lag. Rejects with
   * UNKNOWN_GROUP. Where the coordinator does not host a partition (log end -1), the partition's leader is asked.
   */
  async describeGroup(groupId: string): Promise<GroupDescription> {
    // A per-group NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS is thrown inside, so that it is retried.
    const group = await this.onCoordinator(groupId, async (c) => {
      const found = (await c.request('describeGroups', { groupIds: [groupId] })).groups[0];
      if (found === undefined) throw new BrookError('UNKNOWN_GROUP', `group '${groupId}' does not exist`);
      if (found.error !== undefined) throw BrookError.fromWire(found.error);
      return found;
    });
    const partitions = await Promise.all(
      group.offsets.map(async (o): Promise<GroupPartitionDescription> => {
        if (o.logEndOffset >= 0) return o;
        const [found] = await this.listOffsets(o.topic, 'latest', [o.partition]);
        const logEndOffset = found?.offset ?? -1;
        return {
          ...o,
          logEndOffset,
          lag: logEndOffset < 0 ? -1 : Math.max(0, logEndOffset - Math.max(0, o.committed)),
        };
      }),
    );
    return {
      groupId: group.groupId,
      state: group.state,
      groupEpoch: group.groupEpoch,
      assignor: group.assignor,
      members: group.members,
      partitions,
    };
  }

  /** Deletes groups without members, with their offsets; a result per group (GROUP_NOT_EMPTY, UNKNOWN_GROUP). */
  async deleteGroups(groupIds: readonly string[]): Promise<{ groupId: string; error?: BrookError }[]> {
    return Promise.all(
      groupIds.map(async (groupId) => {
        try {
          await this.onCoordinator(groupId, async (c) => {
            const error = (await c.request('deleteGroups', { groupIds: [groupId] })).results[0]?.error;
            if (error !== undefined) throw BrookError.fromWire(error);
          });
          return { groupId };
        } catch (err) {
          return { groupId, error: BrookError.from(err) };
        }
      }),
    );
  }

  /** Committed offsets of a group: every partition with a commit. */
  async committedOffsets(groupId: string): Promise<ResponseOf<'fetchOffsets'>['offsets']> {
    return (await this.onCoordinator(groupId, (c) => c.request('fetchOffsets', { groupId }))).offsets;
  }

  /**
   * Moves a group's committed offsets on every partition of `topic` (an admin commit: the group must have no
   * members, else GROUP_NOT_EMPTY). Resolves with the offsets committed, or with `dryRun` with the offsets it would
   * commit, committing nothing.
   */
  async resetOffsets(
    groupId: string,
    topic: string,
    to: OffsetResetTarget,
    options: ResetOffsetsOptions = {},
  ): Promise<{ partition: number; offset: number }[]> {
    let offsets: { partition: number; offset: number }[];
    if (typeof to === 'object' && 'offset' in to) {
      // Clamped into [log start, log end] of each partition, as Kafka's tool does: a position outside the log would
      // send the group back to its offsetReset (the whole partition again, with 'earliest').
      const [starts, ends] = await Promise.all([
        this.listOffsets(topic, 'earliest'),
        this.listOffsets(topic, 'latest'),
      ]);
      offsets = starts.map((start) => {
        const end = ends.find((e) => e.partition === start.partition)?.offset ?? start.offset;
        return { partition: start.partition, offset: Math.min(Math.max(to.offset, start.offset), end) };
      });
    } else {
      offsets = (await this.listOffsets(topic, to)).map((p) => ({ partition: p.partition, offset: p.offset }));
    }
    offsets.sort((a, b) => a.partition - b.partition);
    if (options.dryRun === true) return offsets;
    const response = await this.onCoordinator(groupId, (c) =>
      c.request('commitOffsets', {
        groupId,
        memberId: '',
        memberEpoch: -1,
        offsets: offsets.map((o) => ({ topic, partition: o.partition, offset: o.offset })),
      }),
    );
    const failed = response.results.find((r) => r.error !== undefined)?.error;
    if (failed !== undefined) throw BrookError.fromWire(failed);
    return offsets;
  }

  /** Runs `send` on the group's coordinator, finding it again after retriable errors until the request timeout. */
  private onCoordinator<R>(groupId: string, send: (connection: Connection) => Promise<R>): Promise<R> {
    const deadlineMs = this.cluster.options.clock.nowMs() + this.cluster.options.requestTimeoutMs;
    return this.cluster.retry(async () => send(await this.cluster.coordinatorConnection(groupId)), { deadlineMs });
  }
}
