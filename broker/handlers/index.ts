/** The core's request handlers, one per op; together they form the `CoreHandlers` sessions call. */
import type { CoreHandlers } from '../net/broker-api.js';
import type { HandlerContext } from './context.js';
import { fetchHandler } from './fetch.js';
import {
  commitOffsetsHandler,
  deleteGroupsHandler,
  describeGroupsHandler,
  fetchOffsetsHandler,
  findCoordinatorHandler,
  groupHeartbeatHandler,
  listGroupsHandler,
} from './groups.js';
import { initProducerHandler } from './init-producer.js';
import { listOffsetsHandler } from './list-offsets.js';
import { metadataHandler } from './metadata.js';
import { produceHandler } from './produce.js';
import {
  alterTopicConfigsHandler,
  createPartitionsHandler,
  createTopicsHandler,
  deleteTopicsHandler,
  reassignPartitionsHandler,
} from './topics.js';
import { removeBrokerHandler } from './brokers.js';
import { listQuotasHandler, removeQuotaHandler, setQuotaHandler } from './quotas.js';
import { createAclsHandler, deleteAclsHandler, listAclsHandler } from './acls.js';
import { createUserHandler, deleteUserHandler, listUsersHandler } from './users.js';

export type { BrokerInfo, HandlerContext } from './context.js';

/** Builds the handler table over `ctx`. */
export function createHandlers(ctx: HandlerContext): CoreHandlers {
  return Object.freeze({
    metadata: metadataHandler(ctx),
    createTopics: createTopicsHandler(ctx),
    deleteTopics: deleteTopicsHandler(ctx),
    produce: produceHandler(ctx),
    fetch: fetchHandler(ctx),
    listOffsets: listOffsetsHandler(ctx),
    initProducer: initProducerHandler(ctx),
    reassignPartitions: reassignPartitionsHandler(ctx),
    alterTopicConfigs: alterTopicConfigsHandler(ctx),
    createPartitions: createPartitionsHandler(ctx),
    groupHeartbeat: groupHeartbeatHandler(ctx),
    commitOffsets: commitOffsetsHandler(ctx),
    fetchOffsets: fetchOffsetsHandler(ctx),
    findCoordinator: findCoordinatorHandler(ctx),
    listGroups: listGroupsHandler(ctx),
    describeGroups: describeGroupsHandler(ctx),
    deleteGroups: deleteGroupsHandler(ctx),
    createUser: createUserHandler(ctx),
    deleteUser: deleteUserHandler(ctx),
    listUsers: listUsersHandler(ctx),
    createAcls: createAclsHandler(ctx),
    listAcls: listAclsHandler(ctx),
    deleteAcls: deleteAclsHandler(ctx),
    removeBroker: removeBrokerHandler(ctx),
    setQuota: setQuotaHandler(ctx),
    listQuotas: listQuotasHandler(ctx),
    removeQuota: removeQuotaHandler(ctx),
  });
}
