/** What the request handlers work with: the topic registry, the hosted partitions, metrics, time. */
import type { Logger } from 'pino';
import type { Controller } from '../cluster/controller.js';
import type { ProducerIdSource } from '../cluster/producer-ids.js';
import type { TopicRetention } from '../topics/topic-config.js';
import type { TopicRegistry } from '../topics/topic-registry.js';
import type { GroupService } from '../groups/group-service.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { PartitionRegistry } from '../partitions/partition-registry.js';
import type { ResponseOf } from '../../protocol/index.js';
import type { SecurityChange } from '../auth/security-changes.js';
import type { AclStore } from '../auth/acl-store.js';
import type { UserStore } from '../auth/user-store.js';
import type { QuotaStore } from '../quota/quota-store.js';

/** A broker as metadata describes it. */
export type BrokerInfo = ResponseOf<'metadata'>['brokers'][number];

export interface HandlerContext {
  readonly brokerId: number;
  readonly clusterId: string;
  readonly topics: TopicRegistry;
  readonly partitions: PartitionRegistry;
  /** Who creates and deletes topics (this broker alone, or the cluster's metadata group). */
  controller(): Controller;
  /** The cluster's users (read-only here: they change through {@link changeSecurity}). */
  readonly users: Pick<UserStore, 'list' | 'get'>;
  /** The cluster's ACL bindings (read-only here: they change through {@link changeSecurity}). */
  readonly acls: Pick<AclStore, 'all'>;
  /** The cluster's quota overrides (read-only here: they change through {@link changeSecurity}). */
  readonly quotas: Pick<QuotaStore, 'list' | 'rates'>;
  /**
   * Applies a user change: through the metadata log in a cluster (controller only: resolves once applied here), in
   * place on a broker without peers.
   */
  changeSecurity(change: SecurityChange): Promise<void>;
  /** Hands out idempotent producer ids (initProducer). */
  readonly producerIds: ProducerIdSource;
  /** The consumer-group coordinators of this broker (ops 40-46). */
  readonly groups: Pick<
    GroupService,
    | 'heartbeat'
    | 'commitOffsets'
    | 'fetchOffsets'
    | 'findCoordinator'
    | 'listGroups'
    | 'describeGroups'
    | 'deleteGroups'
    | 'internalTopicSpec'
  >;
  readonly metrics: Pick<BrokerMetrics, 'produced' | 'fetched' | 'errorSent' | 'topicDeleted'>;
  /** Broker-wide topic defaults, shown in metadata where a topic does not override them. */
  readonly retentionDefaults: TopicRetention;
  readonly logger: Logger;
  /** Epoch milliseconds. */
  nowMs(): number;
  /** The live brokers with the ports they listen on. */
  brokers(): readonly BrokerInfo[];
  /** Whether broker `id` is heard from now (this broker always is): metadata names a dead replica no leader. */
  isLive(id: number): boolean;
  /** True once the broker has begun to stop: writes are refused with SHUTTING_DOWN. */
  isShuttingDown(): boolean;
  /**
   * Most records bytes one fetch returns, whatever the request's maxBytes (one batch larger than it still goes
   * alone): keeps a response within maxFrameBytes and a single request from reading a whole partition at once.
   */
  readonly maxFetchBytes: number;
  /** Partitions the cluster may hold (`--max-partitions`): createTopics refuses more. */
  readonly maxPartitions: number;
}
