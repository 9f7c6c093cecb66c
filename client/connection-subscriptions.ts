/** The subscriptions of one connection's session: their ids, and the routing of deliver/subscriptionEnd pushes. */
import { BrookError, type PushOf } from '../protocol/index.js';
import { IdSequence } from './connection-ids.js';

/** Receives the pushes of one subscription. */
export interface SubscriptionHandler {
  /** Batches for the subscription, in offset order. */
  deliver(push: PushOf<'deliver'>): void;
  /** The subscription ended: a `subscriptionEnd` push, or NETWORK_ERROR when the connection dropped. */
  end(error: BrookError): void;
}

/** Subscription handlers by subscription id. */
export class Subscriptions {
  private readonly handlers = new Map<number, SubscriptionHandler>();
  private readonly ids = new IdSequence(this.handlers);

  /** Registers a handler under an id unique among the live subscriptions, and returns the id. */
  add(handler: SubscriptionHandler): number {
    const id = this.ids.take();
    this.handlers.set(id, handler);
    return id;
  }

  /** Forgets a handler. */
  remove(id: number): void {
    this.handlers.delete(id);
  }

  /** Hands a batch to its subscription's handler (dropped if the subscription is gone). */
  deliver(push: PushOf<'deliver'>): void {
    this.handlers.get(push.subscriptionId)?.deliver(push);
  }

  /** The broker ended a subscription: forgets its handler, then tells it why. */
  end(push: PushOf<'subscriptionEnd'>): void {
    const handler = this.handlers.get(push.subscriptionId);
    this.handlers.delete(push.subscriptionId);
    handler?.end(BrookError.fromWire(push.error));
  }

  /** The session ended: forgets every handler, then ends each with `error`. */
  endAll(error: BrookError): void {
    const handlers = [...this.handlers.values()];
    this.handlers.clear();
    for (const handler of handlers) handler.end(error);
  }
}
