/**
 * The broker's own pure group coordinator (broker/groups/coordinator.ts) behind the {@link FakeBroker}, for client
 * unit tests: it answers findCoordinator, groupHeartbeat, commitOffsets and fetchOffsets as one broker whose
 * offsets are applied at once (no `__offsets` log). The tests see what the client sent, can inject errors, and read
 * the coordinator's members and committed offsets; every rule (assignment, incremental revocation, fencing,
 * expiry) is the real core's.
 */
import { GroupCoordinator } from '../../../../broker/groups/coordinator.js';
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

/** A heartbeat as the coordinator saw it. */
export type SeenHeartbeat = RequestOf<'groupHeartbeat'>;

/** How often members are told to heartbeat, in ms. */
const HEARTBEAT_INTERVAL_MS = 1_000;

export class FakeGroupCoordinator {
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
  private readonly core: GroupCoordinator;
  private nextId = 1;

  constructor(
    private readonly broker: FakeBroker,
    /** Topic -> partition count the assignment covers. */
    topics: ReadonlyMap<string, number>,
    /** The coordinator's clock (session and rebalance timeouts), in ms. */
    private readonly nowMs: () => number,
  ) {
    this.core = new GroupCoordinator({
      nextMemberId: () => `member-${String(this.nextId++)}`,
      heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
    });
    this.core.setTopics(topics);
    this.coordinatorId = broker.brokerId;
    broker.hook = (session, op, correlationId, body) => this.onRequest(session, op, correlationId, body);
  }

  /** The members of every group, by member id. */
  get members(): ReadonlyMap<string, unknown> {
    return new Map(this.core.groupIds().flatMap((id) => [...(this.core.group(id)?.members ?? [])]));
  }

  /** Committed offset of a partition in any group, or undefined. */
  offset(topic: string, partition: number): number | undefined {
    for (const groupId of this.core.groupIds()) {
      const [found] = this.core.fetchOffsets({ groupId, partitions: [{ topic, partitions: [partition] }] }).offsets;
      if (found !== undefined && found.offset >= 0) return found.offset;
    }
    return undefined;
  }

  /** Stores a committed offset as an earlier run of the group would have. */
  seedOffset(groupId: string, topic: string, partition: number, offset: number): void {
    this.core.applyCommit(groupId, [{ topic, partition, offset }]);
  }

  /** Heartbeats of one member. */
  heartbeatsOf(memberId: string): SeenHeartbeat[] {
    return this.heartbeats.filter((h) => h.memberId === memberId);
  }

  private onRequest(session: FakeSession, op: RequestOp, correlationId: number, raw: unknown): 'handled' | undefined {
    const respond = <K extends RequestOp>(k: K, answer: () => ResponseOf<K>): 'handled' => {
      try {
        session.send(requests[k].code, correlationId, answer());
      } catch (err: unknown) {
        if (!(err instanceof BrookError)) throw err;
        fail(err);
      }
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
        return respond('findCoordinator', () => ({ coordinatorId: this.coordinatorId, offsetsPartition: 0 }));
      }
      case 'groupHeartbeat': {
        const body = requests.groupHeartbeat.request.parse(raw, '');
        this.heartbeats.push(body);
        const error = this.heartbeatErrors.shift();
        if (error !== undefined) return fail(error);
        if (this.coordinatorId !== this.broker.brokerId) return fail('NOT_COORDINATOR');
        return respond('groupHeartbeat', () => {
          const now = this.nowMs();
          this.core.tick(now);
          return this.core.heartbeat(body, now);
        });
      }
      case 'commitOffsets': {
        const body = requests.commitOffsets.request.parse(raw, '');
        this.commits.push(body);
        const error = this.commitErrors.shift();
        if (error !== undefined) return fail(error);
        return respond('commitOffsets', () => {
          const { results, accepted } = this.core.checkCommit(body);
          this.core.applyCommit(body.groupId, accepted);
          return { results };
        });
      }
      case 'fetchOffsets': {
        const body = requests.fetchOffsets.request.parse(raw, '');
        return respond('fetchOffsets', () => this.core.fetchOffsets(body));
      }
      default:
        return undefined;
    }
  }
}
