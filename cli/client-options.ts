/** Connection options every client command of the CLI shares. */
import { Admin, type ClientOptions, type ClientTlsOptions } from '@brook/client';

/** What `--bootstrap`, `--username` and `--password-file` (or BROOK_PASSWORD) gave. */
export interface CliConnection {
  bootstrap: string;
  username?: string;
  password?: string;
  /** TLS for tls:// and wss:// bootstraps (cli/tls-flags.ts). */
  tls?: ClientTlsOptions;
}

/**
 * How long a CLI command waits for a topic that metadata does not know, in ms. A command runs after the one that
 * created the topic had its answer (the controller has it by then), so the client's default of 5 s would only delay
 * the "does not exist" a user is waiting for.
 */
const METADATA_WAIT_MS = 500;

/** Client options for a CLI command (a fixed client id so broker logs show where a request came from). */
export function clientOptions(conn: CliConnection): ClientOptions {
  return {
    bootstrap: conn.bootstrap,
    clientId: 'brook-cli',
    reconnectMaxRetries: 3,
    metadataWaitMs: METADATA_WAIT_MS,
    ...(conn.username === undefined ? {} : { username: conn.username }),
    ...(conn.password === undefined ? {} : { password: conn.password }),
    ...(conn.tls === undefined ? {} : { tls: conn.tls }),
  };
}

/** Runs `work` with an Admin client (the CLI's options, then `overrides`), closed afterwards whatever happens. */
export async function withAdmin<R>(
  conn: CliConnection,
  work: (admin: Admin) => Promise<R>,
  overrides: Partial<ClientOptions> = {},
): Promise<R> {
  const admin = new Admin({ ...clientOptions(conn), ...overrides });
  try {
    return await work(admin);
  } finally {
    await admin.close();
  }
}
