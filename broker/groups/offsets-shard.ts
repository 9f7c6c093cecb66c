/**
 * The groups of one `__offsets` partition this broker leads: its {@link GroupCoordinator}, the queue that runs
 * its operations one at a time, and its persistence. A shard starts `loading`: once the partition's high watermark
 * reaches its log end (a new Raft leader's first entry commits what earlier leaders wrote) it replays the partition,
 * becomes `active` and writes a checkpoint. Every change is appended with acks=all before the operation that made it
 * is answered. `dropped` once leadership moved.
 */
import type { Logger } from 'pino';
import type { Partition } from '../partitions/partition.js';
import { BrookError } from '../../protocol/index.js';
import type { GroupCoordinator } from './coordinator.js';
import type { Group } from './group-state.js';
import {
  applyEntry,
  emptyEntry,
  groupEntry,
  groupFingerprint,
  snapshotEntry,
  type OffsetsEntry,
} from './offsets-records.js';
import { decodeBatch, encodeBatches, OFFSETS_TOPIC } from './offsets-topic.js';

/** What a shard needs from the service. */
export interface ShardContext {
  /** This broker's replica of the partition (undefined once it is gone). */
  readonly replica: () => Partition | undefined;
  readonly newCore: () => GroupCoordinator;
  /** The topics that exist (internal ones left out), with their partition counts. */
  readonly topics: () => ReadonlyMap<string, number>;
  readonly nowMs: () => number;
  readonly logger: Logger;
  readonly appendTimeoutMs: number;
  readonly checkpointIntervalMs: number;
  readonly brokerId: number;
}

export type ShardState = 'loading' | 'active' | 'dropped';

/** Records bytes read per step of a load. */
const READ_BYTES = 1024 * 1024;

export class OffsetsShard {
  state: ShardState = 'loading';
  core: GroupCoordinator;
  /** Operations queued or running. */
  private busy = 0;
  private queue: Promise<unknown> = Promise.resolve();
  /** The log end after the last read or append: anything else in the log means another leader wrote. */
  private expectedEnd = 0;
  /** Fingerprint of each group's last persisted `group` entry. */
  private persisted = new Map<string, string>();
  /** Groups changed outside an operation of theirs (topic changes): persisted by the next upkeep. */
  private readonly dirty = new Set<string>();
  private lastCheckpointMs = 0;
  /** An upkeep round is queued and not yet run (at most one at a time, however busy the shard is). */
  private upkeepQueued = false;

  constructor(
    readonly partition: number,
    private readonly ctx: ShardContext,
  ) {
    this.core = ctx.newCore();
  }

