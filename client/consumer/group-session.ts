/**
 * The driver of a consumer's group membership: it finds the coordinator, sends the heartbeats the membership core
 * asks for on their own timer (never tied to how long the application takes per record), performs the core's
 * reconciliation steps on the consumer (commit and release revoked partitions, start granted ones at their
 * committed offsets), commits on an interval, checks the max poll interval, and leaves on close. It decides nothing the
 * core can decide: where partitions start, what a commit carries, when to leave and what an error means are the
 * core's answers.
 */
import { BrookError, type RequestOf } from '../../protocol/index.js';
import { backoffDelayMs } from '../backoff.js';
import type { TimerHandle } from '../clock.js';
import type { Cluster } from '../cluster.js';
import type { Connection } from '../connection.js';
import type { ResolvedClientOptions } from '../options.js';
import {
  ErrorAction,
  GroupMembership,
  MemberState,
  groupByTopic,
  type PartitionPosition,
  type PartitionStart,
  type Subscription,
} from './group-membership.js';
import type { ResolvedGroupOptions } from './group-options.js';
import type { OffsetReset } from './options.js';
import type { TopicPartition } from './partition-stream.js';

/**
 * Which positions to commit: after every record handed to the application (`'taken'`: an explicit commit, close),
 * or only after records the application has finished, i.e. asked for the next record since (`'finished'`).
 */
export type PositionKind = 'taken' | 'finished';

/** What the session needs from the consumer it drives. */
export interface GroupHost {
  /** Starts reading partitions (subscribing retries on its own and reports failures to the iterator). */
  startPartitions(starts: readonly PartitionStart[]): void;
  /** Stops handing out records of partitions at once and drops what is buffered; positions stay until release. */
  withhold(partitions: readonly TopicPartition[]): void;
  /** Forgets partitions. */
  release(partitions: readonly TopicPartition[]): void;
  /** Every partition being read. */
  assignment(): TopicPartition[];
  /** Positions of the partitions read (those known). */
  positions(kind: PositionKind): PartitionPosition[];
  /** Resolves once the application holds no record: it waits for the next, or asked for it (or the consumer closed). */
  applicationIdle(): Promise<void>;
  /** When the application last asked for a record; undefined while it is waiting for one. */
  lastPollMs(): number | undefined;
  /** Reports an error to the application through the iterator. */
  fail(error: BrookError): void;
}

export class GroupSession {
  private readonly membership: GroupMembership;
  private heartbeatTimer: TimerHandle | undefined;
  private pollTimer: TimerHandle | undefined;
  private commitTimer: TimerHandle | undefined;
  private coordinator: Connection | undefined;
  /** Where a NOT_COORDINATOR said the coordinator is (tried before asking findCoordinator). */
  private coordinatorHint: number | undefined;
  private errorsInRow = 0;
  private reconciling: Promise<void> | undefined;
  private reconcileAgain = false;
  private commits: Promise<unknown> = Promise.resolve();
  private closing = false;
  private closed = false;
  private leftWaiters: (() => void)[] = [];

  constructor(
    private readonly cluster: Cluster,
    private readonly client: ResolvedClientOptions,
    private readonly group: ResolvedGroupOptions & { readonly groupId: string },
    subscription: Subscription,
    offsetReset: OffsetReset,
    private readonly host: GroupHost,
  ) {
    this.membership = new GroupMembership({
      groupId: group.groupId,
      memberId: globalThis.crypto.randomUUID(),
      groupInstanceId: group.groupInstanceId,
      clientId: client.clientId,
      subscription,
      assignor: group.assignor,
      sessionTimeoutMs: group.sessionTimeoutMs,
      rebalanceTimeoutMs: group.rebalanceTimeoutMs,
      offsetReset,
      maxPollIntervalMs: group.maxPollIntervalMs,
    });
  }

  /** This member's id in its group (a random UUID made when the consumer subscribes). */
  get memberId(): string {
    return this.membership.memberId;
  }

