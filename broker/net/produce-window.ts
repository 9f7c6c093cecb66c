/**
 * A connection's produce window. Pure. The producer may have at most `windowBytes` of records bytes in flight;
 * every produce's cost comes back to it exactly once as a `grant`: when its appends complete, and at once when it
 * is refused as a whole (throttled, shutting down), since the client charged it on sending either way.
 */
export class ProduceWindow {
  private inFlight = 0;
  private pendingGrant = 0;

  /** @param windowBytes records bytes a connection may have in flight (the hello's produceWindowBytes). */
  constructor(readonly windowBytes: number) {}

  /** Records bytes of produce requests admitted and not yet completed. */
  get inFlightBytes(): number {
    return this.inFlight;
  }

  /** Bytes to grant back that have not been taken by {@link takeGrant} yet. */
  get pendingGrantBytes(): number {
    return this.pendingGrant;
  }

  /** Admits a request costing `bytes` if it fits in the window; false (nothing changes) if it would exceed it. */
  tryAcquire(bytes: number): boolean {
    if (this.inFlight + bytes > this.windowBytes) return false;
    this.inFlight += bytes;
    return true;
  }

  /** An admitted request completed: its bytes leave the window and are owed back to the client. */
  release(bytes: number): void {
    if (bytes > this.inFlight)
      throw new RangeError(`release of ${String(bytes)} bytes exceeds ${String(this.inFlight)} in flight`);
    this.inFlight -= bytes;
    this.pendingGrant += bytes;
  }

  /** A request refused without being admitted: its bytes are owed back to the client, which charged them. */
  refund(bytes: number): void {
    this.pendingGrant += bytes;
  }

  /** Returns the bytes owed to the client and clears them (one `grant` push carries them all). */
  takeGrant(): number {
    const bytes = this.pendingGrant;
    this.pendingGrant = 0;
    return bytes;
  }
}
