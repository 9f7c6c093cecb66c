/**
 * Producer ids belong to the principal that received them: a batch carrying another principal's producer id is
 * refused (UNAUTHORIZED) before anything is appended, so a client cannot pass its records off as another
 * producer's (whose next sequence it can read through fetch) and make the broker acknowledge the victim's batch as
 * a duplicate of the attacker's.
 *
 * The binding is made where the id is handed out (initProducer's answer passes through here). An id handed out by
 * another broker of the cluster is bound to the first principal that writes with it on this broker, so a stolen id
 * is refused to one of the two principals, never silently shared. The table is bounded: past
 * {@link MAX_PRODUCER_OWNERS} ids the oldest bindings are forgotten (their ids are then bound again on first use).
 */
import { BrookError, producerIdOf, type RequestOf, type RequestOp, type ResponseOf } from '../../protocol/index.js';
import type { AccessControl } from '../net/broker-api.js';

/** Producer ids whose owner a broker remembers (about 100 bytes each). */
export const MAX_PRODUCER_OWNERS = 1_000_000;

export class ProducerOwners {
  /** Producer id -> principal, oldest binding first (Map keeps insertion order). */
  private readonly owners = new Map<number, string>();

  constructor(private readonly maxOwners = MAX_PRODUCER_OWNERS) {}

  /** Binds `producerId` to `principal` (it was just handed to it). */
  claim(principal: string, producerId: number): void {
    this.owners.set(producerId, principal);
    for (const oldest of this.owners.keys()) {
      if (this.owners.size <= this.maxOwners) break;
      this.owners.delete(oldest);
    }
  }

  /** Throws UNAUTHORIZED if `producerId` belongs to another principal; binds an unknown id to `principal`. */
  use(principal: string, producerId: number): void {
    const owner = this.owners.get(producerId);
    if (owner === undefined) this.claim(principal, producerId);
    else if (owner !== principal) {
      throw new BrookError('UNAUTHORIZED', `producer id ${String(producerId)} belongs to another principal`);
    }
  }
}

/** `base`, plus the producer-id binding: initProducer answers claim, produce requests use. */
export function withProducerOwnership(base: AccessControl, owners: ProducerOwners): AccessControl {
  return {
    check<K extends RequestOp>(principal: string, op: K, request: RequestOf<K>): void {
      base.check(principal, op, request);
      if (op !== 'produce') return;
      // Checked for every batch before any is appended: a refused request stores nothing.
      for (const { batch } of (request as RequestOf<'produce'>).partitions) {
        const producerId = producerIdOf(batch);
        if (producerId >= 0) owners.use(principal, producerId);
      }
    },
    visible<K extends RequestOp>(principal: string, op: K, response: ResponseOf<K>): ResponseOf<K> {
      if (op === 'initProducer') owners.claim(principal, (response as ResponseOf<'initProducer'>).producerId);
      return base.visible(principal, op, response);
    },
  };
}
