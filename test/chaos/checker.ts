/**
 * The chaos checker: given what the workload sent (and which sends were acknowledged, at which offset) and the final
 * committed contents of every partition on every replica, finds every way the cluster broke its promises. Pure: no
 * I/O, no clock; the chaos test gathers the input.
 *
 * Values are `${producer}-${seq}` (unique per write); each producer numbers its writes 0, 1, 2, ... and sends each to
 * a partition it chose.
 */

/** One write the workload sent. */
export interface SentWrite {
  readonly producer: string;
  readonly seq: number;
  readonly partition: number;
  /** The offset its acknowledgement gave; undefined if it was never acknowledged (failed or still pending). */
  readonly ackedOffset?: number | undefined;
}

/** One record as a copy of a partition holds it. */
export interface ReadRecord {
  readonly offset: number;
  readonly value: string;
}

/** One stored batch (a row of a replica's log), for comparing replicas below the record level. */
export interface ReadBatch {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly crc: number;
}

/** The final contents of one partition as one copy holds it. */
export interface ReplicaRead {
  /** Which copy, for the report: `broker 2`, `leader (consumer)`. */
  readonly replica: string;
  readonly partition: number;
  /** First offset this copy still holds (retention or a snapshot removed what is below). Default 0. */
  readonly logStartOffset?: number;
  /** Data records in offset order (control batches left out). Records at or above the committed end are ignored. */
  readonly records: readonly ReadRecord[];
  /** Stored batches in offset order, control batches included, when the copy is a log file. */
  readonly batches?: readonly ReadBatch[];
}

/** What {@link checkHistory} needs. */
export interface CheckInput {
  readonly writes: readonly SentWrite[];
  readonly reads: readonly ReplicaRead[];
  /** Per partition (by index), the end of the committed prefix: the high watermark at the end of the run. */
  readonly committedEnd: readonly number[];
}

/** An acknowledged write that a copy does not hold in its committed prefix. */
export interface LostWrite {
  readonly value: string;
  readonly partition: number;
  readonly ackedOffset: number;
  readonly replica: string;
}

/** An acknowledged write held at another offset than its acknowledgement said. */
export interface MovedWrite {
  readonly value: string;
  readonly partition: number;
  readonly ackedOffset: number;
  readonly foundOffset: number;
  readonly replica: string;
}

/** A value held more than once by one copy (or by copies of different partitions, listed together). */
export interface Duplicate {
  readonly value: string;
  readonly replica: string;
  readonly at: readonly { readonly partition: number; readonly offset: number }[];
}

/** A producer's write missing from a partition that holds a later write of the same producer. */
export interface SequenceGap {
  readonly producer: string;
  readonly partition: number;
  readonly replica: string;
  readonly missingSeq: number;
  /** Whether the missing write had been acknowledged (then it is also lost). */
  readonly missingAcked: boolean;
  /** The next present write of the producer after the hole. */
  readonly laterSeq: number;
}

/** A producer's writes out of order within a partition. */
export interface Reordering {
  readonly producer: string;
  readonly partition: number;
  readonly replica: string;
  readonly previousSeq: number;
  readonly previousOffset: number;
  readonly seq: number;
  readonly offset: number;
}

/** A copy whose committed prefix differs from the reference copy of the same partition. */
export interface Divergence {
  readonly partition: number;
  readonly replica: string;
  readonly reference: string;
  /** `records` compares values by offset; `batches` compares stored rows (base, last offset, CRC). */
  readonly kind: 'records' | 'batches';
  /** The first offset where they differ. */
  readonly offset: number;
  readonly expected: string;
  readonly found: string;
  /** How many offsets (records) or rows (batches) differ in all. */
  readonly differences: number;
}

/** A value in a log that the workload never sent. */
export interface UnexpectedValue {
  readonly partition: number;
  readonly replica: string;
  readonly offset: number;
  readonly value: string;
}

