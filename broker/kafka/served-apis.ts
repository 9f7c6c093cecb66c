/**
 * The Kafka APIs this listener serves, with the versions it serves of each: what ApiVersions advertises and what
 * the dispatcher accepts, from this one table. Produce and Fetch join once Brook stores Kafka RecordBatch v2; the
 * classic group protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) and ConsumerGroupHeartbeat are not served yet.
 */
import { KAFKA_APIS, type KafkaApiName } from './messages/apis.js';

/** A served API's version range (inclusive). */
export interface VersionRange {
  readonly minVersion: number;
  readonly maxVersion: number;
}

/** Every version the vendored definition declares. */
const all = (api: KafkaApiName): VersionRange => ({
  minVersion: KAFKA_APIS[api].minVersion,
  maxVersion: KAFKA_APIS[api].maxVersion,
});

export const SERVED_APIS = {
  ApiVersions: all('ApiVersions'),
  Metadata: all('Metadata'),
  DescribeCluster: all('DescribeCluster'),
  CreateTopics: all('CreateTopics'),
  DeleteTopics: all('DeleteTopics'),
  CreatePartitions: all('CreatePartitions'),
  // librdkafka needs v0 in the range to log in at all, but uses v1 (then SaslAuthenticate) when offered; a client
  // that does choose v0 (raw SASL tokens after it) is answered UNSUPPORTED_VERSION (kafka-connection.ts).
  SaslHandshake: all('SaslHandshake'),
  SaslAuthenticate: all('SaslAuthenticate'),
  DescribeConfigs: all('DescribeConfigs'),
  AlterConfigs: all('AlterConfigs'),
  IncrementalAlterConfigs: all('IncrementalAlterConfigs'),
  ListOffsets: all('ListOffsets'),
  InitProducerId: all('InitProducerId'),
  FindCoordinator: all('FindCoordinator'),
  OffsetCommit: all('OffsetCommit'),
  OffsetFetch: all('OffsetFetch'),
  ListGroups: all('ListGroups'),
  DescribeGroups: all('DescribeGroups'),
  DeleteGroups: all('DeleteGroups'),
} as const satisfies Partial<Record<KafkaApiName, VersionRange>>;

/** The name of a served API. */
export type ServedApi = keyof typeof SERVED_APIS;

/** Whether the listener serves `version` of `api`. */
export function isServed(api: KafkaApiName, version: number): api is ServedApi {
  const range: VersionRange | undefined = (SERVED_APIS as Partial<Record<KafkaApiName, VersionRange>>)[api];
  return range !== undefined && version >= range.minVersion && version <= range.maxVersion;
}
