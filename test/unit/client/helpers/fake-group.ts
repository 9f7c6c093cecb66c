/**
 * A fake group coordinator for client unit tests, installed as a {@link FakeBroker} hook: it answers
 * findCoordinator, groupHeartbeat, commitOffsets and fetchOffsets for one broker. Assignment is round-robin over
 * members in join order, moved incrementally like KIP-848: a partition is granted only once no other member still
 * owns it, and a member with revocations pending keeps its epoch. Tests can inject errors and expire members.
 */
import {
  BrookError,
  ERROR_OP,
  requests,
  type ErrorName,
  type RequestOf,
  type RequestOp,
  type ResponseOf,
} from '../../../../protocol/index.js';
import type { FakeBroker, FakeSession } from './fake-broker.js';

interface FakeMember {
  memberId: string;
  epoch: number;
  instanceId: string | undefined;
  /** Partition keys the member reported owning. */
  owned: Set<string>;
  /** What the last answer told the member (to answer null when unchanged). */
  lastSent: string | undefined;
}

/** A heartbeat as the coordinator saw it. */
export type SeenHeartbeat = RequestOf<'groupHeartbeat'>;

export class FakeGroupCoordinator {
  readonly members = new Map<string, FakeMember>();
  readonly committed = new Map<string, number>();
  readonly heartbeats: SeenHeartbeat[] = [];
  readonly commits: RequestOf<'commitOffsets'>[] = [];
  /** Errors for the next heartbeats, one each. */
  heartbeatErrors: (ErrorName | BrookError)[] = [];
  /** Errors for the next commit requests (whole request), one each. */
  commitErrors: ErrorName[] = [];
  /** Errors for the next findCoordinator requests. */
  findErrors: ErrorName[] = [];
  /** Answer findCoordinator with this id (default: the broker's own). */
  coordinatorId: number;
  heartbeatIntervalMs = 1_000;
  private groupEpoch = 0;
  private nextId = 1;

  constructor(
    private readonly broker: FakeBroker,
    /** Topic -> partition count the assignment covers. */
    private readonly topics: () => ReadonlyMap<string, number>,
  ) {
    this.coordinatorId = broker.brokerId;
    broker.hook = (session, op, correlationId, body) => this.onRequest(session, op, correlationId, body);
  }

  /** Committed offset of a partition, or undefined. */
  offset(topic: string, partition: number): number | undefined {
    return this.committed.get(`${topic}/${String(partition)}`);
  }

  /** Expires a member as a lapsed session would: its partitions are free, its next heartbeat is UNKNOWN_MEMBER_ID. */
  expire(memberId: string): void {
    this.members.delete(memberId);
    this.groupEpoch++;
  }

  /** Heartbeats of one member. */
  heartbeatsOf(memberId: string): SeenHeartbeat[] {
    return this.heartbeats.filter((h) => h.memberId === memberId);
  }

  /** Partition keys (`topic/partition`) each member is meant to own, round-robin over members in join order. */
  targets(): Map<string, string[]> {
    const ids = [...this.members.keys()];
    const out = new Map<string, string[]>(ids.map((id) => [id, []]));
    let i = 0;
    for (const [topic, count] of [...this.topics()].sort()) {
      for (let p = 0; p < count; p++) {
        const id = ids[i++ % ids.length];
        if (id !== undefined) out.get(id)?.push(`${topic}/${String(p)}`);
      }
    }
    return out;
  }