  /** The current member epoch. */
  get memberEpoch(): number {
    return this.membership.memberEpoch;
  }

  /** Joins the group and starts the timers. */
  start(): void {
    this.membership.join(this.nowMs());
    this.pump();
    this.armPollCheck(this.group.maxPollIntervalMs);
    if (this.group.autoCommit) this.armAutoCommit();
  }

  /** The application asked for a record: rejoins if it had been away too long. */
  onPoll(): void {
    if (this.closing || !this.membership.polled(this.nowMs())) return;
    this.pump();
    this.armPollCheck(this.group.maxPollIntervalMs);
  }

  /**
   * Commits the positions of owned partitions that moved since their last commit. Commits run one at a time in call
   * order, so a later one never lands before an earlier one. Resolves once the coordinator stored them.
   */
  commit(kind: PositionKind): Promise<void> {
    const run = this.commits.then(() => this.commitOnce(kind));
    this.commits = run.catch(() => undefined);
    return run;
  }

  /**
   * Leaves the group: the owned partitions are handed to onRevoked, auto-committed (positions after every record
   * handed out), and the leave heartbeat is sent (epoch -1; -2 for a static member). Best effort: the session
   * expiry frees what a failed leave did not.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.clearTimer(this.pollTimer);
    this.clearTimer(this.commitTimer);
    await this.reconciling;
    const owned = this.membership.owned();
    if (this.membership.state === MemberState.MEMBER && owned.length > 0) {
      this.host.withhold(owned);
      await this.runRevokeHook(owned, false);
      if (this.group.autoCommit) await this.commit('taken').catch(() => undefined);
    }
    const left = new Promise<void>((resolve) => this.leftWaiters.push(resolve));
    this.membership.leave(this.nowMs(), this.group.groupInstanceId !== undefined);
    this.pump();
    if (this.isMember()) {
      await Promise.race([left, this.cluster.sleep(this.client.requestTimeoutMs).catch(() => undefined)]);
    }
    this.closed = true;
    this.clearTimer(this.heartbeatTimer);
  }

  // ---- heartbeats ---------------------------------------------------------------------------------------------------

  /** Sends the heartbeat due now, if any, and arms the timer for the next. */
  private pump(): void {
    if (this.closed) return;
    const request = this.membership.heartbeat(this.nowMs());
    if (request !== undefined) void this.send(request);
    this.clearTimer(this.heartbeatTimer);
    const delayMs = this.membership.delayMs(this.nowMs());
    this.heartbeatTimer = Number.isFinite(delayMs)
      ? this.client.clock.setTimeout(() => {
          this.heartbeatTimer = undefined;
          this.pump();
        }, delayMs)
      : undefined;
    if (!this.isMember()) this.notifyLeft();
  }

  private async send(request: RequestOf<'groupHeartbeat'>): Promise<void> {
    try {
      const connection = await this.coordinatorConnection();
      // A heartbeat answered after the session timeout is of no use: give up on it and find the coordinator again.
      const response = await connection.request('groupHeartbeat', request, {
        timeoutMs: Math.min(this.client.requestTimeoutMs, this.group.sessionTimeoutMs),
      });
      this.errorsInRow = 0;
      this.membership.onResponse(response, this.nowMs());
      this.runReconcile();
    } catch (err: unknown) {
      this.onError(BrookError.from(err), false);
    }
    this.pump();
  }

  private onError(error: BrookError, fromCommit: boolean): void {
    const nowMs = this.nowMs();
    const action = this.membership.onError(error, nowMs, fromCommit);
    switch (action) {
      case ErrorAction.REDISCOVER:
        this.lostCoordinator(error);
        this.membership.retryAt(nowMs + this.backoffMs());
        break;
      case ErrorAction.RETRY:
        this.membership.retryAt(nowMs + this.backoffMs());
        break;
      case ErrorAction.REJOIN:
        this.dropLost();
        break;
      case ErrorAction.FAIL:
        this.dropLost();
        if (!fromCommit) this.host.fail(error);
        break;
    }
  }

