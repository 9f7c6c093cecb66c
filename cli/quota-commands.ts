/**
 * `brook quota set|list|remove`: produce and fetch byte-rate quotas per user (`--user`), client id (`--client-id`),
 * both, or the default of every user (`--default`), kept in the metadata log so every broker applies them.
 */
import { Command } from 'commander';
import type { QuotaEntity, QuotaOverride } from '@brook/client';
import { clientCommand, connection, print, type ConnectionFlags } from './client-command.js';
import { withAdmin } from './client-options.js';
import { FlagError, integerFlag } from './flag-error.js';

interface EntityFlags extends ConnectionFlags {
  user?: string;
  clientId?: string;
  default?: boolean;
}

interface SetFlags extends EntityFlags {
  produceBytesPerSec?: number;
  fetchBytesPerSec?: number;
}

/** The entity the flags name; throws FlagError when they name none, or `--default` with another. */
export function entityOf(flags: EntityFlags): QuotaEntity {
  const named = flags.user !== undefined || flags.clientId !== undefined;
  if (flags.default === true && named) {
    throw new FlagError('--default', 'with --user/--client-id', 'give --default alone, or --user and/or --client-id');
  }
  if (flags.default !== true && !named) {
    throw new FlagError('--user/--client-id/--default', 'none', 'name who the quota is for');
  }
  return {
    ...(flags.user === undefined ? {} : { user: flags.user }),
    ...(flags.clientId === undefined ? {} : { clientId: flags.clientId }),
  };
}

/** One line of `brook quota list`. */
export function quotaLine(quota: QuotaOverride): string {
  const { user, clientId } = quota.entity;
  const who = user === undefined && clientId === undefined ? ['default'] : [];
  if (user !== undefined) who.push(`user=${user}`);
  if (clientId !== undefined) who.push(`client-id=${clientId}`);
  const rate = (value: number | undefined): string => (value === undefined ? '-' : String(value));
  return `${who.join(',')}\tProduce: ${rate(quota.produceBytesPerSec)} B/s\tFetch: ${rate(quota.fetchBytesPerSec)} B/s`;
}

function withEntityFlags(command: Command): Command {
  return command
    .option('--user <name>', 'a user (without User:); ANONYMOUS for clients of a broker without users')
    .option('--client-id <id>', 'a client id (with --user: that user with that client id only)')
    .option('--default', 'the default of every user', false);
}

const bytesPerSec = (flag: string): ((value: string) => number) => integerFlag(flag, 0);

/** The `brook quota` commands. */
export function quotaCommand(): Command {
  const quota = new Command('quota').description('set, list and remove produce and fetch byte-rate quotas');
  quota.addCommand(
    withEntityFlags(clientCommand('set'))
      .description('set byte rates (0: no limit) for a user, a client id, both, or --default')
      .option('--produce-bytes-per-sec <n>', 'produce quota', bytesPerSec('--produce-bytes-per-sec'))
      .option('--fetch-bytes-per-sec <n>', 'fetch quota', bytesPerSec('--fetch-bytes-per-sec'))
      .action(async (flags: SetFlags) => {
        const entity = entityOf(flags);
        const { produceBytesPerSec, fetchBytesPerSec } = flags;
        if (produceBytesPerSec === undefined && fetchBytesPerSec === undefined) {
          throw new FlagError('--produce-bytes-per-sec/--fetch-bytes-per-sec', 'none', 'give one or both');
        }
        const rates = {
          ...(produceBytesPerSec === undefined ? {} : { produceBytesPerSec }),
          ...(fetchBytesPerSec === undefined ? {} : { fetchBytesPerSec }),
        };
        await withAdmin(connection(flags), (admin) => admin.setQuota(entity, rates));
        print(`Set ${quotaLine({ entity, ...rates })}`);
      }),
  );
  quota.addCommand(
    clientCommand('list')
      .description('list the quotas set (- : not set at that level)')
      .action(async (flags: ConnectionFlags) => {
        for (const q of await withAdmin(connection(flags), (admin) => admin.listQuotas())) print(quotaLine(q));
      }),
  );
  quota.addCommand(
    withEntityFlags(clientCommand('remove'))
      .description('remove the quota of a user, a client id, both, or --default')
      .action(async (flags: EntityFlags) => {
        const entity = entityOf(flags);
        await withAdmin(connection(flags), (admin) => admin.removeQuota(entity));
        print('Removed the quota');
      }),
  );
  return quota;
}
