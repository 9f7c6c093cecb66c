/**
 * The group coordinator's pure core: every group of one `__offsets` partition, and the rules of joining,
 * heartbeating, leaving, expiry, fencing and commits. No I/O and no clock: callers pass `nowMs` and persist what
 * {@link GroupCoordinator.snapshot} returns for the groups an operation changed (group-service.ts does both).
 */
import {
  BrookError,
  MemberEpoch,
  partitionKey,
  splitPartitionKey,
  type RequestOf,
  type ResponseOf,
} from '../../protocol/index.js';
import { DEFAULT_ASSIGNOR } from './assignor.js';
import {
  groupState,
  holders,
  newGroup,
  type CommittedOffset,
  type Group,
  type GroupStateName,
  type Member,
} from './group-state.js';
import { bumpEpoch, metadataKeyOf, reconcile } from './reconcile.js';
import { compareKeys, fromTopicPartitions, toTopicPartitions } from './topic-partition.js';
import { TopicPattern } from './topic-pattern.js';

type HeartbeatRequest = RequestOf<'groupHeartbeat'>;
type HeartbeatResponse = ResponseOf<'groupHeartbeat'>;
type CommitRequest = RequestOf<'commitOffsets'>;
type CommitResult = ResponseOf<'commitOffsets'>['results'][number];
type OffsetToCommit = CommitRequest['offsets'][number];
type DescribedGroup = ResponseOf<'describeGroups'>['groups'][number];

/** Settings of a coordinator. */
export interface CoordinatorOptions {
  /** A fresh member id (the service passes random UUIDs; tests a counter). */
  readonly nextMemberId: () => string;
  /** How often members are told to heartbeat, in ms. */
  readonly heartbeatIntervalMs: number;
  /** Session timeout of members that do not send one, in ms. Default 45 000. */
  readonly defaultSessionTimeoutMs?: number;
  /** Rebalance timeout of members that do not send one, in ms. Default 60 000. */
  readonly defaultRebalanceTimeoutMs?: number;
  /** Told each time a group's epoch moves on (a rebalance). */
  readonly onRebalance?: (groupId: string) => void;
}

/** What a commit check decided: per-partition results, and the offsets to persist and then apply. */
export interface CommitCheck {
  readonly results: CommitResult[];
  readonly accepted: OffsetToCommit[];
}

