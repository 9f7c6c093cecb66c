/**
 * The bookkeeping of the rebalance benchmark (bench/rebalance.ts), kept pure so it is unit-tested: who owns which
 * partition as the members' onAssigned/onRevoked hooks report it (with the time a condition over it first held),
 * and when each partition's records were consumed and by whom (for the longest pause of a partition in a window).
 * Times are whatever clock the caller passes (the benchmark uses performance.now()).
 */

/** A condition over the ownership, and the time of the change after which it first held. */
export interface OwnershipWatch {
  readonly holds: () => boolean;
  /** Undefined until the condition held. */
  atMs: number | undefined;
}

/** Partitions 0..partitions-1 of one topic and the members owning each. */
export class OwnershipLog {
  private readonly owners: Set<string>[];
  private readonly watches = new Set<OwnershipWatch>();
  /** Grants of a partition that another member still held: the group promises there are none. */
  doubleGrants = 0;

  constructor(readonly partitions: number) {
    this.owners = Array.from({ length: partitions }, () => new Set<string>());
  }

  /** `member`'s onAssigned reported `partitions` at `nowMs`. */
  assigned(member: string, partitions: readonly number[], nowMs: number): void {
    for (const p of partitions) {
      const owners = this.set(p);
      if (owners.size > 0 && !owners.has(member)) this.doubleGrants++;
      owners.add(member);
    }
    this.changed(nowMs);
  }

  /** `member`'s onRevoked reported `partitions` at `nowMs`. */
  revoked(member: string, partitions: readonly number[], nowMs: number): void {
    for (const p of partitions) this.set(p).delete(member);
    this.changed(nowMs);
  }

  /** The members owning partition `p`, sorted. */
  ownersOf(p: number): string[] {
    return [...this.set(p)].sort();
  }

  /** The sole owner of partition `p`, or undefined if it has none or several. */
  soleOwner(p: number): string | undefined {
    const owners = this.set(p);
    return owners.size === 1 ? [...owners][0] : undefined;
  }

  /** The partitions `member` owns, ascending. */
  ownedBy(member: string): number[] {
    const owned: number[] = [];
    for (let p = 0; p < this.partitions; p++) if (this.set(p).has(member)) owned.push(p);
    return owned;
  }

  /** Every partition is owned by exactly one member. */
  complete(): boolean {
    return this.owners.every((owners) => owners.size === 1);
  }

  /**
   * Every partition is owned by exactly one of `members`, and their counts are within one of each other (what a
   * settled group with these members looks like).
   */
  settled(members: readonly string[]): boolean {
    if (!this.complete()) return false;
    const counts = members.map((m) => this.ownedBy(m).length);
    const total = counts.reduce((a, b) => a + b, 0);
    return total === this.partitions && Math.max(...counts) - Math.min(...counts) <= 1;
  }

  /** Watches `holds`: the watch's atMs is `nowMs` if it holds already, else the time of the change that makes it. */
  watch(holds: () => boolean, nowMs: number): OwnershipWatch {
    const watch: OwnershipWatch = { holds, atMs: undefined };
    if (holds()) watch.atMs = nowMs;
    else this.watches.add(watch);
    return watch;
  }

  /** Stops evaluating a watch (one that never held). */
  unwatch(watch: OwnershipWatch): void {
    this.watches.delete(watch);
  }

  private changed(nowMs: number): void {
    for (const watch of this.watches) {
      if (!watch.holds()) continue;
      watch.atMs = nowMs;
      this.watches.delete(watch);
    }
  }

  private set(p: number): Set<string> {
    const owners = this.owners[p];
    if (owners === undefined) throw new RangeError(`no partition ${String(p)} (of ${String(this.partitions)})`);
    return owners;
  }
}

/** A time without consumption: how long, and from when. */
export interface Gap {
  readonly ms: number;
  readonly startMs: number;
}

/** When each partition's records were consumed, and by which member; times ascending per partition. */
export class ConsumptionLog {
  private readonly times: number[][];
  private readonly members: string[][];

  constructor(readonly partitions: number) {
    this.times = Array.from({ length: partitions }, () => []);
    this.members = Array.from({ length: partitions }, () => []);
  }

  /** `member` took a record of partition `p` at `atMs` (not before the last one recorded for `p`). */
  record(p: number, member: string, atMs: number): void {
    this.timesOf(p).push(atMs);
    this.members[p]?.push(member);
  }

  /** Records consumed since the log was created or last trimmed. */
  get size(): number {
    return this.times.reduce((n, list) => n + list.length, 0);
  }

  /** When partition `p` was last consumed (undefined: never). */
  lastMs(p: number): number | undefined {
    const list = this.timesOf(p);
    return list[list.length - 1];
  }

  /** The first consumption of partition `p` by `member` at or after `fromMs` (undefined: none yet). */
  firstBy(p: number, member: string, fromMs: number): number | undefined {
    const list = this.timesOf(p);
    const who = this.members[p] ?? [];
    for (let i = firstAtOrAfter(list, fromMs); i < list.length; i++) if (who[i] === member) return list[i];
    return undefined;
  }

  /**
   * The longest time partition `p` went without a consumption, among the intervals between consecutive consumptions
   * that overlap [fromMs, toMs], and when it began. Before its first consumption the interval starts at fromMs; one
   * still open (nothing consumed after it yet) ends at toMs.
   */
  longestGap(p: number, fromMs: number, toMs: number): Gap {
    const list = this.timesOf(p);
    const first = firstAtOrAfter(list, fromMs);
    let previous = first > 0 ? (list[first - 1] ?? fromMs) : fromMs;
    let longest: Gap = { ms: 0, startMs: previous };
    for (let i = first; i < list.length; i++) {
      const at = list[i] ?? previous;
      if (at - previous > longest.ms) longest = { ms: at - previous, startMs: previous };
      if (at > toMs) return longest;
      previous = at;
    }
    return toMs - previous > longest.ms ? { ms: toMs - previous, startMs: previous } : longest;
  }

  /** Forgets consumptions before `beforeMs` but each partition's last one before it, so gaps stay measurable. */
  trim(beforeMs: number): void {
    for (let p = 0; p < this.partitions; p++) {
      const drop = Math.max(0, firstAtOrAfter(this.timesOf(p), beforeMs) - 1);
      this.times[p]?.splice(0, drop);
      this.members[p]?.splice(0, drop);
    }
  }

  private timesOf(p: number): number[] {
    const list = this.times[p];
    if (list === undefined) throw new RangeError(`no partition ${String(p)} (of ${String(this.partitions)})`);
    return list;
  }
}

/** Index of the first value >= `at` in ascending `values` (values.length if none). */
function firstAtOrAfter(values: readonly number[], at: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((values[mid] ?? Infinity) < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