  private backoffMs(): number {
    return backoffDelayMs(this.errorsInRow++, this.client.retryBackoff, this.client.random);
  }

  /** The coordinator's connection: findCoordinator on any broker, then that broker's connection from metadata. */
  private async coordinatorConnection(): Promise<Connection> {
    const known = this.coordinator;
    if (known !== undefined && !known.isClosed) return known;
    const hint = this.coordinatorHint;
    this.coordinatorHint = undefined;
    if (hint !== undefined) {
      try {
        this.coordinator = this.cluster.connectionFor(hint);
        return this.coordinator;
      } catch {
        // Not a broker we know of: ask.
      }
    }
    this.coordinator = await this.cluster.coordinatorConnection(this.group.groupId);
    return this.coordinator;
  }

  /**
   * Runs a request on the coordinator, finding it again with backoff after coordinator errors, for up to
   * requestTimeoutMs (or until the session closes, or `stillValid` turns false).
   */
  private onCoordinator<R>(send: (connection: Connection) => Promise<R>, stillValid: () => boolean): Promise<R> {
    return this.cluster.retry(async () => send(await this.coordinatorConnection()), {
      deadlineMs: this.nowMs() + this.client.requestTimeoutMs,
      retryIf: (error) => error.findCoordinator,
      onRetry: (error) => {
        this.lostCoordinator(error);
      },
      // Closed or fenced meanwhile: what the request carries belongs to an incarnation that ended.
      abandoned: () => this.closed || !stillValid(),
    });
  }

  /** Forgets the coordinator; a NOT_COORDINATOR naming the new one (`leaderId`) is tried first next time. */
  private lostCoordinator(error: BrookError): void {
    this.coordinator = undefined;
    this.coordinatorHint = error.code === 'NOT_COORDINATOR' ? error.leaderId : undefined;
  }

  // ---- reconciliation ---------------------------------------------------------------------------------------------

  private runReconcile(): void {
    if (this.closing) return;
    if (this.reconciling !== undefined) {
      this.reconcileAgain = true;
      return;
    }
    this.reconciling = this.reconcileLoop().finally(() => {
      this.reconciling = undefined;
      if (this.reconcileAgain) {
        this.reconcileAgain = false;
        this.runReconcile();
      }
    });
  }

  private async reconcileLoop(): Promise<void> {
    for (;;) {
      if (this.closing) return;
      const step = this.membership.reconcile();
      if (step === undefined) return;
      const incarnation = this.membership.incarnation;
      try {
        if (step.revoke.length > 0) await this.revoke(step.revoke, incarnation);
        else await this.grant(step.grant, incarnation);
      } catch {
        // Retried on the next heartbeat answer (grants need the coordinator for committed offsets).
        return;
      } finally {
        this.pump();
      }
    }
  }

  /** Stops handing out the partitions, waits for the application to finish its record, commits, releases. */
  private async revoke(partitions: readonly TopicPartition[], incarnation: number): Promise<void> {
    this.host.withhold(partitions);
    await this.host.applicationIdle();
    if (this.membership.incarnation !== incarnation) return;
    await this.runRevokeHook(partitions, false);
    if (this.group.autoCommit && this.membership.incarnation === incarnation) {
      // A failed commit does not keep the partitions: the next owner starts from the last stored offset.
      await this.commit('taken').catch(() => undefined);
    }
    if (this.membership.incarnation !== incarnation) return;
    this.host.release(partitions);
    this.membership.released(partitions, incarnation, this.nowMs());
  }

