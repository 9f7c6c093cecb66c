/**
 * `brook acl add|list|remove`: the cluster's ACL bindings. A binding names a principal, a resource (`--topic`,
 * `--group` or `--cluster`; `--prefix` makes the name a prefix), an operation, and allow (default) or `--deny`.
 */
import { Command, Option } from 'commander';
import {
  ACL_OPERATIONS,
  CLUSTER_RESOURCE,
  PRINCIPAL,
  type AclBinding,
  type AclFilter,
  type AclOperation,
  type ResourceType,
} from '@brook/client';
import { clientCommand, connection, print, type ConnectionFlags } from './client-command.js';
import { withAdmin } from './client-options.js';
import { FlagError } from './flag-error.js';

interface AclFlags extends ConnectionFlags {
  principal?: string;
  operation?: string;
  topic?: string;
  group?: string;
  cluster?: boolean;
  prefix?: boolean;
  deny?: boolean;
}

/** The resource the flags name, if any; throws FlagError when more than one is given. */
function resourceOf(flags: AclFlags): { type: ResourceType; name: string } | undefined {
  const given: { type: ResourceType; name: string }[] = [
    ...(flags.topic === undefined ? [] : [{ type: 'topic' as const, name: flags.topic }]),
    ...(flags.group === undefined ? [] : [{ type: 'group' as const, name: flags.group }]),
    ...(flags.cluster === true ? [{ type: 'cluster' as const, name: CLUSTER_RESOURCE }] : []),
  ];
  if (given.length > 1) throw new FlagError('--topic/--group/--cluster', 'several', 'give one resource');
  return given[0];
}

function operationOf(text: string): AclOperation {
  const found = ACL_OPERATIONS.find((o) => o === text);
  if (found === undefined) throw new FlagError('--operation', text, `must be one of ${ACL_OPERATIONS.join(', ')}`);
  return found;
}

/** The binding `acl add` creates. */
export function bindingOf(flags: AclFlags): AclBinding {
  const principal = flags.principal ?? '';
  if (!PRINCIPAL.test(principal)) throw new FlagError('--principal', principal, 'must be User:<name> or User:*');
  const resource = resourceOf(flags);
  if (resource === undefined) throw new FlagError('--topic/--group/--cluster', '', 'give the resource');
  return {
    principal,
    resourceType: resource.type,
    resourceName: resource.name,
    patternType: flags.prefix === true ? 'prefixed' : 'literal',
    operation: operationOf(flags.operation ?? ''),
    permission: flags.deny === true ? 'deny' : 'allow',
  };
}

/** The filter `acl list` and `acl remove` use: only the flags given. */
export function filterOf(flags: AclFlags): AclFilter {
  const resource = resourceOf(flags);
  return {
    ...(flags.principal === undefined ? {} : { principal: flags.principal }),
    ...(resource === undefined ? {} : { resourceType: resource.type, resourceName: resource.name }),
    ...(flags.prefix === true ? { patternType: 'prefixed' as const } : {}),
    ...(flags.operation === undefined ? {} : { operation: operationOf(flags.operation) }),
    ...(flags.deny === true ? { permission: 'deny' as const } : {}),
  };
}

/** One line per binding. */
function line(acl: AclBinding): string {
  const name = acl.patternType === 'prefixed' ? `${acl.resourceName}*` : acl.resourceName;
  return `${acl.principal}\t${acl.permission}\t${acl.operation}\t${acl.resourceType}:${name}`;
}

function aclCommand(name: string, description: string, operationRequired: boolean): Command {
  return clientCommand(name)
    .description(description)
    .addOption(new Option('--principal <principal>', 'User:<name> or User:*'))
    .addOption(
      new Option('--operation <operation>', `${ACL_OPERATIONS.join(' | ')}${operationRequired ? '' : ' (filter)'}`),
    )
    .option('--topic <name>', 'a topic (with --prefix: every topic whose name starts with it; * for all)')
    .option('--group <name>', 'a consumer group (with --prefix: a prefix)')
    .option('--cluster', 'the cluster (topic creation, reassignment, users, ACLs)')
    .option('--prefix', 'the name is a prefix')
    .option('--deny', 'deny instead of allow (deny wins)');
}

/** The `brook acl` commands. */
export function aclCommands(): Command {
  const acl = new Command('acl').description('add, list and remove ACLs (brokers with --authorizer acl)');
  acl.addCommand(
    aclCommand('add', 'add an ACL', true).action(async (flags: AclFlags) => {
      const binding = bindingOf(flags);
      await withAdmin(connection(flags), (admin) => admin.createAcls([binding]));
      print(`Added ${line(binding)}`);
    }),
  );
  acl.addCommand(
    aclCommand('list', 'list the ACLs matching the flags given (all without flags)', false).action(
      async (flags: AclFlags) => {
        const acls = await withAdmin(connection(flags), (admin) => admin.listAcls(filterOf(flags)));
        for (const a of acls) print(line(a));
      },
    ),
  );
  acl.addCommand(
    aclCommand('remove', 'remove the ACLs matching the flags given (at least one)', false).action(
      async (flags: AclFlags) => {
        const filter = filterOf(flags);
        if (Object.keys(filter).length === 0) throw new FlagError('acl remove', '', 'give at least one flag');
        const removed = await withAdmin(connection(flags), (admin) => admin.deleteAcls(filter));
        for (const a of removed) print(`Removed ${line(a)}`);
      },
    ),
  );
  return acl;
}
