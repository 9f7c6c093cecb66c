/**
 * Every write of a storage shard, as the groups of statements its writer thread runs (shard-writer.ts). Pure: each
 * function plans one atomic change of one partition (`part`) and returns its statements in order; the writer runs them
 * under one savepoint of its round's transaction.
 */
import type { BatchRow, RaftWritePlan, StartPoint } from './log-store.js';
import { BATCH_COLUMNS, INITIAL_META } from './shard-schema.js';
import type { SqlValue, WriteOp } from './shard-writer.js';

/** The statements the writer thread prepares, by name. */
export const WRITE_STATEMENTS = {
  insert: `INSERT INTO batches (part, ${BATCH_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
  metaSet:
    'INSERT INTO meta (part, key, value) VALUES (?, ?, ?) ON CONFLICT (part, key) DO UPDATE SET value = excluded.value',
  deleteBefore: 'DELETE FROM batches WHERE part = ? AND base_offset < ?',
  deleteFrom: 'DELETE FROM batches WHERE part = ? AND base_offset >= ?',
  deleteAll: 'DELETE FROM batches WHERE part = ?',
  addName: 'INSERT INTO partitions (part, name) VALUES (?, ?)',
  deleteMeta: 'DELETE FROM meta WHERE part = ?',
  deleteName: 'DELETE FROM partitions WHERE part = ?',
} as const;

type StatementName = keyof typeof WRITE_STATEMENTS;

function op(name: StatementName, ...params: SqlValue[]): WriteOp {
  return [name, ...params];
}

/** Inserts `rows`. */
export function insertRows(part: number, rows: readonly BatchRow[]): WriteOp[] {
  return rows.map((row) => op('insert', part, ...row));
}

/** Sets one meta value. */
export function setMeta(part: number, key: string, value: number | string): WriteOp[] {
  return [op('metaSet', part, key, value)];
}

/** Records where the log starts (the voters only when given). */
function setStart(part: number, start: StartPoint): WriteOp[] {
  const ops = [
    op('metaSet', part, 'log_start_offset', start.offset),
    op('metaSet', part, 'start_term', start.term),
    op('metaSet', part, 'start_idx', start.index),
  ];
  if (start.voters !== null) ops.push(op('metaSet', part, 'snapshot_voters', start.voters));
  return ops;
}

/** Deletes rows with base offset < `offset` and records `start` (whose offset is `offset`). */
export function deleteBefore(part: number, offset: number, start: StartPoint): WriteOp[] {
  return [op('deleteBefore', part, offset), ...setStart(part, start)];
}

/** Deletes rows with base offset >= `offset`. */
export function deleteFrom(part: number, offset: number): WriteOp[] {
  return [op('deleteFrom', part, offset)];
}

/** Deletes every row and records a new start. */
export function reset(part: number, start: StartPoint): WriteOp[] {
  return [op('deleteAll', part), ...setStart(part, start)];
}

/** A Raft write: reset, truncation, rows, hard state, in that order. */
export function writeRaft(part: number, plan: RaftWritePlan): WriteOp[] {
  const ops: WriteOp[] = [];
  if (plan.reset !== null) ops.push(...reset(part, plan.reset));
  if (plan.truncateFromOffset !== null) ops.push(...deleteFrom(part, plan.truncateFromOffset));
  ops.push(...insertRows(part, plan.rows));
  if (plan.hardState !== null) {
    ops.push(
      op('metaSet', part, 'raft_term', plan.hardState.term),
      op('metaSet', part, 'raft_vote', plan.hardState.vote),
      op('metaSet', part, 'raft_commit', plan.hardState.commit),
    );
  }
  return ops;
}

/** Adds the log `name` as `part`, with its initial meta values. */
export function addPartition(part: number, name: string): WriteOp[] {
  return [op('addName', part, name), ...INITIAL_META.map(([key, value]) => op('metaSet', part, key, value))];
}

/** Removes a log: its rows, its meta values and its name. */
export function dropPartition(part: number): WriteOp[] {
  return [op('deleteAll', part), op('deleteMeta', part), op('deleteName', part)];
}
