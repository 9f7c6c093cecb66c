/**
 * `brook user create|delete|list`: the cluster's SCRAM-SHA-256 users. A new user's password is never taken from
 * argv: it comes from `--new-password-file`, else from the first line of stdin.
 */
import { Command } from 'commander';
import { clientCommand, connection, print, readPasswordFile, type ConnectionFlags } from './client-command.js';
import { withAdmin, type CliConnection } from './client-options.js';
import type { Print } from './topic-commands.js';

/** Creates a user (or replaces its password) with `password`. */
export async function createUser(conn: CliConnection, name: string, password: string, print: Print): Promise<void> {
  await withAdmin(conn, (admin) => admin.createUser(name, password));
  print(`Created user ${name}`);
}

/** Deletes a user. */
export async function deleteUser(conn: CliConnection, name: string, print: Print): Promise<void> {
  await withAdmin(conn, (admin) => admin.deleteUser(name));
  print(`Deleted user ${name}`);
}

/** One line per user: name, mechanism, iterations. */
export async function listUsers(conn: CliConnection, print: Print): Promise<void> {
  const users = await withAdmin(conn, (admin) => admin.listUsers());
  for (const u of users) print(`${u.name}\tMechanism: ${u.mechanism}\tIterations: ${String(u.iterations)}`);
}

/** The first line of stdin (a password piped in: `brook user create bob < pw.txt`). */
async function firstLineOfStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const line = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (line === '') throw new Error('no password: give --new-password-file FILE or the password on stdin');
  return line;
}

/** The `brook user` commands. */
export function userCommand(): Command {
  const user = new Command('user').description('create, delete and list SCRAM-SHA-256 users');
  user.addCommand(
    clientCommand('create')
      .description('create a user or change its password (the first user turns authentication on)')
      .argument('<name>')
      .option('--new-password-file <file>', "the new user's password: the file's first line (else stdin's)")
      .action(async (name: string, flags: ConnectionFlags & { newPasswordFile?: string }) => {
        const password =
          flags.newPasswordFile === undefined ? await firstLineOfStdin() : readPasswordFile(flags.newPasswordFile);
        await createUser(connection(flags), name, password, print);
      }),
  );
  user.addCommand(
    clientCommand('delete')
      .description('delete a user')
      .argument('<name>')
      .action(async (name: string, flags: ConnectionFlags) => {
        await deleteUser(connection(flags), name, print);
      }),
  );
  user.addCommand(
    clientCommand('list')
      .description('list users (name, mechanism, iterations)')
      .action(async (flags: ConnectionFlags) => {
        await listUsers(connection(flags), print);
      }),
  );
  return user;
}