  private onRequest(session: FakeSession, op: RequestOp, correlationId: number, raw: unknown): 'handled' | undefined {
    const respond = <K extends RequestOp>(k: K, response: ResponseOf<K>): 'handled' => {
      session.send(requests[k].code, correlationId, response);
      return 'handled';
    };
    const fail = (error: ErrorName | BrookError): 'handled' => {
      if (typeof error === 'string') session.sendError(correlationId, error);
      else session.send(ERROR_OP, correlationId, error.toWire());
      return 'handled';
    };
    switch (op) {
      case 'findCoordinator': {
        const error = this.findErrors.shift();
        if (error !== undefined) return fail(error);
        return respond('findCoordinator', { coordinatorId: this.coordinatorId, offsetsPartition: 0 });
      }
      case 'groupHeartbeat': {
        const body = requests.groupHeartbeat.request.parse(raw, '');
        this.heartbeats.push(body);
        const error = this.heartbeatErrors.shift();
        if (error !== undefined) return fail(error);
        if (this.coordinatorId !== this.broker.brokerId) return fail('NOT_COORDINATOR');
        const result = this.heartbeat(body);
        return typeof result === 'string' ? fail(result) : respond('groupHeartbeat', result);
      }
      case 'commitOffsets': {
        const body = requests.commitOffsets.request.parse(raw, '');
        this.commits.push(body);
        const error = this.commitErrors.shift();
        if (error !== undefined) return fail(error);
        const member = this.members.get(body.memberId);
        const fenced =
          member === undefined
            ? 'UNKNOWN_MEMBER_ID'
            : body.memberEpoch > member.epoch
              ? 'FENCED_MEMBER_EPOCH'
              : undefined;
        return respond('commitOffsets', {
          results: body.offsets.map(({ topic, partition, offset }) => {
            if (fenced !== undefined) return { topic, partition, error: new BrookError(fenced).toWire() };
            this.committed.set(`${topic}/${String(partition)}`, offset);
            return { topic, partition };
          }),
        });
      }
      case 'fetchOffsets': {
        const body = requests.fetchOffsets.request.parse(raw, '');
        const offsets = (body.partitions ?? []).flatMap(({ topic, partitions }) =>
          partitions.map((partition) => ({
            topic,
            partition,
            offset: this.offset(topic, partition) ?? -1,
            metadata: '',
          })),
        );
        return respond('fetchOffsets', { offsets });
      }
      default:
        return undefined;
    }
  }

  private heartbeat(body: SeenHeartbeat): ResponseOf<'groupHeartbeat'> | ErrorName {
    if (body.memberEpoch < 0) {
      this.members.delete(body.memberId);
      this.groupEpoch++;
      return { memberId: body.memberId, memberEpoch: body.memberEpoch, heartbeatIntervalMs: 0, assignment: null };
    }
    let member: FakeMember | undefined;
    if (body.memberEpoch === 0) {
      const memberId = body.memberId === '' ? `member-${String(this.nextId++)}` : body.memberId;
      member = { memberId, epoch: 0, instanceId: body.groupInstanceId, owned: new Set(), lastSent: undefined };
      this.members.set(memberId, member);
      this.groupEpoch++;
    } else {
      member = this.members.get(body.memberId);
      if (member === undefined) return 'UNKNOWN_MEMBER_ID';
      if (body.memberEpoch !== member.epoch) return 'FENCED_MEMBER_EPOCH';
    }
    if (body.owned !== undefined) {
      member.owned = new Set(body.owned.flatMap((t) => t.partitions.map((p) => `${t.topic}/${String(p)}`)));
    }
    const target = new Set(this.targets().get(member.memberId) ?? []);
    const revoking = [...member.owned].some((key) => !target.has(key));
    let assigned: string[];
    if (revoking) {
      // Until the revoked partitions are released the member gets nothing new and keeps its epoch.
      assigned = [...member.owned].filter((key) => target.has(key));
    } else {
      member.epoch = Math.max(member.epoch, this.groupEpoch);
      const heldByOthers = new Set([...this.members.values()].filter((m) => m !== member).flatMap((m) => [...m.owned]));
      assigned = [...target].filter((key) => !heldByOthers.has(key));
    }
    if (member.epoch === 0) member.epoch = this.groupEpoch;
    const text = [...assigned].sort().join(',');
    const changed = text !== member.lastSent;
    member.lastSent = text;
    return {
      memberId: member.memberId,
      memberEpoch: member.epoch,
      heartbeatIntervalMs: this.heartbeatIntervalMs,
      assignment: changed ? toTopicPartitions(assigned) : null,
    };
  }
}

function toTopicPartitions(keys: readonly string[]): { topic: string; partitions: number[] }[] {
  const byTopic = new Map<string, number[]>();
  for (const key of keys) {
    const slash = key.lastIndexOf('/');
    const topic = key.slice(0, slash);
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), Number(key.slice(slash + 1))]);
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) }));
}
