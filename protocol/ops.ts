/**
 * The op table: each op's code and the schemas of its bodies. The broker's handler table and the client's
 * `request()` are typed from these maps, so adding an op without a handler is a compile error.
 */
import * as acl from './acl-messages.js';
import * as a from './auth-messages.js';
import * as b from './broker-messages.js';
import * as g from './group-messages.js';
import * as m from './messages.js';
import * as q from './quota-messages.js';
import type { Infer } from './schema.js';

/** Request/response ops: the client sends a request with a correlation id and gets one response (or an error). */
export const requests = {
  hello: { code: 1, request: m.helloRequest, response: m.helloResponse },
  metadata: { code: 2, request: m.metadataRequest, response: m.metadataResponse },
  createTopics: { code: 3, request: m.createTopicsRequest, response: m.createTopicsResponse },
  deleteTopics: { code: 4, request: m.deleteTopicsRequest, response: m.deleteTopicsResponse },
  produce: { code: 5, request: m.produceRequest, response: m.produceResponse },
  fetch: { code: 6, request: m.fetchRequest, response: m.fetchResponse },
  subscribe: { code: 7, request: m.subscribeRequest, response: m.subscribeResponse },
  unsubscribe: { code: 8, request: m.unsubscribeRequest, response: m.emptyBody },
  listOffsets: { code: 9, request: m.listOffsetsRequest, response: m.listOffsetsResponse },
  ping: { code: 10, request: m.emptyBody, response: m.emptyBody },
  initProducer: { code: 11, request: m.initProducerRequest, response: m.initProducerResponse },
  reassignPartitions: { code: 12, request: m.reassignPartitionsRequest, response: m.reassignPartitionsResponse },
  authenticate: { code: 13, request: a.authenticateRequest, response: a.authenticateResponse },
  createUser: { code: 14, request: a.createUserRequest, response: m.emptyBody },
  deleteUser: { code: 15, request: a.deleteUserRequest, response: m.emptyBody },
  listUsers: { code: 17, request: m.emptyBody, response: a.listUsersResponse },
  createAcls: { code: 18, request: acl.createAclsRequest, response: m.emptyBody },
  listAcls: { code: 19, request: acl.aclFilter, response: acl.listAclsResponse },
  deleteAcls: { code: 20, request: acl.aclFilter, response: acl.deleteAclsResponse },
  alterTopicConfigs: { code: 50, request: m.alterTopicConfigsRequest, response: m.alterTopicConfigsResponse },
  createPartitions: { code: 51, request: m.createPartitionsRequest, response: m.createPartitionsResponse },
  removeBroker: { code: 60, request: b.removeBrokerRequest, response: b.removeBrokerResponse },
  setQuota: { code: 61, request: q.setQuotaRequest, response: m.emptyBody },
  listQuotas: { code: 62, request: m.emptyBody, response: q.listQuotasResponse },
  removeQuota: { code: 63, request: q.removeQuotaRequest, response: m.emptyBody },
  groupHeartbeat: { code: 40, request: g.groupHeartbeatRequest, response: g.groupHeartbeatResponse },
  commitOffsets: { code: 41, request: g.commitOffsetsRequest, response: g.commitOffsetsResponse },
  fetchOffsets: { code: 42, request: g.fetchOffsetsRequest, response: g.fetchOffsetsResponse },
  findCoordinator: { code: 43, request: g.findCoordinatorRequest, response: g.findCoordinatorResponse },
  listGroups: { code: 44, request: g.listGroupsRequest, response: g.listGroupsResponse },
  describeGroups: { code: 45, request: g.describeGroupsRequest, response: g.describeGroupsResponse },
  deleteGroups: { code: 46, request: g.deleteGroupsRequest, response: g.deleteGroupsResponse },
} as const;

/** Client -> broker messages that get no response (correlation id 0). */
export const notices = {
  credit: { code: 16, body: m.creditNotice },
} as const;

/** Broker -> client messages not tied to a request (correlation id 0). */
export const pushes = {
  deliver: { code: 32, body: m.deliverPush },
  grant: { code: 33, body: m.grantPush },
  subscriptionEnd: { code: 34, body: m.subscriptionEndPush },
} as const;

/** The op code of an error response; its correlation id is the failed request's, or 0 for a connection error. */
export const ERROR_OP = 127;

export type RequestOp = keyof typeof requests;
export type NoticeOp = keyof typeof notices;
export type PushOp = keyof typeof pushes;
export type RequestOf<K extends RequestOp> = Infer<(typeof requests)[K]['request']>;
export type ResponseOf<K extends RequestOp> = Infer<(typeof requests)[K]['response']>;
export type NoticeOf<K extends NoticeOp> = Infer<(typeof notices)[K]['body']>;
export type PushOf<K extends PushOp> = Infer<(typeof pushes)[K]['body']>;

/** What an op code names, for the decoder. */
export type OpKind =
  | { kind: 'request'; op: RequestOp }
  | { kind: 'notice'; op: NoticeOp }
  | { kind: 'push'; op: PushOp }
  | { kind: 'error' };

const byCode = new Map<number, OpKind>([[ERROR_OP, { kind: 'error' }]]);
for (const op of Object.keys(requests) as RequestOp[]) byCode.set(requests[op].code, { kind: 'request', op });
for (const op of Object.keys(notices) as NoticeOp[]) byCode.set(notices[op].code, { kind: 'notice', op });
for (const op of Object.keys(pushes) as PushOp[]) byCode.set(pushes[op].code, { kind: 'push', op });

/** Looks up an op code; undefined for codes this version does not know. */
export function opKind(code: number): OpKind | undefined {
  return byCode.get(code);
}
