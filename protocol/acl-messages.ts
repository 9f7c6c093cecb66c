/**
 * ACL bodies on the wire (docs/authorization.md): Kafka's model. A binding allows or denies a principal an
 * operation on a resource (a topic, a group, or the cluster), named literally or by prefix; deny wins.
 */
import { array, literal, object, optional, str, type Infer } from './schema.js';

export const ACL_OPERATIONS = [
  'all',
  'read',
  'write',
  'create',
  'delete',
  'alter',
  'describe',
  'describeConfigs',
  'alterConfigs',
  'clusterAction',
] as const;
export type AclOperation = (typeof ACL_OPERATIONS)[number];
export const RESOURCE_TYPES = ['topic', 'group', 'cluster'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];
export const PATTERN_TYPES = ['literal', 'prefixed'] as const;
export type PatternType = (typeof PATTERN_TYPES)[number];
/** The one name of the cluster resource (Kafka's is `kafka-cluster`). */
export const CLUSTER_RESOURCE = 'cluster';

/** `User:<name>` or `User:*` (every principal). */
export const PRINCIPAL = /^User:[\x21-\x7e]{1,256}$/;

export const aclBinding = object({
  principal: str({ maxLength: 261, pattern: PRINCIPAL }),
  resourceType: literal(...RESOURCE_TYPES),
  /** The resource's name, its prefix, or `*` (literal: every resource of the type). */
  resourceName: str({ maxLength: 255 }),
  patternType: literal(...PATTERN_TYPES),
  operation: literal(...ACL_OPERATIONS),
  permission: literal('allow', 'deny'),
});
export type AclBinding = Infer<typeof aclBinding>;

export const createAclsRequest = object({ acls: array(aclBinding, { maxLength: 1000 }) });
/** Which bindings to list or delete: every field given must match (absent: any). */
export const aclFilter = object({
  principal: optional(str({ maxLength: 261 })),
  resourceType: optional(literal(...RESOURCE_TYPES)),
  resourceName: optional(str({ maxLength: 255 })),
  patternType: optional(literal(...PATTERN_TYPES)),
  operation: optional(literal(...ACL_OPERATIONS)),
  permission: optional(literal('allow', 'deny')),
});
export type AclFilter = Infer<typeof aclFilter>;
export const listAclsResponse = object({ acls: array(aclBinding) });
/** The bindings deleted. */
export const deleteAclsResponse = object({ acls: array(aclBinding) });
