/**
 * A subscription's push credit, in records and bytes. Pure. The subscriber grants credit; the broker may start a
 * batch only while BOTH are positive, and then charges the whole batch, so either may go negative by at most
 * one batch.
 */
export class Credit {
  private records: number;
  private bytes: number;

  /** @param records initial record credit; @param bytes initial byte credit (records bytes of batches). */
  constructor(records: number, bytes: number) {
    this.records = records;
    this.bytes = bytes;
  }

  /** Records that may still be started (negative after an overdraw). */
  get recordsLeft(): number {
    return this.records;
  }

  /** Bytes that may still be started (negative after an overdraw). */
  get bytesLeft(): number {
    return this.bytes;
  }

  /** Adds a subscriber's grant to what is left. */
  add(records: number, bytes: number): void {
    // Clamped so that a flood of grants cannot push the sums out of exact integer range.
    this.records = Math.min(this.records + records, Number.MAX_SAFE_INTEGER);
    this.bytes = Math.min(this.bytes + bytes, Number.MAX_SAFE_INTEGER);
  }

  /** Whether another batch may be started now. */
  canStart(): boolean {
    return this.records > 0 && this.bytes > 0;
  }

  /** Charges one batch that was started while {@link canStart} held. */
  charge(records: number, bytes: number): void {
    this.records -= records;
    this.bytes -= bytes;
  }
}
