/**
 * The pure core of a consumer's group membership (KIP-848 style): which heartbeat to send and when, the member id
 * and epoch, the partitions owned and the target assignment, and what to do after each answer or error. It has no
 * sockets and no timers: the driver (group-session.ts) asks {@link GroupMembership.heartbeat} for the request to send
 * at `nowMs`, feeds back the answer, performs the revocations and grants {@link GroupMembership.reconcile} returns,
 * and reports them done with {@link GroupMembership.released} and {@link GroupMembership.acquired}. It also decides
 * where a granted partition starts ({@link GroupMembership.starts}: the committed offset, else `offsetReset`), which
 * positions a commit carries ({@link GroupMembership.toCommit}: only those that moved since their last commit), and
 * when a member whose application stopped asking for records leaves ({@link GroupMembership.checkPoll}).
 */
import {
  BrookError,
  MemberEpoch,
  partitionKey,
  type AssignorName,
  type RequestOf,
  type ResponseOf,
  type TopicPartitions,
} from '../../protocol/index.js';
import type { OffsetReset, StartPosition } from './options.js';
import type { TopicPartition } from './partition-stream.js';

/** What the member subscribes to. */
export type Subscription = { readonly topics: readonly string[] } | { readonly pattern: string };

/** Fixed settings of one membership. */
export interface MembershipConfig {
  readonly groupId: string;
  /**
   * The id this member joins with, made by the client (as Kafka's KIP-1082), so that a join retried after a lost
   * answer is the same member again, not a second one holding partitions nobody reads until its session expires.
   */
  readonly memberId: string;
  readonly groupInstanceId: string | undefined;
  readonly clientId: string;
  readonly subscription: Subscription;
  readonly assignor: AssignorName;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  /** Where a granted partition without a committed offset starts ('none': nowhere, until the application seeks). */
  readonly offsetReset: OffsetReset;
  /** The longest the application may go without asking for a record before the member leaves, in ms. */
  readonly maxPollIntervalMs: number;
}

/** A partition to start reading, and where. */
export interface PartitionStart extends TopicPartition {
  /** null: nothing committed and offsetReset 'none': the partition is owned but stopped until seek(). */
  readonly start: StartPosition | null;
}

/** A partition's position (to commit, or as committed). */
export interface PartitionPosition extends TopicPartition {
  readonly offset: number;
}

/** Where granted partitions start, and an error for each that has nowhere to start (offsetReset 'none'). */
export interface GrantStarts {
  readonly starts: readonly PartitionStart[];
  readonly errors: readonly BrookError[];
}

/**
 * What {@link GroupMembership.checkPoll} found: the member left (the driver drops what it reads), or the application
 * is within the max poll interval and the next check is due in `checkInMs` (Infinity: none until it asks again).
 */
export type PollCheck = { readonly left: true } | { readonly left: false; readonly checkInMs: number };

type HeartbeatRequest = RequestOf<'groupHeartbeat'>;
type HeartbeatResponse = ResponseOf<'groupHeartbeat'>;

/** Where the member stands. */
export const MemberState = {
  /** Sending the first heartbeat (epoch 0) or waiting for its answer. */
  JOINING: 'joining',
  /** In the group: heartbeats on its interval, reconciling whenever the target differs from what it owns. */
  MEMBER: 'member',
  /** A leave heartbeat is to be sent or in flight. */
  LEAVING: 'leaving',
  /** Out of the group (left, or never joined); {@link GroupMembership.join} starts again. */
  LEFT: 'left',
  /** A non-retriable error ended the membership. */
  FAILED: 'failed',
} as const;
export type MemberStateName = (typeof MemberState)[keyof typeof MemberState];

/** What the driver does after a failed heartbeat or commit. */
export const ErrorAction = {
  /** The coordinator moved or is unreachable: find it again, then heartbeat (after `retryInMs`). */
  REDISCOVER: 'rediscover',
  /** The member was fenced: drop every partition without committing ({@link GroupMembership.takeLost}), rejoin. */
  REJOIN: 'rejoin',
  /** Retry the same heartbeat after `retryInMs` (e.g. a static instance id not yet released). */
  RETRY: 'retry',
  /** Give up: the error goes to the application. */
  FAIL: 'fail',
} as const;
export type ErrorActionName = (typeof ErrorAction)[keyof typeof ErrorAction];