  /** Looks up committed offsets, runs onAssigned, starts reading and reports the partitions owned. */
  private async grant(partitions: readonly TopicPartition[], incarnation: number): Promise<void> {
    const valid = (): boolean => this.membership.incarnation === incarnation && !this.closing;
    const { offsets } = await this.onCoordinator(
      (c) =>
        c.request('fetchOffsets', {
          groupId: this.group.groupId,
          partitions: groupByTopic(partitions),
        }),
      valid,
    );
    if (!valid()) return;
    if (this.group.onAssigned !== undefined) {
      try {
        await this.group.onAssigned(partitions);
      } catch (err: unknown) {
        this.host.fail(BrookError.from(err));
      }
      if (!valid()) return;
    }
    const { starts, errors } = this.membership.starts(partitions, offsets);
    for (const error of errors) this.host.fail(error);
    this.host.startPartitions(starts);
    this.membership.acquired(partitions, incarnation, this.nowMs());
  }

  /** Stops reading everything at once, without a commit (fenced, failed, or left while idle). */
  private dropLost(): void {
    this.membership.takeLost();
    const reading = this.host.assignment();
    if (reading.length === 0) return;
    this.host.withhold(reading);
    this.host.release(reading);
    void this.runRevokeHook(reading, true);
  }

  private async runRevokeHook(partitions: readonly TopicPartition[], lost: boolean): Promise<void> {
    if (this.group.onRevoked === undefined) return;
    try {
      await this.group.onRevoked(partitions, { lost });
    } catch (err: unknown) {
      this.host.fail(BrookError.from(err));
    }
  }

  // ---- commits ----------------------------------------------------------------------------------------------------

  private async commitOnce(kind: PositionKind): Promise<void> {
    const offsets = this.membership.toCommit(this.host.positions(kind));
    if (offsets.length === 0) return;
    const incarnation = this.membership.incarnation;
    let results;
    try {
      ({ results } = await this.onCoordinator(
        (c) =>
          c.request('commitOffsets', {
            groupId: this.group.groupId,
            memberId: this.membership.memberId,
            memberEpoch: this.membership.memberEpoch,
            offsets,
          }),
        () => this.membership.incarnation === incarnation,
      ));
    } catch (err: unknown) {
      const error = BrookError.from(err);
      if (this.membership.incarnation === incarnation) this.onError(error, true);
      throw error;
    }
    let failure: BrookError | undefined;
    for (const result of results) {
      if (result.error !== undefined) {
        failure ??= BrookError.fromWire(result.error);
        continue;
      }
      const sent = offsets.find((o) => o.topic === result.topic && o.partition === result.partition);
      if (sent !== undefined) this.membership.committed(sent, incarnation);
    }
    if (failure !== undefined) {
      if (this.membership.incarnation === incarnation) this.onError(failure, true);
      throw failure;
    }
  }

  private armAutoCommit(): void {
    this.commitTimer = this.client.clock.setTimeout(() => {
      if (this.closing) return;
      if (this.membership.state === MemberState.MEMBER) this.commit('finished').catch(() => undefined);
      this.armAutoCommit();
    }, this.group.autoCommitIntervalMs);
  }

  // ---- max poll interval ------------------------------------------------------------------------------------------

  private armPollCheck(delayMs: number): void {
    this.clearTimer(this.pollTimer);
    this.pollTimer = this.client.clock.setTimeout(() => {
      this.pollTimer = undefined;
      this.checkPoll();
    }, delayMs);
  }

  private checkPoll(): void {
    if (this.closing) return;
    const check = this.membership.checkPoll(this.nowMs(), this.host.lastPollMs());
    if (check.left) {
      this.dropLost();
      this.pump();
    } else if (Number.isFinite(check.checkInMs)) {
      this.armPollCheck(check.checkInMs);
    }
  }

  // ---- helpers ----------------------------------------------------------------------------------------------------

  private isMember(): boolean {
    const state = this.membership.state;
    return state !== MemberState.LEFT && state !== MemberState.FAILED;
  }

  private notifyLeft(): void {
    const waiters = this.leftWaiters;
    this.leftWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private clearTimer(handle: TimerHandle | undefined): void {
    if (handle !== undefined) this.client.clock.clearTimeout(handle);
  }

  private nowMs(): number {
    return this.client.clock.nowMs();
  }
}
