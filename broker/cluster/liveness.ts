/**
 * Which peer brokers are alive, judged by when each was last heard from, in ticks. Pure: the host feeds it
 * ticks and arrivals. A peer that was never heard from is not live; it is reported dead once it stays silent for
 * a timeout from the start (a broker starting with its peers does not call them all dead on its first tick).
 */
export class PeerLiveness {
  private now = 0;
  private readonly lastHeard = new Map<number, number>();
  private readonly dead = new Set<number>();

  /** @param timeoutTicks silence longer than this makes a peer dead. */
  constructor(private readonly timeoutTicks: number) {}

  /** Something arrived from `peer`. Returns whether that made it live (never heard from before, or dead). */
  heard(peer: number): boolean {
    const wasLive = this.isLive(peer);
    this.lastHeard.set(peer, this.now);
    this.dead.delete(peer);
    return !wasLive;
  }

  /** Sending to `peer` failed at the socket (refused, reset): dead now, without waiting for the timeout. */
  lost(peer: number): boolean {
    if (this.dead.has(peer)) return false;
    this.lastHeard.delete(peer);
    this.dead.add(peer);
    return true;
  }

  /** Advances time by one tick; returns the peers that just turned dead. */
  tick(peers: Iterable<number>): number[] {
    this.now++;
    const newlyDead: number[] = [];
    for (const peer of peers) {
      if (this.dead.has(peer)) continue;
      // Never heard from: silent since the start (tick 0).
      const heard = this.lastHeard.get(peer) ?? 0;
      if (this.now - heard > this.timeoutTicks) {
        this.dead.add(peer);
        newlyDead.push(peer);
      }
    }
    return newlyDead;
  }

  /** Heard from within the timeout: a replica on it can be counted on now (in sync, a leadership target). */
  isLive(peer: number): boolean {
    return this.lastHeard.has(peer) && !this.dead.has(peer);
  }

  /**
   * Live, or not heard from yet in the first timeout after the start: new replicas may be placed on it. Differs from
   * {@link isLive} only while a freshly started broker has not heard from every peer yet, so that a topic created at
   * that moment is not refused for want of brokers that are merely about to be heard.
   */
  mayBeLive(peer: number): boolean {
    if (this.dead.has(peer)) return false;
    return this.lastHeard.has(peer) || this.now <= this.timeoutTicks;
  }
}