/** One reconciliation step: partitions to release first, then partitions to start reading. */
export interface ReconcileStep {
  readonly revoke: readonly TopicPartition[];
  readonly grant: readonly TopicPartition[];
}

/** Heartbeat cadence before the coordinator has told us one, in ms. */
const INITIAL_HEARTBEAT_INTERVAL_MS = 3_000;

export class GroupMembership {
  private stateName: MemberStateName = MemberState.LEFT;
  private id: string;
  private epoch: number = MemberEpoch.JOIN;
  private intervalMs = INITIAL_HEARTBEAT_INTERVAL_MS;
  /** When the next heartbeat is due (client clock, ms). */
  private dueMs = 0;
  /** What the heartbeat in flight is, if one is. */
  private inFlight: 'heartbeat' | 'leave' | undefined;
  /** The heartbeat in flight reported a change of `owned` (sent again if it fails). */
  private sentOwnedChanged = false;
  /** The incarnation the heartbeat in flight was sent in: answers to an older one say nothing about this one. */
  private sentIncarnation = 0;
  /** The next heartbeat carries subscription and settings (join, or after an error: the coordinator may be new). */
  private full = true;
  /** `owned` changed since the last heartbeat that reached the coordinator. */
  private ownedChanged = true;
  private readonly ownedByKey = new Map<string, TopicPartition>();
  /** The coordinator's latest assignment for us (undefined: none received in this incarnation). */
  private target: Map<string, TopicPartition> | undefined;
  private lost: TopicPartition[] = [];
  private leaveEpoch: number = MemberEpoch.LEAVE;
  private incarnationNumber = 0;
  private failure: BrookError | undefined;
  /** A join went out at least once: the coordinator may know this member even if no answer came back. */
  private joinSent = false;
  /** The offset the coordinator holds for each owned partition, as far as this incarnation knows. */
  private readonly committedByKey = new Map<string, number>();
  /** Left because the application stopped asking for records; rejoins when it asks again ({@link polled}). */
  private leftIdle = false;

  constructor(private readonly config: MembershipConfig) {
    this.id = config.memberId;
  }

  get state(): MemberStateName {
    return this.stateName;
  }

  get memberId(): string {
    return this.id;
  }

  /** The epoch to commit with. */
  get memberEpoch(): number {
    return this.epoch;
  }

  /** The heartbeat interval the coordinator asked for, in ms. */
  get heartbeatIntervalMs(): number {
    return this.intervalMs;
  }

  /** Bumped whenever owned partitions are lost (fencing, leaving): reconcile steps of an older one are stale. */
  get incarnation(): number {
    return this.incarnationNumber;
  }

  /** The error that ended the membership (state FAILED). */
  get error(): BrookError | undefined {
    return this.failure;
  }

  /** Partitions owned (started and reported, or about to be reported, to the coordinator). */
  owned(): TopicPartition[] {
    return [...this.ownedByKey.values()];
  }

  /** Starts (or restarts) joining: the next heartbeat, due at once, carries epoch 0 and the subscription. */
  join(nowMs: number): void {
    if (this.stateName === MemberState.FAILED) return;
    this.stateName = MemberState.JOINING;
    this.epoch = MemberEpoch.JOIN;
    this.full = true;
    this.ownedChanged = true;
    this.target = undefined;
    this.dueMs = nowMs;
  }

  /**
   * Leaves the group: the next heartbeat (due at once) carries epoch -1, or -2 for a static member leaving for a
   * restart (`temporary`). Owned partitions are kept until the driver releases them; nothing more is reconciled.
   */
  leave(nowMs: number, temporary: boolean): void {
    if (this.stateName === MemberState.LEFT || this.stateName === MemberState.FAILED) return;
    if (this.stateName === MemberState.JOINING && !this.joinSent && this.inFlight === undefined) {
      // Never asked to get into the group: nothing to leave.
      this.stateName = MemberState.LEFT;
      return;
    }
    this.leaveEpoch =
      temporary && this.config.groupInstanceId !== undefined ? MemberEpoch.LEAVE_STATIC : MemberEpoch.LEAVE;
    this.stateName = MemberState.LEAVING;
    this.target = undefined;
    this.dueMs = nowMs;
  }

