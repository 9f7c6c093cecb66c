/** `brook group list|describe|reset-offsets|delete`. */
import type { OffsetResetTarget } from '@brook/client';
import { withAdmin, type CliConnection } from './client-options.js';
import { FlagError } from './flag-error.js';
import type { Print } from './topic-commands.js';

/** Parses `--to`: earliest | latest | timestamp:<ms> | offset:<n>. */
export function parseResetTarget(to: string): OffsetResetTarget {
  if (to === 'earliest' || to === 'latest') return to;
  const match = /^(timestamp|offset):(\d+)$/.exec(to);
  const value = Number(match?.[2]);
  if (match === null || !Number.isSafeInteger(value)) {
    throw new FlagError('--to', to, 'must be earliest, latest, timestamp:<ms> or offset:<n>');
  }
  return match[1] === 'timestamp' ? { timestamp: value } : { offset: value };
}

/** Prints one line per group: id, state, members, coordinator. */
export async function listGroups(conn: CliConnection, print: Print): Promise<void> {
  const groups = await withAdmin(conn, (admin) => admin.listGroups());
  for (const g of groups) {
    print(`${g.groupId}\tState: ${g.state}\tMembers: ${String(g.members)}\tCoordinator: ${String(g.coordinatorId)}`);
  }
}

/** Prints a group's state, members with their assignment, and per partition committed offset, log end and lag. */
export async function describeGroup(conn: CliConnection, groupId: string, print: Print): Promise<void> {
  const group = await withAdmin(conn, (admin) => admin.describeGroup(groupId));
  print(
    `Group: ${group.groupId}\tState: ${group.state}\tEpoch: ${String(group.groupEpoch)}\tAssignor: ${group.assignor}` +
      `\tMembers: ${String(group.members.length)}`,
  );
  for (const m of group.members) {
    const assignment = m.assignment.map((tp) => `${tp.topic}:${tp.partitions.join(',')}`).join(' ');
    const instance = m.groupInstanceId === null ? '' : `\tInstance: ${m.groupInstanceId}`;
    print(
      `\tMember: ${m.memberId}${instance}\tClient: ${m.clientId || '-'}\tEpoch: ${String(m.memberEpoch)}` +
        `\tAssignment: ${assignment || '-'}`,
    );
  }
  for (const p of group.partitions) {
    const committed = p.committed < 0 ? '-' : String(p.committed);
    const lag = p.lag < 0 ? '-' : String(p.lag);
    print(
      `\tTopic: ${p.topic}\tPartition: ${String(p.partition)}\tCommitted: ${committed}` +
        `\tLogEnd: ${String(p.logEndOffset)}\tLag: ${lag}\tMember: ${p.memberId ?? '-'}`,
    );
  }
}

/**
 * Moves a group's committed offsets on every partition of a topic (the group must have no members); with `dryRun`,
 * prints the offsets it would commit and changes nothing.
 */
export async function resetGroupOffsets(
  conn: CliConnection,
  groupId: string,
  opts: { topic: string; to: string; dryRun: boolean },
  print: Print,
): Promise<void> {
  const target = parseResetTarget(opts.to);
  const offsets = await withAdmin(conn, (admin) =>
    admin.resetOffsets(groupId, opts.topic, target, { dryRun: opts.dryRun }),
  );
  for (const o of offsets) print(`${opts.topic}\tPartition: ${String(o.partition)}\tOffset: ${String(o.offset)}`);
  print(
    opts.dryRun
      ? `Dry run: group ${groupId} would be reset on ${String(offsets.length)} partition(s) of ${opts.topic}; nothing changed.`
      : `Reset group ${groupId} on ${String(offsets.length)} partition(s) of ${opts.topic}.`,
  );
}

/** Deletes a group (it must have no members) with its committed offsets. */
export async function deleteGroup(conn: CliConnection, groupId: string, print: Print): Promise<void> {
  const [result] = await withAdmin(conn, (admin) => admin.deleteGroups([groupId]));
  if (result?.error !== undefined) throw result.error;
  print(`Deleted group ${groupId}.`);
}
