/**
 * The authentication and authorization rows of the broker config table (config-fields.ts spreads them in place).
 * No row takes a secret: passwords come from files, so that other users of the machine cannot read them in argv.
 */
import { optionalTextField, type ConfigField } from './config-kinds.js';

export const AUTH_CONFIG_FIELDS = {
  usersFile: optionalTextField({
    doc:
      'file of `name:password` lines: these SCRAM-SHA-256 users are created (salted and hashed, in the metadata ' +
      'log) when missing; once a cluster has a user, every client must log in (docs/authorization.md)',
    defaultText: 'none',
    arg: 'file',
    pattern: /^.+$/,
  }),
} as const satisfies Record<string, ConfigField<unknown>>;