  /** Milliseconds from `nowMs` until {@link heartbeat} has something to send (Infinity: nothing until an answer). */
  delayMs(nowMs: number): number {
    if (this.inFlight !== undefined || this.stateName === MemberState.LEFT || this.stateName === MemberState.FAILED) {
      return Infinity;
    }
    return Math.max(0, this.dueMs - nowMs);
  }

  /**
   * The heartbeat to send now, or undefined if none is due or one is in flight. The returned request is in flight
   * until {@link onResponse} or {@link onError}.
   */
  heartbeat(nowMs: number): HeartbeatRequest | undefined {
    if (this.delayMs(nowMs) > 0) return undefined;
    const { config } = this;
    const base = { groupId: config.groupId, memberId: this.id };
    const instance = config.groupInstanceId === undefined ? {} : { groupInstanceId: config.groupInstanceId };
    if (this.stateName === MemberState.LEAVING) {
      this.inFlight = 'leave';
      return { ...base, ...instance, memberEpoch: this.leaveEpoch };
    }
    this.inFlight = 'heartbeat';
    this.joinSent = true;
    this.sentIncarnation = this.incarnationNumber;
    const request: HeartbeatRequest = { ...base, ...instance, memberEpoch: this.epoch };
    if (this.full) {
      Object.assign(
        request,
        'topics' in config.subscription
          ? { subscribedTopics: [...config.subscription.topics] }
          : { subscribedPattern: config.subscription.pattern },
        {
          clientId: config.clientId,
          assignor: config.assignor,
          sessionTimeoutMs: config.sessionTimeoutMs,
          rebalanceTimeoutMs: config.rebalanceTimeoutMs,
        },
      );
    }
    if (this.full || this.ownedChanged) request.owned = groupByTopic(this.ownedByKey.values());
    // Changes from now on are reported by the next heartbeat.
    this.sentOwnedChanged = this.ownedChanged;
    this.ownedChanged = false;
    return request;
  }

  /** The coordinator's answer to the heartbeat in flight. */
  onResponse(response: HeartbeatResponse, nowMs: number): void {
    const sent = this.inFlight;
    this.inFlight = undefined;
    if (sent === 'leave') {
      if (this.stateName === MemberState.LEAVING) {
        this.stateName = MemberState.LEFT;
        this.epoch = MemberEpoch.JOIN;
      } else {
        // Joined again while the leave was out: the join goes out now.
        this.dueMs = nowMs;
      }
      return;
    }
    if (this.stateName === MemberState.LEAVING) {
      // A heartbeat sent before leave() came back (perhaps our join): the leave goes out now, under its id.
      this.id = response.memberId;
      this.epoch = response.memberEpoch;
      this.dueMs = nowMs;
      return;
    }
    if (this.stateName !== MemberState.JOINING && this.stateName !== MemberState.MEMBER) return;
    if (this.sentIncarnation !== this.incarnationNumber) {
      // Sent before we were fenced (a commit found out first): the rejoin goes out now.
      this.dueMs = nowMs;
      return;
    }
    this.stateName = MemberState.MEMBER;
    this.full = false;
    this.id = response.memberId;
    this.epoch = response.memberEpoch;
    if (response.heartbeatIntervalMs > 0) this.intervalMs = response.heartbeatIntervalMs;
    if (response.assignment !== null) {
      this.target = new Map();
      for (const { topic, partitions } of response.assignment) {
        for (const partition of partitions) this.target.set(partitionKey(topic, partition), { topic, partition });
      }
    }
    // Something changed while the request was out: report it now rather than an interval later.
    this.dueMs = this.ownedChanged ? nowMs : nowMs + this.intervalMs;
  }

