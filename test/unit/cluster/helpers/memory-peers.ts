/**
 * Brokers' Raft hosts wired together in one process: what a host sends is queued per (from, to) and delivered to the
 * peer's host when the sender flushes, on a later event-loop turn (as a socket would), or dropped when either end is
 * "down". Deliveries and the hosts' ready passes run on setImmediate turns, which {@link settle} lets happen.
 */
import type { Logger } from 'pino';
import type { Runtime } from '../../../../broker/clock.js';
import { RaftHost, type HostEnvelope, type PeerLink } from '../../../../broker/cluster/raft-host.js';

export class MemoryPeers {
  /** Brokers whose messages are dropped both ways. */
  readonly down = new Set<number>();
  private readonly hosts = new Map<number, RaftHost>();
  /** Envelopes queued per (from, to) until the sender flushes. */
  private readonly queued = new Map<string, { from: number; to: number; envelopes: HostEnvelope[] }>();

  /** The link a host of broker `from` sends through. */
  link(from: number): PeerLink {
    return {
      send: (to, envelope) => {
        const key = `${String(from)}>${String(to)}`;
        const q = this.queued.get(key) ?? { from, to, envelopes: [] };
        q.envelopes.push(envelope);
        this.queued.set(key, q);
      },
      flush: () => {
        for (const [key, q] of this.queued) {
          if (q.from !== from) continue;
          this.queued.delete(key);
          const target = this.hosts.get(q.to);
          if (target === undefined || this.down.has(q.to) || this.down.has(from)) continue;
          setImmediate(() => {
            target.receive(from, q.envelopes);
          });
        }
      },
    };
  }

  /** Registers the host that receives what is sent to broker `id`. */
  attach(id: number, host: RaftHost): void {
    this.hosts.set(id, host);
  }

  /**
   * A Raft host for broker `id` among `ids`, sending through this network and attached to it; its endpoint is
   * 127.0.0.1 with the id as both ports, and it ticks every 10 ms of `runtime`'s time.
   */
  host(id: number, ids: readonly number[], options: HostOptions): RaftHost {
    const host = new RaftHost({
      selfId: id,
      peers: () => ids.filter((p) => p !== id),
      link: this.link(id),
      endpoint: () => ({ host: '127.0.0.1', port: id, wsPort: id }),
      tickMs: 10,
      electionTicks: options.electionTicks,
      logger: options.logger,
      runtime: options.runtime,
      asyncWrites: false,
    });
    this.attach(id, host);
    return host;
  }
}

/** What {@link MemoryPeers.host} takes from the test. */
export interface HostOptions {
  readonly electionTicks: number;
  readonly logger: Logger;
  readonly runtime: Runtime;
}

/** Lets `turns` event-loop turns run: ready passes, deliveries and the passes they trigger. */
export async function settle(turns = 8): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}