/** Everything {@link checkHistory} found. A run passes when every list is empty. */
export interface CheckResult {
  readonly lost: readonly LostWrite[];
  readonly moved: readonly MovedWrite[];
  readonly duplicates: readonly Duplicate[];
  readonly gaps: readonly SequenceGap[];
  readonly reorderings: readonly Reordering[];
  readonly divergences: readonly Divergence[];
  readonly unexpected: readonly UnexpectedValue[];
  readonly counts: {
    readonly writes: number;
    readonly acknowledged: number;
    readonly copies: number;
    readonly recordsRead: number;
  };
}

/** The value a producer writes for its `seq`-th write. */
export function writeValue(producer: string, seq: number): string {
  return `${producer}-${String(seq)}`;
}

/** The categories of {@link CheckResult} that must be empty, with their report names. */
export const VIOLATION_KINDS = [
  ['lost', 'lost acknowledged writes'],
  ['moved', 'acknowledged at another offset'],
  ['duplicates', 'duplicates'],
  ['gaps', 'gaps in a producer sequence'],
  ['reorderings', 'reordered producer writes'],
  ['divergences', 'divergent replicas'],
  ['unexpected', 'values never sent'],
] as const;

/** The number of violations of every kind. */
export function violationCount(result: CheckResult): number {
  return VIOLATION_KINDS.reduce((sum, [key]) => sum + result[key].length, 0);
}

/** The violation lists, writable while the check runs. */
type Results = {
  [K in Exclude<keyof CheckResult, 'counts'>]: CheckResult[K][number][];
};

/** Checks one run. See the result types for what each category means. */
export function checkHistory(input: CheckInput): CheckResult {
  const byValue = new Map<string, SentWrite>();
  for (const write of input.writes) byValue.set(writeValue(write.producer, write.seq), write);
  const sentTo = sentSeqsByPartition(input.writes);
  const results: Results = {
    lost: [],
    moved: [],
    duplicates: [],
    gaps: [],
    reorderings: [],
    divergences: [],
    unexpected: [],
  };
  let recordsRead = 0;
  const replicas = new Map<string, ReplicaRead[]>();
  for (const read of input.reads) {
    const end = input.committedEnd[read.partition] ?? 0;
    const committed = read.records.filter((r) => r.offset < end);
    recordsRead += committed.length;
    const copies = replicas.get(read.replica) ?? [];
    copies.push(read);
    replicas.set(read.replica, copies);
    checkCopy(read, committed, byValue, sentTo, results);
  }
  for (const [replica, copies] of replicas) findDuplicates(replica, copies, input.committedEnd, results.duplicates);
  compareReplicas(input, results.divergences);
  return {
    ...results,
    counts: {
      writes: input.writes.length,
      acknowledged: input.writes.filter((w) => w.ackedOffset !== undefined).length,
      copies: input.reads.length,
      recordsRead,
    },
  };
}

/** producer -> partition -> the seqs it sent there, ascending. */
function sentSeqsByPartition(writes: readonly SentWrite[]): Map<string, Map<number, number[]>> {
  const out = new Map<string, Map<number, number[]>>();
  for (const write of writes) {
    const partitions = out.get(write.producer) ?? new Map<number, number[]>();
    out.set(write.producer, partitions);
    const seqs = partitions.get(write.partition) ?? [];
    partitions.set(write.partition, seqs);
    seqs.push(write.seq);
  }
  for (const partitions of out.values()) for (const seqs of partitions.values()) seqs.sort((a, b) => a - b);
  return out;
}

