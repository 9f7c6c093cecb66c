/**
 * `brook broker remove --id N [--force]`: takes a broker out of the cluster's metadata voters and replica placement,
 * so that a bad join can be undone or a dead broker replaced (`brook broker` itself runs a broker).
 */
import type { Command } from 'commander';
import { clientCommand, connection, print, type ConnectionFlags } from './client-command.js';
import { withAdmin, type CliConnection } from './client-options.js';
import { integerFlag } from './flag-error.js';
import type { Print } from './topic-commands.js';

/** Removes broker `id`, printing the moves a forced removal started. */
export async function removeBroker(conn: CliConnection, id: number, force: boolean, print: Print): Promise<void> {
  const moves = await withAdmin(conn, (admin) => admin.removeBroker(id, { force }));
  for (const m of moves) print(`Moving ${m.topic}-${String(m.partition)} to replicas ${m.replicas.join(',')}.`);
  print(`Removed broker ${String(id)}`);
}

/** `brook broker remove`, added under the `brook broker` command. */
export function brokerRemoveCommand(): Command {
  return clientCommand('remove')
    .description('remove a broker from the cluster (metadata voters and replica placement)')
    .requiredOption('--id <n>', 'the id of the broker to remove', integerFlag('--id', 1))
    .option('--force', 'remove it although it hosts replicas (a dead broker): they move to other brokers', false)
    .action(async (flags: ConnectionFlags & { id: number; force: boolean }) => {
      await removeBroker(connection(flags), flags.id, flags.force, print);
    });
}
