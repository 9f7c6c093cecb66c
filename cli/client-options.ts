/** Connection options every client command of the CLI shares. */
import type { ClientOptions } from '@brook/client';

/** What `--bootstrap`, `--username` and `--password` parsed to. */
export interface CliConnection {
  bootstrap: string;
  username?: string;
  password?: string;
}

/** Client options for a CLI command (a fixed client id so broker logs show where a request came from). */
export function clientOptions(conn: CliConnection): ClientOptions {
  return {
    bootstrap: conn.bootstrap,
    clientId: 'brook-cli',
    reconnectMaxRetries: 3,
    ...(conn.username === undefined ? {} : { username: conn.username }),
    ...(conn.password === undefined ? {} : { password: conn.password }),
  };
}
