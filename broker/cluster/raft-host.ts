/**
 * Every Raft group replica on this broker, driven by ONE tick timer and ONE Ready pass per event-loop turn.
 *
 * - Ticks: each tick advances the groups that are not quiesced, quiesces leaders that went idle, and sends each
 *   peer one `alive` message, so the cost of an idle broker grows with its peers, not its partitions.
 * - Ready: groups touched by a tick, a message or a proposal are handled together in the next turn (the
 *   SQLite commits of all proposals of a turn happen in that pass), then every peer's messages go out as one
 *   frame (the transport coalesces what was queued for a peer).
 * - Liveness: a peer silent for an election timeout (or whose link failed) is dead; groups that include it wake,
 *   so followers of a quiesced group can elect a new leader and a leader can notice it lost its quorum.
 * - Shutdown: a stopping broker says so in its `alive` messages and takes no leadership (it ignores TimeoutNow);
 *   brokers hand leadership only to peers that are not stopping. Without this, two brokers stopping together handed
 *   every group back and forth, one term per hop, until their hand-off deadlines (an election storm).
 */
import type { Runtime, TimerHandle } from '../clock.js';
import type { Logger } from '../logger.js';
import { BrookError } from '../../protocol/index.js';
import { MessageType, NO_NODE, type Message } from '../raft/index.js';
import { asControl, type BrokerEndpoint, type ControlMessage, type PeerPayload } from './control-messages.js';
import type { ClusterMessage } from './control-messages.js';
import type { PeerEnvelope } from './peer-codec.js';
import { PeerLiveness } from './liveness.js';
import type { RaftGroup } from './raft-group.js';

/** One message to one peer, tagged with its group ('' for broker-level messages). */
export interface HostEnvelope {
  readonly group: string;
  readonly message: PeerPayload;
}

/** What the host needs of the peer transport. */
export interface PeerLink {
  send(to: number, envelope: HostEnvelope): void;
  flush(): void;
}

export interface RaftHostOptions {
  readonly selfId: number;
  /** Every other broker of the cluster. */
  readonly peers: () => readonly number[];
  readonly link: PeerLink;
  readonly endpoint: () => BrokerEndpoint;
  readonly tickMs: number;
  readonly electionTicks: number;
  readonly logger: Logger;
  /** Monotonic time and timers: the tick timer, the hand-off deadline and the pauses between its attempts. */
  readonly runtime: Runtime;
  /** Messages for the cluster node rather than a group (a broker joining, a move done). */
  readonly onClusterMessage?: (from: number, message: ClusterMessage) => void;
  /**
   * Whether the groups store their Readies on the shards' writer threads without waiting (RaftGroup's `asyncWrites`):
   * a broker does; tests on manual time, whose ticks outrun real writes, do not.
   */
  readonly asyncWrites: boolean;
}

/** Most Ready rounds one group gets per turn before yielding to the event loop. */
const MAX_ROUNDS_PER_TURN = 4;

export class RaftHost {
  private readonly groups = new Map<string, RaftGroup>();
  private readonly dirty = new Set<RaftGroup>();
  /** Conditions of {@link untilLive} calls, checked when a peer turns live. */
  private readonly liveWaiters = new Set<() => void>();
  /** The group the Ready pass is handling. */
  private handling: RaftGroup | null = null;
  /** Groups whose Ready failed in this pass: they get their next one in the next pass. */
  private readonly failedInPass = new Set<RaftGroup>();
  private readonly liveness: PeerLiveness;
  private readonly endpoints = new Map<number, BrokerEndpoint>();
  /** Peers whose latest `alive` said they are shutting down. */
  private readonly stoppingPeers = new Set<number>();
  /** This broker is handing off its leadership to shut down. */
  private stopping = false;
  private timer: TimerHandle | null = null;
  private pass: NodeJS.Immediate | null = null;
  private closed = false;
  /** Counters for metrics. */
  readonly stats = { readyPasses: 0, ticks: 0 };

  constructor(private readonly options: RaftHostOptions) {
    this.liveness = new PeerLiveness(options.electionTicks);
  }

  start(): void {
    this.timer = this.options.runtime.timers.setInterval(() => {
      this.tick();
    }, this.options.tickMs);
  }

  add(group: RaftGroup): void {
    this.groups.set(group.id, group);
    this.touch(group);
  }

  remove(id: string): RaftGroup | undefined {
    const group = this.groups.get(id);
    if (group === undefined) return undefined;
    this.groups.delete(id);
    this.dirty.delete(group);
    group.failAll(new BrookError('NOT_LEADER', `${id} is no longer hosted here`));
    return group;
  }

