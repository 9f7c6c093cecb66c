/**
 * What the console's tables show, as rows of text computed from Admin answers. Pure (no DOM), so it is tested
 * without a browser; console-page.ts puts the rows on the page.
 */
import type { ClusterDescription, GroupDescription, TopicDescription } from '@brook/client/browser';

/** A table: its column headers and its rows, one text per cell. */
export interface Table {
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/**
 * Every broker the cluster knows of: those heard from (metadata lists only live brokers) and those named as a
 * replica while down, with whether it is live, whether it is the controller, and how many partitions it leads.
 */
export function brokerTable(cluster: ClusterDescription, topics: readonly TopicDescription[]): Table {
  const live = new Map(cluster.brokers.map((b) => [b.id, b]));
  const partitions = topics.flatMap((t) => t.partitions);
  const ids = new Set([...live.keys(), ...partitions.flatMap((p) => p.replicas)]);
  return {
    headers: ['Broker', 'Address', 'Live', 'Controller', 'Partitions led'],
    rows: [...ids]
      .sort((a, b) => a - b)
      .map((id) => {
        const broker = live.get(id);
        return [
          String(id),
          broker === undefined ? '' : `${broker.host}:${String(broker.port)} (ws ${String(broker.wsPort)})`,
          broker === undefined ? 'no' : 'yes',
          id === cluster.controllerId ? 'yes' : '',
          String(partitions.filter((p) => p.leader === id).length),
        ];
      }),
  };
}

/** One row per partition of every topic: leader (`none` while offline), replicas, in-sync replicas, offsets. */
export function partitionTable(topics: readonly TopicDescription[]): Table {
  return {
    headers: ['Topic', 'Partition', 'Leader', 'Replicas', 'ISR', 'Log start', 'High watermark', 'Size (bytes)'],
    rows: topics.flatMap((t) =>
      t.partitions.map((p) => [
        t.name,
        String(p.partition),
        p.leader < 0 ? 'none' : String(p.leader),
        p.replicas.join(','),
        p.isr.join(','),
        String(p.logStartOffset),
        String(p.highWatermark),
        p.sizeBytes === undefined ? '' : String(p.sizeBytes),
      ]),
    ),
  };
}

/** One row per partition a group has an offset on: its member (client id), committed offset, log end and lag. */
export function groupTable(groups: readonly GroupDescription[]): Table {
  return {
    headers: ['Group', 'State', 'Members', 'Topic', 'Partition', 'Member', 'Committed', 'Log end', 'Lag'],
    rows: groups.flatMap((g) => {
      const clientOf = new Map(g.members.map((m) => [m.memberId, m.clientId]));
      const summary = [g.groupId, g.state, String(g.members.length)];
      if (g.partitions.length === 0) return [[...summary, '', '', '', '', '', '']];
      return g.partitions.map((p) => [
        ...summary,
        p.topic,
        String(p.partition),
        p.memberId === null ? '' : (clientOf.get(p.memberId) ?? p.memberId),
        p.committed < 0 ? '' : String(p.committed),
        p.logEndOffset < 0 ? '' : String(p.logEndOffset),
        p.lag < 0 ? '' : String(p.lag),
      ]);
    }),
  };
}

/** The address the page's own broker answers WebSocket clients on: its own host, ws:// or wss:// as the page. */
export function ownBootstrap(location: { readonly protocol: string; readonly host: string }): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
}
