/**
 * What brokers say to each other besides Raft messages: "I am alive, here is where clients reach me", the
 * quiesce/wake pair that lets idle Raft groups stop ticking, and the requests that change the cluster's shape
 * (a broker joining, a partition move done). They travel in the same envelopes as Raft messages.
 */
import type { Message } from '../raft/index.js';
import type { TopicSpec } from '../topics/topic-config.js';

/** Where clients reach a broker. */
export interface BrokerEndpoint {
  readonly host: string;
  readonly port: number;
  readonly wsPort: number;
  /** The Kafka listener, where Kafka clients reach the broker (absent from brokers of older versions). */
  readonly kafka?: { readonly host: string; readonly port: number };
}

/** Sent to every peer once per tick, so that silence means trouble (liveness), and to share endpoints. */
export interface AliveMessage {
  readonly kind: 'alive';
  readonly endpoint: BrokerEndpoint;
  /** The broker is shutting down: hand it no leadership (it would only hand it back). */
  readonly stopping?: true;
}

/** Leader -> follower: the group is idle and you hold all of it; stop ticking until something happens. */
export interface QuiesceMessage {
  readonly kind: 'quiesce';
  readonly term: number;
}

/** Follower -> leader: I stopped trusting the quiet (your broker looked dead); resume heartbeats if you live. */
export interface WakeMessage {
  readonly kind: 'wake';
}

/** A broker started with --join -> every broker it knows: add me (only the controller acts on it). */
export interface JoinMessage {
  readonly kind: 'join';
  /** Where the other brokers reach this one's peer listener. */
  readonly host: string;
  readonly port: number;
}

/** A partition leader -> the controller: the group's committed voters are the move's target. */
export interface MovedMessage {
  readonly kind: 'moved';
  readonly topic: string;
  readonly partition: number;
  readonly replicas: readonly number[];
}

/** Any broker -> the controller: create this internal topic (`__offsets`) if it does not exist. No answer. */
export interface CreateTopicMessage {
  readonly kind: 'createTopic';
  readonly spec: TopicSpec;
}

/** Messages for the cluster node rather than for a Raft group. */
export type ClusterMessage = JoinMessage | MovedMessage | CreateTopicMessage;

export type ControlMessage = AliveMessage | QuiesceMessage | WakeMessage | ClusterMessage;

/** The payload of one peer envelope. */
export type PeerPayload = Message | ControlMessage;

/**
 * The control message in a payload the transport only checked to be `{ kind: string }`, or null when its fields
 * are not those of a known control message (a broker of another version, or corruption: ignored).
 */
export function asControl(payload: { readonly kind: unknown }): ControlMessage | null {
  const p = payload as Record<string, unknown>;
  if (p['kind'] === 'wake') return { kind: 'wake' };
  if (p['kind'] === 'quiesce' && isCount(p['term'])) return { kind: 'quiesce', term: p['term'] };
  if (p['kind'] === 'join' && typeof p['host'] === 'string' && isCount(p['port'])) {
    return { kind: 'join', host: p['host'], port: p['port'] };
  }
  const replicas = p['replicas'];
  if (p['kind'] === 'moved' && typeof p['topic'] === 'string' && isCount(p['partition']) && Array.isArray(replicas)) {
    if (replicas.every(isCount)) return { kind: 'moved', topic: p['topic'], partition: p['partition'], replicas };
  }
  const spec = p['spec'] as Record<string, unknown> | null | undefined;
  if (p['kind'] === 'createTopic' && typeof spec === 'object' && spec !== null && typeof spec['name'] === 'string') {
    const config = spec['config'];
    if (isCount(spec['partitions']) && isCount(spec['replicationFactor']) && isStringMap(config)) {
      const { name, partitions, replicationFactor } = spec;
      return { kind: 'createTopic', spec: { name, partitions, replicationFactor, config } };
    }
  }
  const e = p['endpoint'] as Record<string, unknown> | null | undefined;
  if (p['kind'] === 'alive' && typeof e === 'object' && e !== null && typeof e['host'] === 'string') {
    if (isCount(e['port']) && isCount(e['wsPort'])) {
      const kafka = e['kafka'] as Record<string, unknown> | null | undefined;
      const endpoint: BrokerEndpoint =
        typeof kafka === 'object' && kafka !== null && typeof kafka['host'] === 'string' && isCount(kafka['port'])
          ? {
              host: e['host'],
              port: e['port'],
              wsPort: e['wsPort'],
              kafka: { host: kafka['host'], port: kafka['port'] },
            }
          : { host: e['host'], port: e['port'], wsPort: e['wsPort'] };
      return p['stopping'] === true ? { kind: 'alive', endpoint, stopping: true } : { kind: 'alive', endpoint };
    }
  }
  return null;
}

function isStringMap(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'string');
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