  get(id: string): RaftGroup | undefined {
    return this.groups.get(id);
  }

  all(): IterableIterator<RaftGroup> {
    return this.groups.values();
  }

  /** The group has work (a proposal was made): handle it this turn. */
  touch(group: RaftGroup): void {
    this.dirty.add(group);
    this.schedule();
  }

  isLive(peer: number): boolean {
    return peer === this.options.selfId || this.liveness.isLive(peer);
  }

  /** Whether new replicas may be placed on `peer` (see {@link PeerLiveness.mayBeLive}). */
  mayBeLive(peer: number): boolean {
    return peer === this.options.selfId || this.liveness.mayBeLive(peer);
  }

  /** Client endpoints of the brokers heard from (this one included). */
  brokerEndpoints(): Map<number, BrokerEndpoint> {
    const all = new Map(this.endpoints);
    all.set(this.options.selfId, this.options.endpoint());
    return all;
  }

  /**
   * Resolves once `enough()` holds: checked now and each time a peer turns live (first heard from, or heard again
   * after it was dead), and given up on after `timeoutMs` (or when the host closes), whatever it says then.
   */
  untilLive(enough: () => boolean, timeoutMs: number): Promise<void> {
    if (this.closed || enough()) return Promise.resolve();
    const timers = this.options.runtime.timers;
    return new Promise((resolve) => {
      const done = (): void => {
        this.liveWaiters.delete(check);
        timers.clear(timer);
        resolve();
      };
      const check = (): void => {
        if (this.closed || enough()) done();
      };
      const timer = timers.setTimeout(done, timeoutMs);
      this.liveWaiters.add(check);
    });
  }

  /** Envelopes from one peer's frame (Raft messages checked by the transport, control messages here). */
  receive(from: number, envelopes: readonly PeerEnvelope[]): void {
    if (this.closed) return;
    if (this.liveness.heard(from)) for (const check of [...this.liveWaiters]) check();
    for (const { group: id, message } of envelopes) {
      if ('kind' in message) {
        const control = asControl(message);
        if (control !== null) this.control(from, id, control);
        continue;
      }
      const group = this.groups.get(id);
      // A group this broker does not host (yet: the metadata entry creating it may still be on its way).
      if (group === undefined) continue;
      // A peer that has not heard we are stopping hands us leadership: decline (its transfer times out).
      if (this.stopping && message.type === MessageType.TimeoutNow) continue;
      group.step(message);
      this.dirty.add(group);
    }
    this.schedule();
  }

  /** The transport dropped messages for `peer` (not connected, or backed up). */
  unreachable(peer: number): void {
    for (const group of this.groups.values()) {
      if (group.isLeader && group.voters.includes(peer)) group.node.reportUnreachable(peer);
    }
    if (this.liveness.lost(peer)) this.peerDied(peer);
  }

  /**
   * Hands the leadership of every group led here to its most caught-up live follower that is not stopping too (a
   * graceful shutdown: the partitions move before this broker goes, instead of waiting out an election timeout).
   * From now on this broker tells its peers it is stopping and takes no leadership. Resolves once no group is led
   * here, once no group led here has anyone to hand over to, or after `timeoutMs`.
   */
  async handOffLeadership(timeoutMs: number): Promise<void> {
    const { monotonic, timers } = this.options.runtime;
    const deadline = monotonic.nowMs() + timeoutMs;
    this.stopping = true;
    this.sendAlive();
    this.schedule();
    for (;;) {
      const led = [...this.groups.values()].filter((g) => g.isLeader && g.voters.length > 1);
      if (led.length === 0 || monotonic.nowMs() >= deadline) return;
      let handing = false;
      for (const group of led) {
        const status = group.status();
        const target = status.progress
          .filter((p) => p.id !== this.options.selfId && this.isLive(p.id) && !this.stoppingPeers.has(p.id))
          .sort((a, b) => b.match - a.match)[0];
        if (target === undefined) continue;
        handing = true;
        if (status.leadTransferee === NO_NODE) {
          group.wake();
          group.node.transferLeadership(target.id);
          this.touch(group);
        }
      }
      if (!handing) return;
      await new Promise<void>((resolve) => {
        timers.setTimeout(resolve, this.options.tickMs);
      });
    }
  }

  /** Stops the timer and the pending pass and fails every waiting proposal. */
  close(): void {
    this.closed = true;
    if (this.timer !== null) this.options.runtime.timers.clear(this.timer);
    if (this.pass !== null) clearImmediate(this.pass);
    this.timer = null;
    this.pass = null;
    for (const group of this.groups.values()) group.failAll(new BrookError('SHUTTING_DOWN', 'broker is shutting down'));
    for (const check of [...this.liveWaiters]) check();
  }

