/**
 * A subscription's credit window, seen from the consumer (protocol rule 9). The consumer grants the broker credit
 * for `windowRecords` records and `windowBytes` bytes; the broker spends it as it pushes batches. Credit comes back
 * only as the APPLICATION takes records, not as they arrive: a consumer that stops reading stops the broker once
 * the window is spent. Refills go out when what remains of the window (credit at the broker, batches in flight
 * and batches buffered but not taken) falls below a quarter, topping it back up to the whole window (NATS style:
 * few credit messages, and the broker never waits for a round trip while the application is busy). Pure.
 */

/** Credit to send to the broker. */
export interface Credit {
  readonly records: number;
  readonly bytes: number;
}

export class CreditWindow {
  /** Granted records not yet taken by the application (at the broker, in flight, or buffered). */
  private pipeRecords = 0;
  private pipeBytes = 0;

  /**
   * @param windowRecords records the broker may push ahead of the application.
   * @param windowBytes records bytes the broker may push ahead of the application.
   */
  constructor(
    readonly windowRecords: number,
    readonly windowBytes: number,
  ) {}

  /** Records granted and not yet taken. */
  get outstandingRecords(): number {
    return this.pipeRecords;
  }

  /** Bytes granted and not yet taken. */
  get outstandingBytes(): number {
    return this.pipeBytes;
  }

  /**
   * The credit for a new subscription (a first subscribe, or a re-subscribe after a reconnect or seek), given the
   * records and bytes still buffered from before, which count against the window. Anything granted to an earlier
   * subscription is forgotten (the broker forgot it too).
   */
  subscribe(bufferedRecords: number, bufferedBytes: number): Credit {
    const credit = {
      records: Math.max(0, this.windowRecords - bufferedRecords),
      bytes: Math.max(0, this.windowBytes - bufferedBytes),
    };
    this.pipeRecords = bufferedRecords + credit.records;
    this.pipeBytes = bufferedBytes + credit.bytes;
    return credit;
  }

  /**
   * The application took (or the consumer skipped) `records` records of `bytes` bytes. Returns the credit to send
   * when the window has drained below a quarter, else undefined.
   */
  taken(records: number, bytes: number): Credit | undefined {
    this.pipeRecords -= records;
    this.pipeBytes -= bytes;
    if (this.pipeRecords >= this.windowRecords / 4 && this.pipeBytes >= this.windowBytes / 4) return undefined;
    const credit = {
      records: Math.max(0, this.windowRecords - this.pipeRecords),
      bytes: Math.max(0, this.windowBytes - this.pipeBytes),
    };
    this.pipeRecords += credit.records;
    this.pipeBytes += credit.bytes;
    return credit;
  }

  /** Credit returned by {@link taken} could not be sent (no live subscription): it is not outstanding after all. */
  unsent(credit: Credit): void {
    this.pipeRecords -= credit.records;
    this.pipeBytes -= credit.bytes;
  }
}
