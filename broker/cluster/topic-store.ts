/**
 * The topic registry of a single broker, persisted in `<dataDir>/meta.db` (SQLite, WAL, synchronous FULL: topic
 * changes are rare and must survive a power loss). Also holds the cluster id, made or learned once.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { BrookError } from '../../protocol/index.js';
import { AclStore } from '../auth/acl-store.js';
import { UserStore } from '../auth/user-store.js';
import { QuotaStore } from '../quota/quota-store.js';
import { newClusterId, UNKNOWN_CLUSTER_ID } from './cluster-id.js';
import { assignReplicas } from './placement.js';
import { checkTopicSpec, type TopicSpec } from '../topics/topic-config.js';
import type { PeerAddress } from './peer-link.js';
import { hostsOf, type TopicRecord, type TopicRegistry } from '../topics/topic-registry.js';

/** File name of the metadata database inside the data dir. */
export const META_DB_FILE = 'meta.db';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS cluster (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS topics (
  name TEXT PRIMARY KEY,
  partitions INTEGER NOT NULL,
  replication_factor INTEGER NOT NULL,
  replicas TEXT NOT NULL,
  config TEXT NOT NULL,
  created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS brokers (id INTEGER PRIMARY KEY, host TEXT NOT NULL, port INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS removed_brokers (id INTEGER PRIMARY KEY);
`;

/** Added by partition reassignment: JSON of {@link TopicRecord.moving}. */
const MOVING_COLUMN = "ALTER TABLE topics ADD COLUMN moving TEXT NOT NULL DEFAULT '{}'";

type TopicRow = [
  name: string,
  partitions: number,
  replicationFactor: number,
  replicas: string,
  config: string,
  createdMs: number,
  moving: string,
];

/** Options of {@link TopicStore.open}. */
export interface TopicStoreOptions {
  /** The cluster id the caller expects; must match a persisted one. Omitted: the persisted one, or a new one. */
  clusterId?: string | undefined;
  /** Brokers replicas may be placed on, besides those that joined later (kept in the store). */
  brokerIds: readonly number[];
  /** Makes a new cluster id on first start. Default: 16 random bytes, base64url (22 characters, as Kafka's). */
  newClusterId?: () => string;
  /**
   * A broker of a cluster: without a persisted or configured id, start without one and learn it from the metadata log
   * ({@link adoptClusterId}) instead of making one. Default false.
   */
  learnClusterId?: boolean;
}

/** A {@link TopicRegistry} in one SQLite file. */
export class TopicStore implements TopicRegistry {
  /** The cluster's users, in the same database (changed in the same transaction as the metadata entry's index). */
  readonly users: UserStore;
  /** The cluster's ACL bindings, in the same database. */
  readonly acls: AclStore;
  /** The cluster's quota overrides, in the same database. */
  readonly quotas: QuotaStore;
  private readonly topics = new Map<string, TopicRecord>();
  /** Brokers that joined after the cluster was formed, with their peer addresses. */
  private readonly joined = new Map<number, PeerAddress>();
  /** Brokers removed from the cluster (`brook broker remove`): never placed on, dialled or admitted again. */
  private readonly removed = new Set<number>();
  private readonly insertStmt;
  private readonly deleteStmt;
  private readonly placementStmt;
  private readonly configStmt;
  private readonly growStmt;
  private readonly appliedStmt;
  private readonly brokerStmt;
  private readonly removeStmt;
  private closed = false;

  private constructor(
    private readonly db: Database.Database,
    private id: string,
    private readonly bootstrapIds: readonly number[],
  ) {
    this.users = new UserStore(db);
    this.acls = new AclStore(db);
    this.quotas = new QuotaStore(db);
    this.insertStmt = db.prepare<[TopicRow]>(
      'INSERT INTO topics (name, partitions, replication_factor, replicas, config, created_ms, moving) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.deleteStmt = db.prepare<[string]>('DELETE FROM topics WHERE name = ?');
    this.placementStmt = db.prepare<[string, string, string]>(
      'UPDATE topics SET replicas = ?, moving = ? WHERE name = ?',
    );
    this.configStmt = db.prepare<[string, string]>('UPDATE topics SET config = ? WHERE name = ?');
    this.growStmt = db.prepare<[number, string, string]>(
      'UPDATE topics SET partitions = ?, replicas = ? WHERE name = ?',
    );
    this.appliedStmt = db.prepare<[string]>(
      "INSERT INTO cluster (key, value) VALUES ('applied_index', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    );
    this.brokerStmt = db.prepare<[number, string, number]>(
      'INSERT INTO brokers (id, host, port) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET host = excluded.host, port = excluded.port',
    );
    this.removeStmt = db.prepare<[number]>('INSERT OR IGNORE INTO removed_brokers (id) VALUES (?)');
    const rows = db
      .prepare<[], TopicRow>(
        'SELECT name, partitions, replication_factor, replicas, config, created_ms, moving FROM topics',
      )
      .raw(true)
      .all();
    for (const row of rows) this.topics.set(row[0], fromRow(row));
    const brokers = db.prepare<[], PeerAddress>('SELECT id, host, port FROM brokers').all();
    for (const broker of brokers) this.joined.set(broker.id, broker);
    for (const id of db.prepare<[], number>('SELECT id FROM removed_brokers').pluck().all()) this.removed.add(id);
  }

  /** The cluster's id; {@link UNKNOWN_CLUSTER_ID} until a broker of a new cluster has learned it. */
  get clusterId(): string {
    return this.id;
  }

  /** Whether the cluster id is in the metadata log (the controller puts it there once). */
  get clusterIdLogged(): boolean {
    return this.db.prepare("SELECT 1 FROM cluster WHERE key = 'cluster_id_logged'").get() !== undefined;
  }

  /**
   * The metadata log names the cluster id: a broker without one takes it (kept in meta.db for good); a broker with one
   * keeps its own. Returns whether the log's id is this broker's now.
   */
  adoptClusterId(clusterId: string): boolean {
    this.checkOpen();
    if (this.id === UNKNOWN_CLUSTER_ID) {
      this.db.prepare<[string]>("INSERT INTO cluster (key, value) VALUES ('cluster_id', ?)").run(clusterId);
      this.id = clusterId;
    }
    this.db.prepare("INSERT OR IGNORE INTO cluster (key, value) VALUES ('cluster_id_logged', '1')").run();
    return this.id === clusterId;
  }

  /** Ids of the brokers replicas may be placed on: the founding ones and those that joined, ascending. */
  get brokerIds(): readonly number[] {
    return [...new Set([...this.bootstrapIds, ...this.joined.keys()])]
      .filter((id) => !this.removed.has(id))
      .sort((a, b) => a - b);
  }

  /** Whether broker `id` was removed from the cluster. */
  isRemoved(id: number): boolean {
    return this.removed.has(id);
  }

  /** Records that broker `id` left the cluster for good (its peer address is forgotten). */
  removeBroker(id: number): void {
    this.checkOpen();
    this.removeStmt.run(id);
    this.db.prepare<[number]>('DELETE FROM brokers WHERE id = ?').run(id);
    this.joined.delete(id);
    this.removed.add(id);
  }

  /** Brokers that joined the cluster after it was formed (their peer addresses are not in anyone's --peers). */
  joinedBrokers(): PeerAddress[] {
    return [...this.joined.values()];
  }

  /** Records a broker that joined (or its new peer address). */
  addBroker(broker: PeerAddress): void {
    this.checkOpen();
    this.brokerStmt.run(broker.id, broker.host, broker.port);
    this.joined.set(broker.id, Object.freeze({ id: broker.id, host: broker.host, port: broker.port }));
  }

  /**
   * Sets the replicas of one partition (a reassignment): `replicas` becomes the target, and the partition is
   * marked moving, hosted by its old and new replicas alike until {@link completeMove}. Returns the new record.
   * Throws UNKNOWN_TOPIC, UNKNOWN_PARTITION.
   */
  reassign(topic: string, partition: number, replicas: readonly number[]): TopicRecord {
    const record = this.existing(topic, partition);
    const hosts = new Set([...hostsOf(record, partition), ...replicas]);
    return this.setPlacement(
      record,
      partition,
      replicas,
      [...hosts].sort((a, b) => a - b),
    );
  }

  /** Replaces a topic's config (checked by the caller, with topic-config.ts' alteredConfig). Returns the new record. Throws UNKNOWN_TOPIC. */
  alterConfig(topic: string, config: Readonly<Record<string, string>>): TopicRecord {
    const record = this.existingTopic(topic);
    const next: TopicRecord = Object.freeze({ ...record, config: Object.freeze({ ...config }) });
    this.configStmt.run(JSON.stringify(next.config), topic);
    this.topics.set(topic, next);
    return next;
  }

  /**
   * Appends partitions `from`, `from + 1`, ... to a topic, with the given replicas each. Throws UNKNOWN_TOPIC, or
   * INVALID_TOPIC when the topic no longer has `from` partitions (another change got to the log first).
   */
  addPartitions(topic: string, from: number, replicas: readonly (readonly number[])[]): TopicRecord {
    const record = this.existingTopic(topic);
    if (record.partitions !== from) {
      throw new BrookError(
        'INVALID_TOPIC',
        `topic '${topic}' has ${String(record.partitions)} partitions, not ${String(from)}: it changed meanwhile`,
      );
    }
    const next: TopicRecord = Object.freeze({
      ...record,
      partitions: from + replicas.length,
      replicas: Object.freeze([...record.replicas, ...replicas.map((r) => Object.freeze([...r]))]),
    });
    this.growStmt.run(next.partitions, JSON.stringify(next.replicas), topic);
    this.topics.set(topic, next);
    return next;
  }

  /** Ends a partition's move: only its target replicas host it from now on. Returns the new record. */
  completeMove(topic: string, partition: number): TopicRecord {
    const record = this.existing(topic, partition);
    return this.setPlacement(record, partition, record.replicas[partition] ?? [], null);
  }

  /**
   * Opens (creating if needed) `<dataDir>/meta.db`. Throws when the persisted cluster id differs from
   * `options.clusterId`, or when the file cannot be opened.
   */
  static open(dataDir: string, options: TopicStoreOptions): TopicStore {
    const file = path.join(dataDir, META_DB_FILE);
    const db = new Database(file, { timeout: 0 });
    try {
      // Exclusive: a second broker process on the same data dir fails here instead of corrupting it.
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.exec(SCHEMA);
      const columns = db.prepare<[], { name: string }>('PRAGMA table_info(topics)').all();
      if (!columns.some((c) => c.name === 'moving')) db.exec(MOVING_COLUMN);
      const clusterId = resolveClusterId(db, file, options);
      return new TopicStore(db, clusterId, Object.freeze([...options.brokerIds]));
    } catch (err) {
      db.close();
      if (err instanceof Database.SqliteError && err.code.startsWith('SQLITE_BUSY')) {
        throw new Error(`${file} is locked: another broker is using the data dir ${dataDir}`, { cause: err });
      }
      throw err;
    }
  }

  create(spec: TopicSpec, nowMs: number): TopicRecord {
    const record = this.plan(spec, nowMs);
    this.insert(record);
    return record;
  }

  /**
   * Checks a topic spec and places its replicas, without storing anything: the replicated controller proposes
   * the result, and every broker {@link insert}s it when the proposal commits. Throws as {@link create}.
   */
  plan(spec: TopicSpec, nowMs: number): TopicRecord {
    this.checkOpen();
    checkTopicSpec(spec, this.brokerIds.length);
    if (this.topics.has(spec.name)) throw new BrookError('TOPIC_EXISTS', `topic '${spec.name}' already exists`);
    return Object.freeze({
      name: spec.name,
      partitions: spec.partitions,
      replicationFactor: spec.replicationFactor,
      replicas: Object.freeze(
        assignReplicas(spec.name, spec.partitions, spec.replicationFactor, this.brokerIds).map((r) => Object.freeze(r)),
      ),
      config: Object.freeze({ ...spec.config }),
      createdMs: nowMs,
    });
  }

  /** Stores a planned topic. Throws TOPIC_EXISTS. */
  insert(record: TopicRecord): void {
    this.checkOpen();
    if (this.topics.has(record.name)) throw new BrookError('TOPIC_EXISTS', `topic '${record.name}' already exists`);
    this.insertStmt.run([
      record.name,
      record.partitions,
      record.replicationFactor,
      JSON.stringify(record.replicas),
      JSON.stringify(record.config),
      record.createdMs,
      JSON.stringify(record.moving ?? {}),
    ]);
    this.topics.set(record.name, record);
  }

  /** Index of the last metadata log entry applied to this store (0 before any). */
  get appliedIndex(): number {
    return Number(
      this.db.prepare<[], string>("SELECT value FROM cluster WHERE key = 'applied_index'").pluck().get() ?? 0,
    );
  }

  /**
   * Runs `apply` (inserts and deletes of one metadata log entry) and records `index` as applied, in one
   * transaction: after a crash an entry is either wholly applied or applied again from scratch.
   */
  applyEntry(index: number, apply: () => void): void {
    this.checkOpen();
    this.db.transaction(() => {
      apply();
      this.appliedStmt.run(String(index));
    })();
  }

  delete(name: string): void {
    this.checkOpen();
    if (!this.topics.has(name)) throw new BrookError('UNKNOWN_TOPIC', `topic '${name}' does not exist`);
    this.deleteStmt.run(name);
    this.topics.delete(name);
  }

  get(name: string): TopicRecord | undefined {
    return this.topics.get(name);
  }

  list(): TopicRecord[] {
    return [...this.topics.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Closes the database. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private existing(topic: string, partition: number): TopicRecord {
    const record = this.existingTopic(topic);
    if (!Number.isInteger(partition) || partition < 0 || partition >= record.partitions) {
      throw new BrookError('UNKNOWN_PARTITION', `topic '${topic}' has no partition ${String(partition)}`);
    }
    return record;
  }

  /** The topic called `topic`; throws UNKNOWN_TOPIC when there is none. */
  existingTopic(topic: string): TopicRecord {
    this.checkOpen();
    const record = this.topics.get(topic);
    if (record === undefined) throw new BrookError('UNKNOWN_TOPIC', `topic '${topic}' does not exist`);
    return record;
  }

  private setPlacement(
    record: TopicRecord,
    partition: number,
    replicas: readonly number[],
    hosts: readonly number[] | null,
  ): TopicRecord {
    const allReplicas = record.replicas.map((r, p) => (p === partition ? Object.freeze([...replicas]) : r));
    const moving = Object.fromEntries(
      Object.entries(record.moving ?? {}).filter(([p]) => Number(p) !== partition),
    ) as Record<number, readonly number[]>;
    if (hosts !== null) moving[partition] = Object.freeze([...hosts]);
    const { moving: _previous, ...rest } = record;
    const next: TopicRecord = Object.freeze({
      ...rest,
      replicas: Object.freeze(allReplicas),
      ...(Object.keys(moving).length === 0 ? {} : { moving: Object.freeze(moving) }),
    });
    this.placementStmt.run(JSON.stringify(next.replicas), JSON.stringify(next.moving ?? {}), record.name);
    this.topics.set(record.name, next);
    return next;
  }

  private checkOpen(): void {
    if (this.closed) throw new BrookError('SHUTTING_DOWN', 'topic store is closed');
  }
}

function resolveClusterId(db: Database.Database, file: string, options: TopicStoreOptions): string {
  const stored = db.prepare<[], string>("SELECT value FROM cluster WHERE key = 'cluster_id'").pluck().get();
  if (stored !== undefined) {
    if (options.clusterId !== undefined && options.clusterId !== stored) {
      throw new Error(`${file} belongs to cluster '${stored}', but clusterId '${options.clusterId}' was configured`);
    }
    return stored;
  }
  if (options.clusterId === undefined && options.learnClusterId === true) return UNKNOWN_CLUSTER_ID;
  const clusterId = options.clusterId ?? (options.newClusterId ?? newClusterId)();
  db.prepare<[string]>("INSERT INTO cluster (key, value) VALUES ('cluster_id', ?)").run(clusterId);
  return clusterId;
}

function fromRow(row: TopicRow): TopicRecord {
  const replicas = JSON.parse(row[3]) as number[][];
  const config = JSON.parse(row[4]) as Record<string, string>;
  const moving = JSON.parse(row[6]) as Record<number, number[]>;
  return Object.freeze({
    name: row[0],
    partitions: row[1],
    replicationFactor: row[2],
    replicas: Object.freeze(replicas.map((r) => Object.freeze(r))),
    config: Object.freeze(config),
    createdMs: row[5],
    ...(Object.keys(moving).length === 0 ? {} : { moving: Object.freeze(moving) }),
  });
}