  /** One tick of every group (the timer calls this; tests call it directly). */
  tick(): void {
    this.stats.ticks++;
    const peers = this.options.peers();
    for (const peer of this.liveness.tick(peers)) this.peerDied(peer);
    const live = (id: number): boolean => this.isLive(id);
    for (const group of this.groups.values()) {
      // Checked before ticking, so that no heartbeat (whose answer would wake the group) follows the quiesce.
      if (group.shouldQuiesce(live)) {
        for (const voter of group.voters) {
          if (voter !== this.options.selfId) this.sendControl(voter, group.id, { kind: 'quiesce', term: group.term });
        }
        continue;
      }
      if (group.tick()) this.dirty.add(group);
    }
    this.sendAlive();
    this.schedule();
  }

  /** Tells every peer this broker is alive (and whether it is stopping), with where clients reach it. */
  private sendAlive(): void {
    const endpoint = this.options.endpoint();
    const alive: ControlMessage = this.stopping
      ? { kind: 'alive', endpoint, stopping: true }
      : { kind: 'alive', endpoint };
    for (const peer of this.options.peers()) this.sendControl(peer, '', alive);
  }

  private control(from: number, id: string, message: ControlMessage): void {
    if (message.kind === 'alive') {
      this.endpoints.set(from, message.endpoint);
      // Every alive says it: a broker restarted after stopping is a candidate for leadership again.
      if (message.stopping === true) this.stoppingPeers.add(from);
      else this.stoppingPeers.delete(from);
      return;
    }
    if (message.kind === 'join' || message.kind === 'moved' || message.kind === 'createTopic') {
      this.options.onClusterMessage?.(from, message);
      return;
    }
    const group = this.groups.get(id);
    if (group === undefined) return;
    if (message.kind === 'quiesce') group.quiesceFromLeader(from, message.term);
    else group.wake();
  }

  /** Groups with `peer` wake: followers may need a new leader, leaders must check their quorum. */
  private peerDied(peer: number): void {
    this.options.logger.warn({ peer }, 'peer broker unreachable');
    for (const group of this.groups.values()) {
      if (!group.voters.includes(peer) || !group.quiesced) continue;
      group.wake();
      // If the leader only looked dead, this brings its heartbeats back before anyone's election timeout.
      const leader = group.leader;
      if (leader !== peer && leader !== this.options.selfId && leader !== NO_NODE) {
        this.sendControl(leader, group.id, { kind: 'wake' });
      }
    }
  }

  /** Whether this host's groups store their Readies without waiting (see {@link RaftHostOptions.asyncWrites}). */
  get asyncWrites(): boolean {
    return this.options.asyncWrites;
  }

  /** Sends a broker-level message (of no group) to `to` with the next flush. */
  sendClusterMessage(to: number, message: ClusterMessage): void {
    this.sendControl(to, '', message);
    this.schedule();
  }

  private sendControl(to: number, group: string, message: ControlMessage): void {
    this.options.link.send(to, { group, message });
  }

  private schedule(): void {
    if (this.pass !== null || this.closed) return;
    this.pass = setImmediate(() => {
      this.pass = null;
      this.readyPass();
    });
  }

  private readyPass(): void {
    this.stats.readyPasses++;
    const groups = [...this.dirty];
    this.dirty.clear();
    for (const group of groups) {
      let rounds = 0;
      this.handling = group;
      while (!this.failedInPass.has(group) && group.hasReady() && rounds++ < MAX_ROUNDS_PER_TURN) {
        group.handleReady(this.sender(group), (err) => {
          this.readyHandled(group, err);
        });
      }
      this.handling = null;
      if (this.failedInPass.has(group) || group.hasReady()) this.dirty.add(group);
    }
    this.failedInPass.clear();
    this.options.link.flush();
    if (this.dirty.size > 0) this.schedule();
  }

  /**
   * A group's Ready has been handled. Within the pass (storage written synchronously) the pass goes on with the group;
   * later (the shard's writer answered) the group's messages are flushed and its next Ready handled in a pass of its own.
   */
  private readyHandled(group: RaftGroup, err: unknown): void {
    if (err !== null) {
      // The group already failed its proposals and restarted its node from storage: drive it again next turn.
      this.options.logger.error({ err, group: group.id }, 'raft ready handling failed');
    }
    if (group === this.handling) {
      if (err !== null) this.failedInPass.add(group);
      return;
    }
    this.dirty.add(group);
    this.schedule();
  }

  private sender(group: RaftGroup): (message: Message) => void {
    return (message) => {
      this.options.link.send(message.to, { group: group.id, message });
    };
  }
}
