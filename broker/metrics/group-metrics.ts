/**
 * Consumer-group metrics of the groups this broker coordinates. Member counts and lag are read from the
 * coordinators at scrape time; rebalances and commits are counted as they happen.
 *
 * - `brook_group_members{group}`: members of the group.
 * - `brook_group_lag_records{group,topic,partition}`: high watermark minus committed offset, for partitions
 *   hosted on this broker (the coordinator does not know the log end of partitions it does not host).
 * - `brook_group_rebalances_total{group}`: group epoch changes (joins, leaves, expiries, subscription and topic
 *   changes).
 * - `brook_group_commits_total{group}`: committed offsets (partitions), admin commits included.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { GroupMetricsSink } from '../groups/group-service.js';

/** What the gauges read: each loaded group with its members and per-partition lag. */
export type GroupGaugeSource = () => Iterable<{
  readonly group: { readonly groupId: string; readonly members: ReadonlyMap<string, unknown> };
  readonly lag: readonly { readonly topic: string; readonly partition: number; readonly lag: number }[];
}>;

export class GroupMetrics implements GroupMetricsSink {
  private readonly rebalances: Counter<'group'>;
  private readonly commits: Counter<'group'>;

  constructor(registry: Registry, source: GroupGaugeSource) {
    const registers = [registry];
    this.rebalances = new Counter({
      name: 'brook_group_rebalances_total',
      help: 'Group epoch changes (a member joined, left or expired, or a subscription or subscribed topic changed)',
      labelNames: ['group'],
      registers,
    });
    this.commits = new Counter({
      name: 'brook_group_commits_total',
      help: 'Offsets committed (one per partition), by group',
      labelNames: ['group'],
      registers,
    });
    new Gauge({
      name: 'brook_group_members',
      help: 'Members of each group this broker coordinates',
      labelNames: ['group'],
      registers,
      collect() {
        this.reset();
        for (const { group } of source()) this.set({ group: group.groupId }, group.members.size);
      },
    });
    new Gauge({
      name: 'brook_group_lag_records',
      help: 'Records between a group committed offset and the partition high watermark (partitions hosted here)',
      labelNames: ['group', 'topic', 'partition'],
      registers,
      collect() {
        this.reset();
        for (const { group, lag } of source()) {
          for (const p of lag) {
            this.set({ group: group.groupId, topic: p.topic, partition: String(p.partition) }, p.lag);
          }
        }
      },
    });
  }

  rebalanced(groupId: string): void {
    this.rebalances.inc({ group: groupId });
  }

  committed(groupId: string, offsets: number): void {
    this.commits.inc({ group: groupId }, offsets);
  }
}
