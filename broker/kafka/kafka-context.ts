/**
 * What the Kafka API handlers work with: the same broker services the native sessions call (handlers, authorizer,
 * authenticator, quotas), the topic records (for topic ids), and where each broker's Kafka listener is.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { BrokerCore } from '../net/broker-api.js';
import type { TopicRegistry } from '../topics/topic-registry.js';

/** Where Kafka clients reach one broker. */
export interface KafkaBrokerEndpoint {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

export interface KafkaContext {
  /** The broker's services, as the native protocol reaches them. */
  readonly core: BrokerCore;
  /** Topic records (read-only): their creation time makes the topic id (topic-id.ts). */
  readonly topics: Pick<TopicRegistry, 'get' | 'list' | 'brokerIds'>;
  /** The live brokers with a Kafka listener, this one included. */
  brokers(): readonly KafkaBrokerEndpoint[];
  /** Whether Metadata creates the topics it is asked about (`--auto-create-topics`). */
  readonly autoCreateTopics: boolean;
  /** Time for request durations. */
  readonly clock: Clock;
  readonly logger?: Logger | undefined;
}

/** Who sent a request: the connection's principal and client id (ACLs and quotas go by them). */
export interface RequestScope {
  readonly principal: string;
  readonly clientId: string;
}
