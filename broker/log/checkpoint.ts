/**
 * Checkpoint cleanup: a log whose writer copies its whole state into it now and then (the group coordinator in
 * `__offsets`) needs nothing before its latest complete checkpoint. A checkpoint is a run of batches, the first
 * marked CHECKPOINT_START and the last CHECKPOINT_END (one batch may be both); one cut off by a crash (a start with
 * no end after it) does not count, and neither does one above the high watermark. Pure.
 */
import { CHECKPOINT_END, CHECKPOINT_START } from './control.js';

/**
 * Base offset of the latest complete checkpoint, given the marked rows `[baseOffset, attributes]` last first, or
 * null when there is none. Stops reading rows as soon as it knows.
 */
export function latestCompleteCheckpoint(markedLastFirst: Iterable<readonly [number, number]>): number | null {
  let endSeen = false;
  for (const [baseOffset, attributes] of markedLastFirst) {
    const start = (attributes & CHECKPOINT_START) !== 0;
    const end = (attributes & CHECKPOINT_END) !== 0;
    if (start && (end || endSeen)) return baseOffset;
    // A start with no end after it was cut off; an end resets what we look for to its own start.
    endSeen = end;
  }
  return null;
}
