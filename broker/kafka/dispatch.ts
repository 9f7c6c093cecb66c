/**
 * The handler of each served Kafka API but the SASL pair (which changes the connection's state, so the connection
 * answers it: kafka-connection.ts). The mapped type makes a served API without a handler a compile error.
 */
import { alterConfigs, incrementalAlterConfigs } from './api/alter-configs.js';
import { apiVersions } from './api/api-versions.js';
import { createPartitions } from './api/create-partitions.js';
import { createTopics } from './api/create-topics.js';
import { deleteTopics } from './api/delete-topics.js';
import { describeCluster } from './api/describe-cluster.js';
import { describeConfigs } from './api/describe-configs.js';
import { describeGroups } from './api/describe-groups.js';
import { deleteGroups } from './api/delete-groups.js';
import { findCoordinator } from './api/find-coordinator.js';
import { listGroups } from './api/list-groups.js';
import { offsetCommit } from './api/offset-commit.js';
import { offsetFetch } from './api/offset-fetch.js';
import { initProducerId } from './api/init-producer-id.js';
import { listOffsets } from './api/list-offsets.js';
import { metadata } from './api/metadata.js';
import type { KafkaContext, RequestScope } from './kafka-context.js';
import type { KafkaRequests, KafkaResponses } from './messages/apis.js';
import type { ServedApi } from './served-apis.js';

/** The APIs of the login exchange. */
export type SaslApi = 'SaslHandshake' | 'SaslAuthenticate';

/** Answers one request of `K`; request-level failures are answered in the response's error fields. */
export type KafkaHandler<K extends ServedApi> = (
  ctx: KafkaContext,
  scope: RequestScope,
  request: KafkaRequests[K],
  version: number,
) => Promise<KafkaResponses[K]>;

export const KAFKA_HANDLERS: { readonly [K in Exclude<ServedApi, SaslApi>]: KafkaHandler<K> } = {
  ApiVersions: () => apiVersions(),
  Metadata: metadata,
  DescribeCluster: (ctx, _scope, request) => describeCluster(ctx, request),
  CreateTopics: createTopics,
  DeleteTopics: deleteTopics,
  CreatePartitions: createPartitions,
  DescribeConfigs: describeConfigs,
  AlterConfigs: alterConfigs,
  IncrementalAlterConfigs: incrementalAlterConfigs,
  ListOffsets: listOffsets,
  InitProducerId: initProducerId,
  FindCoordinator: findCoordinator,
  OffsetCommit: offsetCommit,
  OffsetFetch: offsetFetch,
  ListGroups: listGroups,
  DescribeGroups: describeGroups,
  DeleteGroups: deleteGroups,
};
