/**
 * The authentication and authorization rows of the broker config table (config-fields.ts spreads them in place).
 * No row takes a secret: passwords come from files, so that other users of the machine cannot read them in argv.
 */
import { choiceField, optionalTextField, structuredField, type ConfigField } from './config-kinds.js';
import { checkPrincipals, parsePrincipals } from './config-lists.js';

export const AUTH_CONFIG_FIELDS = {
  usersFile: optionalTextField({
    doc:
      'file of `name:password` lines: these SCRAM-SHA-256 users are created (salted and hashed, in the metadata ' +
      'log) when missing; once a cluster has a user, every client must log in (docs/authorization.md)',
    defaultText: 'none',
    arg: 'file',
    pattern: /^.+$/,
  }),
  authorizer: choiceField({
    doc: "`acl`: every request needs an ACL that allows it (Kafka's model: docs/authorization.md); `none`: no checks",
    choices: ['none', 'acl'] as const,
    default: 'none',
    arg: 'kind',
  }),
  superUsers: structuredField<readonly string[]>({
    doc: '`User:name,...`: principals the ACLs do not restrict (with `--authorizer acl`)',
    default: Object.freeze([]),
    defaultText: 'none',
    arg: 'list',
    parse: parsePrincipals,
    check: checkPrincipals,
  }),
} as const satisfies Record<string, ConfigField<unknown>>;
