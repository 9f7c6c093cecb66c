/**
 * Which peer brokers are alive, judged by when each was last heard from, in ticks. Pure: the host feeds it
 * ticks and arrivals. A peer that was never heard from counts as dead.
 */
export class PeerLiveness {
  private now = 0;
  private readonly lastHeard = new Map<number, number>();
  private readonly dead = new Set<number>();

  /** @param timeoutTicks silence longer than this makes a peer dead. */
  constructor(private readonly timeoutTicks: number) {}

  /** Something arrived from `peer`. */
  heard(peer: number): void {
    this.lastHeard.set(peer, this.now);
    this.dead.delete(peer);
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
      const heard = this.lastHeard.get(peer);
      if (heard === undefined || this.now - heard > this.timeoutTicks) {
        this.dead.add(peer);
        newlyDead.push(peer);
      }
    }
    return newlyDead;
  }

  isLive(peer: number): boolean {
    return this.lastHeard.has(peer) && !this.dead.has(peer);
  }
}
