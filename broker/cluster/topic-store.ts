/**
 * The topic registry of a single broker, persisted in `<dataDir>/meta.db` (SQLite, WAL, synchronous FULL: topic
 * changes are rare and must survive a power loss). Also holds the cluster id, generated once.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { BrookError } from '../protocol/index.js';
import { assignReplicas } from './placement.js';
import { checkTopicSpec, type TopicSpec } from './topic-config.js';
import type { TopicRecord, TopicRegistry } from './topic-registry.js';

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
`;

type TopicRow = [
  name: string,
  partitions: number,
  replicationFactor: number,
  replicas: string,
  config: string,
  createdMs: number,
];

/** Options of {@link TopicStore.open}. */
export interface TopicStoreOptions {
  /** The cluster id the caller expects; must match a persisted one. Omitted: the persisted one, or a new one. */
  clusterId?: string | undefined;
  /** Brokers replicas may be placed on. */
  brokerIds: readonly number[];
  /** Makes a new cluster id on first start. Default: 16 random bytes, base64url (22 characters, as Kafka's). */
  newClusterId?: () => string;
}

/** A {@link TopicRegistry} in one SQLite file. */
export class TopicStore implements TopicRegistry {
  private readonly topics = new Map<string, TopicRecord>();
  private readonly insertStmt;
  private readonly deleteStmt;
  private readonly appliedStmt;
  private closed = false;

  private constructor(
    private readonly db: Database.Database,
    readonly clusterId: string,
    readonly brokerIds: readonly number[],
  ) {
    this.insertStmt = db.prepare<[TopicRow]>('INSERT INTO topics VALUES (?, ?, ?, ?, ?, ?)');
    this.deleteStmt = db.prepare<[string]>('DELETE FROM topics WHERE name = ?');
    this.appliedStmt = db.prepare<[string]>(
      "INSERT INTO cluster (key, value) VALUES ('applied_index', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    );
    const rows = db
      .prepare<[], TopicRow>('SELECT name, partitions, replication_factor, replicas, config, created_ms FROM topics')
      .raw(true)
      .all();
    for (const row of rows) this.topics.set(row[0], fromRow(row));
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
  const clusterId = options.clusterId ?? (options.newClusterId ?? defaultClusterId)();
  db.prepare<[string]>("INSERT INTO cluster (key, value) VALUES ('cluster_id', ?)").run(clusterId);
  return clusterId;
}

function defaultClusterId(): string {
  return randomBytes(16).toString('base64url');
}

function fromRow(row: TopicRow): TopicRecord {
  const replicas = JSON.parse(row[3]) as number[][];
  const config = JSON.parse(row[4]) as Record<string, string>;
  return Object.freeze({
    name: row[0],
    partitions: row[1],
    replicationFactor: row[2],
    replicas: Object.freeze(replicas.map((r) => Object.freeze(r))),
    config: Object.freeze(config),
    createdMs: row[5],
  });
}
