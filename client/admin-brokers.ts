/** Cluster membership administration: removing a broker (a bad join undone, a dead broker replaced). */
import type { Connection } from './connection.js';

/** Sends an admin request to the controller, retrying retriable errors (AdminCore's). */
type ControllerRequest = <R>(send: (connection: Connection) => Promise<R>) => Promise<R>;

/** Options of {@link BrokerAdmin.removeBroker}. */
export interface RemoveBrokerOptions {
  /**
   * Remove the broker although it hosts partition replicas: the controller moves each to another live broker (or
   * shrinks the replica set when there is none). For a broker that is dead for good. Default false: refused with
   * BROKER_HAS_REPLICAS naming the partitions, which `reassignPartitions` moves off first.
   */
  readonly force?: boolean;
}

/** A partition move a forced removal started. */
export interface RemovalMove {
  readonly topic: string;
  readonly partition: number;
  readonly replicas: readonly number[];
}

export class BrokerAdmin {
  constructor(private readonly controllerRequest: ControllerRequest) {}

  /**
   * Removes broker `id` from the metadata voters and from replica placement; resolves, with the moves a forced
   * removal started, once the voter change is committed. Rejects with UNKNOWN_BROKER, BROKER_HAS_REPLICAS, or
   * WOULD_LOSE_QUORUM (the last voter, or the voters left would have no live majority).
   */
  async removeBroker(id: number, options: RemoveBrokerOptions = {}): Promise<RemovalMove[]> {
    const request = { brokerId: id, ...(options.force === true ? { force: true } : {}) };
    return (await this.controllerRequest((c) => c.request('removeBroker', request))).partitions;
  }
}