/** Lost, moved, gaps, reordering and unexpected values in one copy's committed prefix of one partition. */
function checkCopy(
  read: ReplicaRead,
  committed: readonly ReadRecord[],
  byValue: ReadonlyMap<string, SentWrite>,
  sentTo: ReadonlyMap<string, ReadonlyMap<number, readonly number[]>>,
  results: Results,
): void {
  const { replica, partition } = read;
  const startOffset = read.logStartOffset ?? 0;
  const offsetsOf = new Map<string, number[]>();
  // Per producer: the highest seq so far in offset order, and every seq present.
  const lastSeen = new Map<string, { seq: number; offset: number }>();
  const present = new Map<string, Set<number>>();
  for (const record of committed) {
    const offsets = offsetsOf.get(record.value) ?? [];
    offsets.push(record.offset);
    offsetsOf.set(record.value, offsets);
    const write = byValue.get(record.value);
    if (write?.partition !== partition) {
      results.unexpected.push({ partition, replica, offset: record.offset, value: record.value });
      continue;
    }
    const seqs = present.get(write.producer) ?? new Set<number>();
    seqs.add(write.seq);
    present.set(write.producer, seqs);
    const previous = lastSeen.get(write.producer);
    if (previous !== undefined && write.seq < previous.seq) {
      results.reorderings.push({
        producer: write.producer,
        partition,
        replica,
        previousSeq: previous.seq,
        previousOffset: previous.offset,
        seq: write.seq,
        offset: record.offset,
      });
    }
    if (previous === undefined || write.seq > previous.seq) {
      lastSeen.set(write.producer, { seq: write.seq, offset: record.offset });
    }
  }

  for (const [value, write] of byValue) {
    if (write.partition !== partition || write.ackedOffset === undefined) continue;
    if (write.ackedOffset < startOffset) continue; // removed from this copy by retention or a snapshot
    const offsets = offsetsOf.get(value);
    if (offsets === undefined) {
      results.lost.push({ value, partition, ackedOffset: write.ackedOffset, replica });
    } else if (!offsets.includes(write.ackedOffset)) {
      results.moved.push({ value, partition, ackedOffset: write.ackedOffset, foundOffset: offsets[0] ?? -1, replica });
    }
  }

  for (const [producer, seqs] of present) {
    const sent = sentTo.get(producer)?.get(partition) ?? [];
    let highest = -1;
    let lowest = Infinity;
    for (const seq of seqs) {
      highest = Math.max(highest, seq);
      lowest = Math.min(lowest, seq);
    }
    // A copy that lost its prefix to retention or a snapshot only answers for holes after its first record.
    const lowestKept = startOffset > 0 ? lowest : -1;
    for (const seq of sent) {
      if (seq >= highest) break;
      if (seq < lowestKept || seqs.has(seq)) continue;
      const write = byValue.get(writeValue(producer, seq));
      let laterSeq = seq + 1;
      while (!seqs.has(laterSeq)) laterSeq++;
      results.gaps.push({
        producer,
        partition,
        replica,
        missingSeq: seq,
        missingAcked: write?.ackedOffset !== undefined,
        laterSeq,
      });
    }
  }
}

/** Values one copy holds at more than one place (any partitions), committed prefixes only. */
function findDuplicates(
  replica: string,
  copies: readonly ReplicaRead[],
  committedEnd: readonly number[],
  out: Duplicate[],
): void {
  const places = new Map<string, { partition: number; offset: number }[]>();
  for (const read of copies) {
    const end = committedEnd[read.partition] ?? 0;
    for (const record of read.records) {
      if (record.offset >= end) continue;
      const at = places.get(record.value) ?? [];
      at.push({ partition: read.partition, offset: record.offset });
      places.set(record.value, at);
    }
  }
  for (const [value, at] of places) if (at.length > 1) out.push({ value, replica, at });
}

/**
 * Every copy of a partition against the first copy listed for it, over the committed prefix both still hold:
 * values by offset, and stored rows when both copies are log files.
 */
