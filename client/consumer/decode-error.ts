/** The error of a record whose value the consumer's codec could not decode. */

/**
 * The codec threw on a record's value (e.g. text that is not JSON read with the default JSON codec). With
 * `onDecodeError: 'throw'` (the default) the consumer throws this and its position stays AT the record, as Kafka's
 * consumer does: the application decides, and `seek()` to `offset + 1` skips the record. The records after it are
 * not lost either way.
 */
export class DecodeError extends Error {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: number,
    cause: unknown,
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      `cannot decode the value of ${topic}/${String(partition)} at offset ${String(offset)}: ${why} ` +
        `(seek to ${String(offset + 1)} to skip it, or set onDecodeError: 'skip')`,
      { cause },
    );
    this.name = 'DecodeError';
  }
}
