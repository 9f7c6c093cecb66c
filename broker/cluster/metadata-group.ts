/**
 * The metadata Raft group: every broker of the cluster is a voter, its log (a partition log in
 * `<dataDir>/__metadata`) holds topic commands, and its leader is the controller. A create or delete is proposed
 * by the controller and applied by every broker, in log order, to its own topic store and partition replicas.
 */
import path from 'node:path';
import type { Logger } from '../logger.js';
import { decodeBatchEntry, encodeBatchEntry } from '../log/batch-entry.js';
import { plainBatch } from '../log/batch.js';
import { PartitionLog } from '../log/partition-log.js';
import { RaftLogStorage } from '../log/raft-log-storage.js';
import type { PartitionRegistry } from '../partitions/partition-registry.js';
import { BrookError } from '../protocol/index.js';
import type { Entry } from '../raft/index.js';
import type { Controller } from './controller.js';
import { decodeCommand, encodeCommand, type MetadataCommand } from './metadata-commands.js';
import { RaftGroup } from './raft-group.js';
import type { RaftHost } from './raft-host.js';
import type { TopicSpec } from './topic-config.js';
import type { TopicRecord } from './topic-registry.js';
import type { TopicStore } from './topic-store.js';

/** The metadata group's id in peer envelopes. */
export const METADATA_GROUP = '__metadata';

export interface MetadataGroupOptions {
  readonly selfId: number;
  /** Every broker of the cluster. */
  readonly voters: readonly number[];
  readonly dataDir: string;
  readonly host: RaftHost;
  readonly topics: TopicStore;
  readonly partitions: PartitionRegistry;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly logger: Logger;
}

type Outcome = { readonly ok: true } | { readonly ok: false; readonly error: BrookError };

export class MetadataGroup implements Controller {
  private readonly group: RaftGroup;
  /** Applies run one after another: hosting a topic's replicas is asynchronous. */
  private applying: Promise<void> = Promise.resolve();
  /** Proposals of this controller waiting to be applied here, by index. */
  private readonly waiting = new Map<number, (outcome: Outcome) => void>();

  private constructor(
    private readonly options: MetadataGroupOptions,
    private readonly log: PartitionLog,
  ) {
    const storage = new RaftLogStorage(log, options.voters);
    this.group = new RaftGroup({
      id: METADATA_GROUP,
      selfId: options.selfId,
      storage,
      electionTicks: options.electionTicks,
      heartbeatTicks: options.heartbeatTicks,
      applied: Math.min(options.topics.appliedIndex, storage.lastIndex()),
      events: {
        committed: () => undefined,
        leaderChanged: (leader, term) => {
          options.logger.info({ controller: leader, term }, 'controller changed');
        },
        apply: (entries) => {
          this.apply(entries);
        },
      },
    });
    options.host.add(this.group);
  }

  /** Opens the metadata log and joins the group. Metadata is never subject to retention. */
  static open(options: MetadataGroupOptions): MetadataGroup {
    const log = PartitionLog.open(path.join(options.dataDir, METADATA_GROUP), {
      flush: 'always',
      retentionMs: -1,
      retentionBytes: -1,
    });
    return new MetadataGroup(options, log);
  }

  controllerId(): number {
    const leader = this.group.leader;
    return leader === 0 ? -1 : leader;
  }

  createTopic(spec: TopicSpec, nowMs: number): Promise<TopicRecord> {
    const record = this.options.topics.plan(spec, nowMs);
    return this.propose({ type: 'createTopic', record }).then(() => record);
  }

  async deleteTopic(name: string): Promise<void> {
    if (this.options.topics.get(name) === undefined) {
      throw new BrookError('UNKNOWN_TOPIC', `topic '${name}' does not exist`);
    }
    await this.propose({ type: 'deleteTopic', name });
  }

  /** Leaves the group and closes the metadata log. */
  async close(): Promise<void> {
    this.options.host.remove(METADATA_GROUP);
    for (const resolve of this.waiting.values()) {
      resolve({ ok: false, error: new BrookError('SHUTTING_DOWN', 'broker is shutting down') });
    }
    this.waiting.clear();
    await this.applying;
    await this.log.close();
  }

  private propose(command: MetadataCommand): Promise<void> {
    if (!this.group.isLeader) throw this.group.notLeader();
    const records = encodeCommand(command);
    const data = encodeBatchEntry(plainBatch(records, 1, Date.now()));
    return new Promise((resolve, reject) => {
      const index = this.group.propose(
        data,
        null,
        () => undefined,
        (err) => {
          this.waiting.delete(index);
          reject(err);
        },
      );
      this.waiting.set(index, (outcome) => {
        if (outcome.ok) resolve();
        else reject(outcome.error);
      });
      this.options.host.touch(this.group);
    });
  }

  private apply(entries: readonly Entry[]): void {
    const { topics, logger } = this.options;
    for (const entry of entries) {
      const command = decodeCommand(decodeBatchEntry(entry.data).records);
      const applied = applyToStore(topics, entry.index, command);
      this.applying = this.applying.then(async () => {
        let result = applied;
        if (result.ok) {
          try {
            await this.hostChange(command);
          } catch (err) {
            result = { ok: false, error: BrookError.from(err) };
          }
        }
        if (!result.ok) logger.warn({ err: result.error, index: entry.index }, 'metadata entry not applied');
        this.waiting.get(entry.index)?.(result);
        this.waiting.delete(entry.index);
      });
    }
  }

  private hostChange(command: MetadataCommand): Promise<void> {
    const { partitions, logger } = this.options;
    if (command.type === 'createTopic') {
      logger.info({ topic: command.record.name, replicas: command.record.replicas }, 'metadata: topic created');
      return partitions.createTopic(command.record);
    }
    logger.info({ topic: command.name }, 'metadata: topic deleted');
    return partitions.deleteTopic(command.name);
  }
}

/** Applies a command to the store. A failure is the command's outcome on every broker alike (two creates of one
 * name raced to the log: the later one fails everywhere). */
function applyToStore(topics: TopicStore, index: number, command: MetadataCommand): Outcome {
  const outcomes: Outcome[] = [];
  topics.applyEntry(index, () => {
    try {
      if (command.type === 'createTopic') topics.insert(command.record);
      else topics.delete(command.name);
      outcomes.push({ ok: true });
    } catch (err) {
      outcomes.push({ ok: false, error: BrookError.from(err) });
    }
  });
  return outcomes[0] ?? { ok: true };
}