function compareReplicas(input: CheckInput, out: Divergence[]): void {
  const byPartition = new Map<number, ReplicaRead[]>();
  for (const read of input.reads) {
    const copies = byPartition.get(read.partition) ?? [];
    copies.push(read);
    byPartition.set(read.partition, copies);
  }
  for (const [partition, copies] of byPartition) {
    const [reference, ...others] = copies;
    if (reference === undefined) continue;
    const end = input.committedEnd[partition] ?? 0;
    for (const copy of others) {
      const from = Math.max(reference.logStartOffset ?? 0, copy.logStartOffset ?? 0);
      const records = compareRecords(reference.records, copy.records, from, end);
      if (records !== undefined) {
        out.push({ partition, replica: copy.replica, reference: reference.replica, kind: 'records', ...records });
      }
      if (reference.batches === undefined || copy.batches === undefined) continue;
      const batches = compareBatches(reference.batches, copy.batches, from, end);
      if (batches !== undefined) {
        out.push({ partition, replica: copy.replica, reference: reference.replica, kind: 'batches', ...batches });
      }
    }
  }
}

interface Difference {
  readonly offset: number;
  readonly expected: string;
  readonly found: string;
  readonly differences: number;
}

const MISSING = '(missing)';

function compareRecords(
  expected: readonly ReadRecord[],
  found: readonly ReadRecord[],
  from: number,
  end: number,
): Difference | undefined {
  const want = valuesByOffset(expected, from, end);
  const have = valuesByOffset(found, from, end);
  const offsets = [...new Set([...want.keys(), ...have.keys()])].sort((a, b) => a - b);
  let first: Difference | undefined;
  let differences = 0;
  for (const offset of offsets) {
    const a = want.get(offset) ?? MISSING;
    const b = have.get(offset) ?? MISSING;
    if (a === b) continue;
    differences++;
    first ??= { offset, expected: a, found: b, differences: 0 };
  }
  return first === undefined ? undefined : { ...first, differences };
}

function valuesByOffset(records: readonly ReadRecord[], from: number, end: number): Map<number, string> {
  const out = new Map<number, string>();
  for (const record of records) {
    if (record.offset < from || record.offset >= end) continue;
    // A second value at one offset is itself a divergence from any sane copy: keep both visible.
    const before = out.get(record.offset);
    out.set(record.offset, before === undefined ? record.value : `${before} + ${record.value}`);
  }
  return out;
}

function compareBatches(
  expected: readonly ReadBatch[],
  found: readonly ReadBatch[],
  from: number,
  end: number,
): Difference | undefined {
  const want = batchesByBase(expected, from, end);
  const have = batchesByBase(found, from, end);
  const bases = [...new Set([...want.keys(), ...have.keys()])].sort((a, b) => a - b);
  let first: Difference | undefined;
  let differences = 0;
  for (const base of bases) {
    const a = want.get(base) ?? MISSING;
    const b = have.get(base) ?? MISSING;
    if (a === b) continue;
    differences++;
    first ??= { offset: base, expected: a, found: b, differences: 0 };
  }
  return first === undefined ? undefined : { ...first, differences };
}

function batchesByBase(batches: readonly ReadBatch[], from: number, end: number): Map<number, string> {
  const out = new Map<number, string>();
  for (const batch of batches) {
    if (batch.baseOffset < from || batch.lastOffset >= end) continue;
    out.set(batch.baseOffset, `[${String(batch.baseOffset)}..${String(batch.lastOffset)}] crc ${String(batch.crc)}`);
  }
  return out;
}

/** A readable report: the counts of every kind, then up to `maxExamples` examples of each kind that occurred. */
export function formatReport(result: CheckResult, maxExamples = 5): string {
  const { writes, acknowledged, copies, recordsRead } = result.counts;
  const lines = [
    `${String(writes)} writes sent, ${String(acknowledged)} acknowledged; ` +
      `${String(copies)} partition copies read, ${String(recordsRead)} committed records`,
  ];
  for (const [key, name] of VIOLATION_KINDS) {
    const found: readonly object[] = result[key];
    lines.push(`${name}: ${String(found.length)}`);
    for (const example of found.slice(0, maxExamples)) lines.push(`  ${JSON.stringify(example)}`);
    if (found.length > maxExamples) lines.push(`  ... and ${String(found.length - maxExamples)} more`);
  }
  return lines.join('\n');
}
