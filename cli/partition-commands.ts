/** `brook partition reassign`: move partitions to new replicas, or rebalance them over the brokers, online. */
import type { PartitionReassignment, TopicDescription } from '@brook/client';
import { systemClock, type Clock } from '@brook/client';
import { withAdmin, type CliConnection } from './client-options.js';
import type { Print } from './topic-commands.js';

/** What `brook partition reassign` was asked: one partition's new replicas, or a rebalance of every partition. */
export type ReassignTarget =
  | { readonly topic: string; readonly partition: number; readonly replicas: readonly number[] }
  | { readonly rebalance: true };

/** Parses `--replicas 4,2,1`. Throws on anything but distinct positive integers. */
export function parseReplicas(text: string): number[] {
  const ids = text.split(',').map((part) => Number(part.trim()));
  if (ids.length === 0 || ids.some((id) => !Number.isSafeInteger(id) || id < 1) || new Set(ids).size !== ids.length) {
    throw new Error(`--replicas expects distinct broker ids such as 1,2,3, got "${text}"`);
  }
  return ids;
}

/**
 * Starts the moves and prints each one; with `waitMs` > 0, then waits (polling describe) until every moved
 * partition's in-sync replicas are its new replicas, and fails if that takes longer.
 */
export async function reassignPartitions(
  conn: CliConnection,
  target: ReassignTarget,
  waitMs: number,
  print: Print,
  clock: Clock = systemClock,
): Promise<void> {
  await withAdmin(conn, async (admin) => {
    const moves = 'rebalance' in target ? await admin.rebalancePartitions() : await admin.reassignPartitions([target]);
    if (moves.length === 0) print('Every partition is already where it belongs.');
    for (const m of moves) print(`Moving ${m.topic}-${String(m.partition)} to replicas ${m.replicas.join(',')}.`);
    if (waitMs <= 0 || moves.length === 0) return;
    const deadline = clock.nowMs() + waitMs;
    for (;;) {
      const pending = await unfinished(moves, (names) => admin.describeTopics(names));
      if (pending.length === 0) break;
      if (clock.nowMs() >= deadline) {
        throw new Error(`still moving after ${String(waitMs)} ms: ${pending.join(', ')}`);
      }
      await new Promise<void>((resolve) => {
        clock.setTimeout(resolve, 250);
      });
    }
    print(`Done: ${String(moves.length)} partition(s) moved.`);
  });
}

/** The moves whose partitions do not yet have exactly their new replicas in sync. */
async function unfinished(
  moves: readonly PartitionReassignment[],
  describe: (names: string[]) => Promise<TopicDescription[]>,
): Promise<string[]> {
  const topics = await describe([...new Set(moves.map((m) => m.topic))]);
  return moves
    .filter((m) => {
      const p = topics.find((t) => t.name === m.topic)?.partitions.find((q) => q.partition === m.partition);
      return p === undefined || !sameSet(p.isr, m.replicas) || !sameSet(p.replicas, m.replicas);
    })
    .map((m) => `${m.topic}-${String(m.partition)}`);
}

function sameSet(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id) => b.includes(id));
}