  /** Runs `op` after every operation queued before it. */
  enqueue<T>(op: () => Promise<T>): Promise<T> {
    this.busy++;
    const result = this.queue.then(op).finally(() => {
      this.busy--;
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Runs a group operation in the queue: refused with COORDINATOR_LOAD_IN_PROGRESS or `notCoordinator()` unless the
   * shard is active when its turn comes. Groups see the current topics first.
   */
  run<T>(notCoordinator: () => BrookError, op: () => Promise<T>, refreshTopics: () => void): Promise<T> {
    return this.enqueue(() => {
      this.checkUnchanged();
      if (this.state === 'loading') return Promise.reject(this.loadingError());
      if (this.state !== 'active') return Promise.reject(notCoordinator());
      // A topic created a moment ago must be known to a commit or a join that names it.
      refreshTopics();
      for (const id of this.core.setTopics(this.ctx.topics())) this.dirty.add(id);
      return op();
    });
  }

  /** One poll's worth of work: load when ready, else queue an upkeep round unless one is queued. */
  poll(): void {
    if (this.state === 'loading') {
      this.tryLoad();
      return;
    }
    if (this.state !== 'active' || this.upkeepQueued) return;
    // Queued behind whatever runs, so that expiry keeps its pace under a steady stream of heartbeats.
    this.upkeepQueued = true;
    void this.enqueue(() => {
      this.upkeepQueued = false;
      return this.state === 'active' ? this.upkeep() : Promise.resolve();
    }).catch(() => undefined);
  }

  loadingError(): BrookError {
    return new BrookError(
      'COORDINATOR_LOAD_IN_PROGRESS',
      `broker ${String(this.ctx.brokerId)} is loading ${OFFSETS_TOPIC}-${String(this.partition)}`,
    );
  }

  /** Appends a `group` entry for each of these groups whose members or target changed since last persisted. */
  async persistGroups(groupIds: readonly string[]): Promise<void> {
    const entries: OffsetsEntry[] = [];
    const prints = new Map<string, string>();
    for (const id of groupIds) {
      const group = this.core.group(id);
      if (group === null) continue;
      const print = groupFingerprint(group);
      if (this.persisted.get(id) === print) continue;
      entries.push(groupEntry(group));
      prints.set(id, print);
    }
    if (entries.length === 0) return;
    await this.append(entries);
    for (const [id, print] of prints) this.persisted.set(id, print);
  }

  /** Forgets a deleted group's persisted fingerprint. */
  forgetPersisted(groupId: string): void {
    this.persisted.delete(groupId);
  }

  /**
   * Appends entries with acks=all. On failure the in-memory groups may be ahead of the log: the shard loads again
   * (or is dropped when leadership moved) and the caller gets NOT_LEADER or the append's own (retriable) error.
   */
  async append(entries: readonly OffsetsEntry[], checkpoint = false): Promise<void> {
    const replica = this.ctx.replica();
    if (replica === undefined) throw new BrookError('NOT_LEADER', `${OFFSETS_TOPIC}-${String(this.partition)} is gone`);
    const batches = encodeBatches(entries, this.ctx.nowMs(), checkpoint);
    try {
      for (const batch of batches) {
        await replica.append(batch, -1, this.ctx.appendTimeoutMs, true);
      }
      this.expectedEnd = replica.logEndOffset;
    } catch (err) {
      if (this.state === 'active') this.state = 'loading';
      throw BrookError.from(err);
    }
  }

  /**
   * Every append to the partition goes through this queue, so at the start of an operation the log must end where
   * the shard left it. If not, another leader wrote in between (leadership was lost and won back between two
   * polls): the groups here are stale and are loaded again.
   */
  private checkUnchanged(): void {
    if (this.state !== 'active') return;
    const replica = this.ctx.replica();
    if (replica !== undefined && replica.logEndOffset !== this.expectedEnd) {
      this.ctx.logger.info({ partition: this.partition }, 'offsets partition changed under the coordinator');
      this.state = 'loading';
    }
  }

  /** Replays the partition once everything in it is committed. */
  private tryLoad(): void {
    const replica = this.ctx.replica();
    if (replica === undefined || this.busy > 0 || replica.highWatermark < replica.logEndOffset) return;
    const groups = new Map<string, Group>();
    const end = replica.highWatermark;
    try {
      let offset = replica.logStartOffset;
      while (offset < end) {
        const batches = replica.read(offset, READ_BYTES);
        if (batches.length === 0) break;
        for (const batch of batches) {
          const entries = decodeBatch(batch, (at, err) => {
            this.ctx.logger.warn({ partition: this.partition, offset: at, err }, 'skipped a bad offsets record');
          });
          for (const entry of entries) applyEntry(groups, entry);
          offset = batch.baseOffset + batch.count;
        }
      }
    } catch (err) {
      this.ctx.logger.warn({ partition: this.partition, err }, 'loading an offsets partition failed; retrying');
      return;
    }
    const now = this.ctx.nowMs();
    const core = this.ctx.newCore();
    core.setTopics(this.ctx.topics());
    this.persisted = new Map([...groups.values()].map((g) => [g.groupId, groupFingerprint(g)]));
    this.dirty.clear();
    for (const group of groups.values()) if (core.restore(group, now)) this.dirty.add(group.groupId);
    this.core = core;
    this.expectedEnd = replica.logEndOffset;
    this.state = 'active';
    this.ctx.logger.info({ partition: this.partition, groups: groups.size, endOffset: end }, 'groups loaded');
    // A fresh checkpoint, so that retention can drop everything the previous leaders wrote.
    void this.enqueue(async () => {
      core.setTopics(this.ctx.topics());
      await this.checkpoint();
    }).catch(() => undefined);
  }

  /** Expiry, topic changes and the periodic checkpoint. */
  private async upkeep(): Promise<void> {
    this.checkUnchanged();
    if (this.state !== 'active') return;
    const now = this.ctx.nowMs();
    const changed = new Set([...this.dirty, ...this.core.setTopics(this.ctx.topics()), ...this.core.tick(now)]);
    this.dirty.clear();
    if (now - this.lastCheckpointMs >= this.ctx.checkpointIntervalMs) {
      await this.checkpoint();
      return;
    }
    if (changed.size > 0) await this.persistGroups([...changed]);
  }

  /** A `snapshot` of every group: after it, nothing older is needed. */
  private async checkpoint(): Promise<void> {
    const groups = this.core.groupIds().flatMap((id) => {
      const group = this.core.group(id);
      return group === null ? [] : [group];
    });
    this.lastCheckpointMs = this.ctx.nowMs();
    // Written even with no group, so that cleanup can drop what deleted groups left behind.
    await this.append(groups.length === 0 ? [emptyEntry()] : groups.map(snapshotEntry), true);
    for (const g of groups) this.persisted.set(g.groupId, groupFingerprint(g));
  }
}