/** A partition of a described group, before the service adds log end offsets. */
export type DescribedPartition = Omit<DescribedGroup['offsets'][number], 'logEndOffset' | 'lag'>;

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private topics: ReadonlyMap<string, number> = new Map();
  private readonly sessionTimeoutMs: number;
  private readonly rebalanceTimeoutMs: number;

  constructor(private readonly options: CoordinatorOptions) {
    this.sessionTimeoutMs = options.defaultSessionTimeoutMs ?? 45_000;
    this.rebalanceTimeoutMs = options.defaultRebalanceTimeoutMs ?? 60_000;
  }

  /** Ids of the groups held. */
  groupIds(): string[] {
    return [...this.groups.keys()].sort();
  }

  /** The group, for persistence and tests (null when unknown). */
  group(groupId: string): Group | null {
    return this.groups.get(groupId) ?? null;
  }

  /**
   * Puts a loaded group in place (replacing any), with fresh sessions from `nowMs`. Returns whether it rebalanced:
   * its subscribed topics changed since it was written.
   */
  restore(group: Group, nowMs: number): boolean {
    for (const m of group.members.values()) {
      m.sessionDeadlineMs = nowMs + m.sessionTimeoutMs;
      m.revokeDeadlineMs = m.revoking.size > 0 ? nowMs + m.rebalanceTimeoutMs : null;
      m.lastSent = null;
    }
    this.groups.set(group.groupId, group);
    // Topics may have changed since the group was written (created, deleted, repartitioned during a failover).
    if (group.members.size === 0 || metadataKeyOf(group, this.topics) === group.metadataKey) return false;
    this.bump(group);
    return true;
  }

  /**
   * The topics that exist, with their partition counts. Groups whose subscribed topics changed (created, deleted,
   * repartitioned, newly matched by a pattern) rebalance; returns their ids.
   */
  setTopics(topics: ReadonlyMap<string, number>): string[] {
    // The service hands over a new map only when topics changed.
    if (topics === this.topics) return [];
    this.topics = topics;
    const changed: string[] = [];
    for (const group of this.groups.values()) {
      if (group.members.size === 0 || metadataKeyOf(group, topics) === group.metadataKey) continue;
      this.bump(group);
      changed.push(group.groupId);
    }
    return changed;
  }

  /** Handles a heartbeat (join, keep-alive, report, leave); throws BrookError for the errors of section 17. */
  heartbeat(request: HeartbeatRequest, nowMs: number): HeartbeatResponse {
    const { memberEpoch } = request;
    if (memberEpoch === MemberEpoch.LEAVE || memberEpoch === MemberEpoch.LEAVE_STATIC)
      return this.leave(request, nowMs);
    // Refused before anything changes; throws INVALID_REQUEST saying why.
    if (request.subscribedPattern !== undefined) TopicPattern.compile(request.subscribedPattern);
    const { group, member } = memberEpoch === MemberEpoch.JOIN ? this.join(request, nowMs) : this.find(request);
    member.sessionDeadlineMs = nowMs + member.sessionTimeoutMs;
    if (request.owned !== undefined) {
      const owned = fromTopicPartitions(request.owned);
      for (const key of member.revoking) if (!owned.has(key)) member.revoking.delete(key);
    }
    reconcile(group, member, nowMs);
    const keys = [...member.assigned].sort(compareKeys);
    const sent = keys.join(',');
    const ownedDiffers = request.owned !== undefined && !sameKeys(fromTopicPartitions(request.owned), member.assigned);
    const send = memberEpoch === MemberEpoch.JOIN || sent !== member.lastSent || ownedDiffers;
    member.lastSent = sent;
    return {
      memberId: member.memberId,
      memberEpoch: member.memberEpoch,
      // A member whose session is shorter than three intervals would expire between heartbeats.
      heartbeatIntervalMs: Math.min(this.options.heartbeatIntervalMs, Math.floor(member.sessionTimeoutMs / 3)),
      assignment: send ? toTopicPartitions(keys) : null,
    };
  }

  /** Expires members whose session or rebalance timeout passed; returns the ids of the groups that changed. */
  tick(nowMs: number): string[] {
    const changed: string[] = [];
    for (const group of this.groups.values()) {
      let expired = false;
      for (const m of [...group.members.values()]) {
        const revokeLate = m.revokeDeadlineMs !== null && m.revoking.size > 0 && nowMs >= m.revokeDeadlineMs;
        if (nowMs >= m.sessionDeadlineMs || revokeLate) {
          this.removeMember(group, m.memberId);
          expired = true;
        }
      }
      if (expired) {
        this.bump(group);
        changed.push(group.groupId);
      }
    }
    return changed;
  }

  /**
   * Checks a commit without applying it: per partition, unknown topics and partitions, and the fencing rules (an
   * admin commit, epoch -1, only while the group has no members; a member's commit with its current epoch, or its
   * previous one for partitions it still holds).
   */
  checkCommit(request: CommitRequest): CommitCheck {
    const group = this.groups.get(request.groupId);
    const groupError = this.commitError(request, group);
    const results: CommitResult[] = [];
    const accepted: OffsetToCommit[] = [];
    const held = group === undefined ? new Map<string, string>() : holders(group);
    for (const entry of request.offsets) {
      const { topic, partition } = entry;
      let error: BrookError | null = groupError;
      const count = this.topics.get(topic);
      if (error === null && count === undefined)
        error = new BrookError('UNKNOWN_TOPIC', `topic '${topic}' does not exist`);
      if (error === null && count !== undefined && partition >= count) {
        error = new BrookError('UNKNOWN_PARTITION', `topic '${topic}' has no partition ${String(partition)}`);
      }
      if (error === null && request.memberEpoch !== MemberEpoch.LEAVE && group !== undefined) {
        const member = group.members.get(request.memberId);
        const current = member?.memberEpoch === request.memberEpoch;
        const previous =
          member?.previousMemberEpoch === request.memberEpoch &&
          held.get(partitionKey(topic, partition)) === request.memberId;
        if (!current && !previous) {
          error = new BrookError(
            'FENCED_MEMBER_EPOCH',
            `epoch ${String(request.memberEpoch)} is not the current epoch of member ${request.memberId}`,
          );
        }
      }
      if (error === null) {
        accepted.push(entry);
        results.push({ topic, partition });
      } else {
        results.push({ topic, partition, error: error.toWire() });
      }
    }
    return { results, accepted };
  }

  /** Applies offsets {@link checkCommit} accepted (after they were persisted). */
  applyCommit(groupId: string, offsets: readonly OffsetToCommit[]): void {
    const group = this.getOrCreate(groupId, DEFAULT_ASSIGNOR);
    for (const o of offsets) {
      group.offsets.set(partitionKey(o.topic, o.partition), { offset: o.offset, metadata: o.metadata ?? '' });
    }
  }

  /** Committed offsets: of the given partitions (-1 where none), or all of the group's. */
  fetchOffsets(request: RequestOf<'fetchOffsets'>): ResponseOf<'fetchOffsets'> {
    const group = this.groups.get(request.groupId);
    const committed = group?.offsets ?? new Map<string, CommittedOffset>();
    const keys =
      request.partitions === undefined
        ? [...committed.keys()].sort(compareKeys)
        : [...fromTopicPartitions(request.partitions)];
    return {
      offsets: keys.map((key) => {
        const { topic, partition } = splitPartitionKey(key);
        const found = committed.get(key);
        return { topic, partition, offset: found?.offset ?? -1, metadata: found?.metadata ?? '' };
      }),
    };
  }

  /** Deletes a group with no members (and its offsets); throws UNKNOWN_GROUP or GROUP_NOT_EMPTY. */
  deleteGroup(groupId: string): void {
    const group = this.groups.get(groupId);
    if (group === undefined) throw new BrookError('UNKNOWN_GROUP', `group '${groupId}' does not exist`);
    if (group.members.size > 0) {
      throw new BrookError('GROUP_NOT_EMPTY', `group '${groupId}' has ${String(group.members.size)} members`);
    }
    this.groups.delete(groupId);
  }

  /** Every group with its state and member count. */
  list(): { groupId: string; state: GroupStateName; members: number }[] {
    return this.groupIds().map((groupId) => {
      const group = this.groups.get(groupId);
      return { groupId, state: group === undefined ? 'dead' : groupState(group), members: group?.members.size ?? 0 };
    });
  }

  /** A group's members and partitions (committed offset, owner); null when the group does not exist. */
  describe(groupId: string): (Omit<DescribedGroup, 'offsets'> & { offsets: DescribedPartition[] }) | null {
    const group = this.groups.get(groupId);
    if (group === undefined) return null;
    const owners = new Map<string, string>();
    for (const m of group.members.values()) for (const key of m.assigned) owners.set(key, m.memberId);
    const keys = [...new Set([...group.offsets.keys(), ...owners.keys()])].sort(compareKeys);
    return {
      groupId,
      state: groupState(group),
      groupEpoch: group.groupEpoch,
      assignor: group.assignor,
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        memberEpoch: m.memberEpoch,
        subscribedTopics: m.subscribedPattern === null ? [...m.subscribedTopics] : [`/${m.subscribedPattern}/`],
        assignment: toTopicPartitions(m.assigned),
      })),
      offsets: keys.map((key) => {
        const { topic, partition } = splitPartitionKey(key);
        return { topic, partition, committed: group.offsets.get(key)?.offset ?? -1, memberId: owners.get(key) ?? null };
      }),
    };
  }

  private commitError(request: CommitRequest, group: Group | undefined): BrookError | null {
    if (request.memberEpoch === MemberEpoch.LEAVE) {
      if (group !== undefined && group.members.size > 0) {
        return new BrookError('GROUP_NOT_EMPTY', `group '${request.groupId}' has members: stop them first`);
      }
      return null;
    }
    const member = group?.members.get(request.memberId);
    if (member === undefined || member.leftStatic) {
      return new BrookError('UNKNOWN_MEMBER_ID', `group '${request.groupId}' has no member '${request.memberId}'`);
    }
    return null;
  }

  private leave(request: HeartbeatRequest, nowMs: number): HeartbeatResponse {
    const group = this.groups.get(request.groupId);
    const member = group?.members.get(request.memberId);
    const answer = {
      memberId: request.memberId,
      memberEpoch: request.memberEpoch,
      heartbeatIntervalMs: 0,
      assignment: null,
    };
    if (group === undefined || member === undefined) return answer;
    if (request.memberEpoch === MemberEpoch.LEAVE_STATIC && member.groupInstanceId !== null) {
      // Keeps its partitions (and its place in the target) until its session expires or its instance returns.
      member.leftStatic = true;
      member.sessionDeadlineMs = nowMs + member.sessionTimeoutMs;
      return answer;
    }
    this.removeMember(group, member.memberId);
    this.bump(group);
    return answer;
  }

  private find(request: HeartbeatRequest): { group: Group; member: Member } {
    const group = this.groups.get(request.groupId);
    const member = group?.members.get(request.memberId);
    if (group === undefined || member === undefined || member.leftStatic) {
      throw new BrookError('UNKNOWN_MEMBER_ID', `group '${request.groupId}' has no member '${request.memberId}'`);
    }
    if (request.memberEpoch !== member.memberEpoch && request.memberEpoch !== member.previousMemberEpoch) {
      throw new BrookError(
        'FENCED_MEMBER_EPOCH',
        `epoch ${String(request.memberEpoch)} of member ${member.memberId} is not its current ${String(member.memberEpoch)}`,
      );
    }
    if (this.updateMember(member, request)) this.bump(group);
    return { group, member };
  }

  private join(request: HeartbeatRequest, nowMs: number): { group: Group; member: Member } {
    if (request.subscribedTopics === undefined && request.subscribedPattern === undefined) {
      throw new BrookError(
        'INVALID_REQUEST',
        'a join (memberEpoch 0) must carry subscribedTopics or subscribedPattern',
      );
    }
    const group = this.getOrCreate(request.groupId, request.assignor ?? DEFAULT_ASSIGNOR);
    const instanceId = request.groupInstanceId ?? null;
    const previous =
      instanceId === null ? undefined : [...group.members.values()].find((m) => m.groupInstanceId === instanceId);
    const existing = request.memberId === '' ? undefined : group.members.get(request.memberId);
    const memberId = request.memberId === '' ? this.options.nextMemberId() : request.memberId;
    const member = this.freshMember(memberId, request, nowMs);
    let changed: boolean;
    if (previous !== undefined && previous.memberId !== memberId) {
      // A static member's new instance takes over its slot, whether the old one left with -2 or crashed (as Kafka's
      // static membership: the instance id is the identity, so a restart is no rebalance). The old member id is
      // gone: if that process still lives, its heartbeats get UNKNOWN_MEMBER_ID and its commits are refused.
      member.assigned = previous.assigned;
      member.memberEpoch = previous.memberEpoch;
      member.previousMemberEpoch = previous.previousMemberEpoch;
      const target = group.target.get(previous.memberId);
      group.members.delete(previous.memberId);
      group.target.delete(previous.memberId);
      if (target !== undefined) group.target.set(memberId, target);
      changed = !sameSubscription(previous, member);
    } else if (existing !== undefined) {
      // A known member rejoining has dropped whatever it owned; it keeps its target.
      member.memberEpoch = existing.memberEpoch;
      member.previousMemberEpoch = existing.previousMemberEpoch;
      changed = !sameSubscription(existing, member);
    } else {
      changed = true;
    }
    group.members.set(memberId, member);
    if (changed) this.bump(group);
    return { group, member };
  }

  private freshMember(memberId: string, request: HeartbeatRequest, nowMs: number): Member {
    const sessionTimeoutMs = request.sessionTimeoutMs ?? this.sessionTimeoutMs;
    return {
      memberId,
      groupInstanceId: request.groupInstanceId ?? null,
      clientId: request.clientId ?? '',
      subscribedTopics: request.subscribedPattern === undefined ? [...new Set(request.subscribedTopics ?? [])] : [],
      subscribedPattern: request.subscribedPattern ?? null,
      assignor: request.assignor ?? null,
      sessionTimeoutMs,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs ?? this.rebalanceTimeoutMs,
      memberEpoch: 0,
      previousMemberEpoch: 0,
      assigned: new Set(),
      revoking: new Set(),
      leftStatic: false,
      sessionDeadlineMs: nowMs + sessionTimeoutMs,
      revokeDeadlineMs: null,
      lastSent: null,
    };
  }

  /** Applies a heartbeat's changed fields; true when the subscription changed. */
  private updateMember(member: Member, request: HeartbeatRequest): boolean {
    if (request.clientId !== undefined) member.clientId = request.clientId;
    if (request.sessionTimeoutMs !== undefined) member.sessionTimeoutMs = request.sessionTimeoutMs;
    if (request.rebalanceTimeoutMs !== undefined) member.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
    const before = { subscribedTopics: member.subscribedTopics, subscribedPattern: member.subscribedPattern };
    if (request.subscribedPattern !== undefined) {
      member.subscribedPattern = request.subscribedPattern;
      member.subscribedTopics = [];
    } else if (request.subscribedTopics !== undefined) {
      member.subscribedPattern = null;
      member.subscribedTopics = [...new Set(request.subscribedTopics)];
    }
    return !sameSubscription(before, member);
  }

  private removeMember(group: Group, memberId: string): void {
    group.members.delete(memberId);
    group.target.delete(memberId);
  }

  private bump(group: Group): void {
    bumpEpoch(group, this.topics);
    this.options.onRebalance?.(group.groupId);
  }

  private getOrCreate(groupId: string, assignor: Group['assignor']): Group {
    let group = this.groups.get(groupId);
    if (group === undefined) {
      group = newGroup(groupId, assignor);
      this.groups.set(groupId, group);
    } else if (group.members.size === 0) {
      // An empty group takes the assignor of its next first member.
      group.assignor = assignor;
    }
    return group;
  }
}

function sameSubscription(
  a: Pick<Member, 'subscribedTopics' | 'subscribedPattern'>,
  b: Pick<Member, 'subscribedTopics' | 'subscribedPattern'>,
): boolean {
  if (a.subscribedPattern !== b.subscribedPattern) return false;
  const x = [...a.subscribedTopics].sort().join(',');
  const y = [...b.subscribedTopics].sort().join(',');
  return x === y;
}

function sameKeys(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const key of a) if (!b.has(key)) return false;
  return true;
}