  /**
   * The heartbeat in flight failed (or a commit failed with `error`, `fromCommit`). Returns what the driver does;
   * `retryInMs` of REDISCOVER and RETRY is set by the driver's backoff, not here.
   */
  onError(error: BrookError, nowMs: number, fromCommit = false): ErrorActionName {
    if (!fromCommit) {
      this.inFlight = undefined;
      // The coordinator may not have seen what this heartbeat reported: send it again.
      if (this.sentOwnedChanged) this.ownedChanged = true;
    }
    if (this.stateName === MemberState.LEAVING && !fromCommit) {
      // Leaving is best effort: the session expiry frees what a lost leave did not.
      this.stateName = MemberState.LEFT;
      return ErrorAction.RETRY;
    }
    const stale = !fromCommit && this.sentIncarnation !== this.incarnationNumber;
    if (stale && (error.code === 'FENCED_MEMBER_EPOCH' || error.code === 'UNKNOWN_MEMBER_ID')) {
      // The fencing this heartbeat ran into was handled already; the rejoin goes out now.
      this.dueMs = nowMs;
      return ErrorAction.RETRY;
    }
    switch (error.code) {
      case 'FENCED_MEMBER_EPOCH':
      case 'UNKNOWN_MEMBER_ID':
        this.fence(nowMs);
        return ErrorAction.REJOIN;
      default:
        if (error.findCoordinator) {
          this.full = true;
          this.dueMs = nowMs;
          return ErrorAction.REDISCOVER;
        }
        if (error.retriable) {
          this.dueMs = nowMs;
          return ErrorAction.RETRY;
        }
        if (fromCommit) return ErrorAction.FAIL;
        this.stateName = MemberState.FAILED;
        this.failure = error;
        this.lose();
        return ErrorAction.FAIL;
    }
  }

  /** Delays the next heartbeat until `atMs` (backoff after an error). */
  retryAt(atMs: number): void {
    this.dueMs = Math.max(this.dueMs, atMs);
  }

  /**
   * The next reconciliation step, or undefined when what is owned matches the target (or there is no target yet).
   * Revocations come first; a grant is only returned with nothing left to revoke.
   */
  reconcile(): ReconcileStep | undefined {
    const target = this.target;
    if (target === undefined || this.stateName !== MemberState.MEMBER) return undefined;
    const revoke = [...this.ownedByKey].filter(([key]) => !target.has(key)).map(([, tp]) => tp);
    if (revoke.length > 0) return { revoke, grant: [] };
    const grant = [...target].filter(([key]) => !this.ownedByKey.has(key)).map(([, tp]) => tp);
    return grant.length > 0 ? { revoke: [], grant } : undefined;
  }

  /** Revoked partitions are released (committed and no longer read): the next heartbeat reports it, at once. */
  released(partitions: readonly TopicPartition[], incarnation: number, nowMs: number): void {
    if (incarnation !== this.incarnationNumber) return;
    for (const { topic, partition } of partitions) {
      const key = partitionKey(topic, partition);
      this.ownedByKey.delete(key);
      this.committedByKey.delete(key);
    }
    this.changedOwned(nowMs);
  }

  /** Granted partitions are being read: the next heartbeat reports them owned, at once. */
  acquired(partitions: readonly TopicPartition[], incarnation: number, nowMs: number): void {
    if (incarnation !== this.incarnationNumber || this.stateName !== MemberState.MEMBER) return;
    for (const tp of partitions) {
      const key = partitionKey(tp.topic, tp.partition);
      // A grant the coordinator took back meanwhile is not claimed; the next step revokes it.
      this.ownedByKey.set(key, { topic: tp.topic, partition: tp.partition });
    }
    this.changedOwned(nowMs);
  }

  /**
   * Partitions lost since the last call (fencing, a failure, or a leave after which nothing is committed): the
   * driver stops reading them without committing.
   */
  takeLost(): TopicPartition[] {
    const lost = this.lost;
    this.lost = [];
    return lost;
  }

