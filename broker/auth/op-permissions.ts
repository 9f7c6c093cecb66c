/**
 * THE table of what each op needs with the authorizer on: for every op of protocol/ops.ts, the (operation, resource)
 * pairs a request asks for, read from the request itself. The mapped type makes an op without an entry a compile
 * error, and the deny matrix test is generated from this table.
 *
 * An op that needs nothing here is either part of the handshake or keep-alive (hello, authenticate, ping), works on
 * the connection's own state (unsubscribe), or answers with only what the principal may describe (metadata,
 * listGroups: see {@link RESPONSE_FILTERS}). initProducer needs no ACL: the producer id it hands out is bound to the
 * principal, and writing with it needs write on each topic.
 */
import {
  CLUSTER_RESOURCE,
  type AclOperation,
  type RequestOf,
  type RequestOp,
  type ResponseOf,
} from '../../protocol/index.js';
import type { Resource } from './authorizer.js';

/** One permission a request needs. */
export interface Needed {
  readonly operation: AclOperation;
  readonly resource: Resource;
}

const topic = (name: string): Resource => ({ type: 'topic', name });
const group = (name: string): Resource => ({ type: 'group', name });
const CLUSTER: Resource = { type: 'cluster', name: CLUSTER_RESOURCE };
const on = (operation: AclOperation, resource: Resource): Needed => ({ operation, resource });
const nothing = (): readonly Needed[] => [];

export const OP_PERMISSIONS: { readonly [K in RequestOp]: (request: RequestOf<K>) => readonly Needed[] } = {
  hello: nothing,
  authenticate: nothing,
  ping: nothing,
  unsubscribe: nothing,
  metadata: nothing,
  listGroups: nothing,
  initProducer: nothing,
  createTopics: (r) => r.topics.map((t) => on('create', topic(t.name))),
  deleteTopics: (r) => r.names.map((name) => on('delete', topic(name))),
  produce: (r) => r.partitions.map((p) => on('write', topic(p.topic))),
  fetch: (r) => [on('read', topic(r.topic))],
  subscribe: (r) => [on('read', topic(r.topic))],
  listOffsets: (r) => [on('describe', topic(r.topic))],
  reassignPartitions: () => [on('alter', CLUSTER)],
  alterTopicConfigs: (r) => r.topics.map((t) => on('alterConfigs', topic(t.name))),
  createPartitions: (r) => r.topics.map((t) => on('alter', topic(t.name))),
  groupHeartbeat: (r) => [on('read', group(r.groupId))],
  commitOffsets: (r) => [on('read', group(r.groupId)), ...r.offsets.map((o) => on('read', topic(o.topic)))],
  fetchOffsets: (r) => [on('describe', group(r.groupId))],
  findCoordinator: (r) => [on('describe', group(r.groupId))],
  describeGroups: (r) => r.groupIds.map((id) => on('describe', group(id))),
  deleteGroups: (r) => r.groupIds.map((id) => on('delete', group(id))),
  createUser: () => [on('alter', CLUSTER)],
  deleteUser: () => [on('alter', CLUSTER)],
  listUsers: () => [on('describe', CLUSTER)],
  createAcls: () => [on('alter', CLUSTER)],
  deleteAcls: () => [on('alter', CLUSTER)],
  listAcls: () => [on('describe', CLUSTER)],
  removeBroker: () => [on('clusterAction', CLUSTER)],
  setQuota: () => [on('alter', CLUSTER)],
  removeQuota: () => [on('alter', CLUSTER)],
  listQuotas: () => [on('describe', CLUSTER)],
};

/** Answers cut down to what the principal may describe. */
export const RESPONSE_FILTERS = {
  metadata: (response: ResponseOf<'metadata'>, may: (needed: Needed) => boolean): ResponseOf<'metadata'> => ({
    ...response,
    topics: response.topics.filter((t) => may(on('describe', topic(t.name)))),
  }),
  listGroups: (response: ResponseOf<'listGroups'>, may: (needed: Needed) => boolean): ResponseOf<'listGroups'> => ({
    groups: response.groups.filter((g) => may(on('describe', group(g.groupId)))),
  }),
} as const;
