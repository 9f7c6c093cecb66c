/**
 * The authentication and authorization rows of the broker config table (config-fields.ts spreads them in place).
 */
import { structuredField, type ConfigField } from './config-kinds.js';
import { checkUsers, parseUsers } from './config-lists.js';

export const AUTH_CONFIG_FIELDS = {
  users: structuredField<Readonly<Record<string, string>>>({
    doc:
      '`user:password,...`: clients must authenticate in `hello`; none: no authentication ' +
      '(prefer `BROOK_USERS`: other users of the machine can read argv)',
    default: Object.freeze({}),
    defaultText: 'none',
    arg: 'list',
    parse: parseUsers,
    check: checkUsers,
  }),
} as const satisfies Record<string, ConfigField<unknown>>;
