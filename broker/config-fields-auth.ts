/**
 * The authentication and authorization rows of the broker config table (config-fields.ts spreads them in place).
 * No row takes a secret: passwords come from files, so that other users of the machine cannot read them in argv.
 */
import { choiceField, integerField, optionalTextField, structuredField, type ConfigField } from './config-kinds.js';
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
  maxUnauthenticatedConnections: integerField({
    doc:
      'connections still in their handshake (hello and login) beyond this are refused; they do not count against ' +
      '`--max-connections`',
    default: 1000,
    min: 1,
    max: 1_000_000,
  }),
  maxUnauthenticatedConnectionsPerIp: integerField({
    doc: 'the same, from one source address',
    default: 100,
    min: 1,
    max: 1_000_000,
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