  /**
   * Where granted partitions start, given the coordinator's committed offsets for them (-1 or absent: none): at the
   * committed offset, else per offsetReset; under 'none' nowhere, with an OFFSET_OUT_OF_RANGE for the application.
   * Remembers the committed offsets, so that an unmoved position is not committed again.
   */
  starts(partitions: readonly TopicPartition[], committed: readonly PartitionPosition[]): GrantStarts {
    const committedAt = new Map(committed.map((o) => [partitionKey(o.topic, o.partition), o.offset]));
    const { groupId, offsetReset } = this.config;
    const starts: PartitionStart[] = [];
    const errors: BrookError[] = [];
    for (const { topic, partition } of partitions) {
      const key = partitionKey(topic, partition);
      const offset = committedAt.get(key) ?? -1;
      if (offset >= 0) {
        this.committedByKey.set(key, offset);
        starts.push({ topic, partition, start: { offset } });
      } else if (offsetReset === 'none') {
        starts.push({ topic, partition, start: null });
        errors.push(
          new BrookError(
            'OFFSET_OUT_OF_RANGE',
            `group ${groupId} has no committed offset for ${topic}/${String(partition)} and offsetReset is 'none': seek() it`,
          ),
        );
      } else {
        starts.push({ topic, partition, start: offsetReset });
      }
    }
    return { starts, errors };
  }

  /** The positions worth committing: those of owned partitions that moved since their last commit. */
  toCommit(positions: readonly PartitionPosition[]): PartitionPosition[] {
    return positions
      .filter((p) => {
        const key = partitionKey(p.topic, p.partition);
        return this.ownedByKey.has(key) && this.committedByKey.get(key) !== p.offset;
      })
      .map(({ topic, partition, offset }) => ({ topic, partition, offset }));
  }

  /**
   * The coordinator stored `position`, committed in `incarnation`. A commit of an ended incarnation is forgotten: its
   * partitions were lost, and a later grant learns their offsets again.
   */
  committed(position: PartitionPosition, incarnation: number): void {
    const key = partitionKey(position.topic, position.partition);
    if (incarnation === this.incarnationNumber && this.ownedByKey.has(key))
      this.committedByKey.set(key, position.offset);
  }

  /**
   * Checks the max poll interval at `nowMs`, the application having last asked for a record at `lastPollMs`
   * (undefined: it is waiting for one now, which counts as asking). Past the interval the application is stuck or too
   * slow: the member leaves and drops everything owned without a commit ({@link takeLost}), so that members that make
   * progress take the partitions over at once; a static member too leaves for good, as keeping its slot would leave
   * its partitions unread.
   */
  checkPoll(nowMs: number, lastPollMs: number | undefined): PollCheck {
    const maxMs = this.config.maxPollIntervalMs;
    if (this.leftIdle) return { left: false, checkInMs: Infinity };
    if (lastPollMs === undefined) return { left: false, checkInMs: maxMs };
    if (nowMs - lastPollMs < maxMs) return { left: false, checkInMs: Math.max(1, lastPollMs + maxMs - nowMs) };
    this.leftIdle = true;
    this.leave(nowMs, false);
    this.lose();
    return { left: true };
  }

  /** The application asked for a record. Returns true if that rejoins a member that had left while it was away. */
  polled(nowMs: number): boolean {
    if (!this.leftIdle) return false;
    this.leftIdle = false;
    this.join(nowMs);
    return true;
  }

  private fence(nowMs: number): void {
    this.lose();
    // A fenced or expired member keeps its id (static members their instance id too) and rejoins at epoch 0.
    this.join(nowMs);
  }

  private lose(): void {
    this.lost.push(...this.ownedByKey.values());
    this.ownedByKey.clear();
    this.committedByKey.clear();
    this.target = undefined;
    this.ownedChanged = true;
    this.incarnationNumber++;
  }

  private changedOwned(nowMs: number): void {
    this.ownedChanged = true;
    if (this.stateName === MemberState.MEMBER || this.stateName === MemberState.JOINING) this.dueMs = nowMs;
  }
}

/** Partitions grouped by topic, topics and partitions sorted, as the wire carries them. */
export function groupByTopic(partitions: Iterable<TopicPartition>): TopicPartitions[] {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of partitions) {
    const list = byTopic.get(topic);
    if (list === undefined) byTopic.set(topic, [partition]);
    else list.push(partition);
  }
  return [...byTopic]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([topic, list]) => ({ topic, partitions: list.sort((a, b) => a - b) }));
}
