/**
 * Producer ids for idempotent producers, unique across the cluster without coordination: a broker hands out
 * `brokerId * 2^32 + counter`, and persists its counter in blocks in `<dataDir>/producer-ids` (the end of the
 * block in use). A restart continues after the persisted block end, so an id is never handed out twice, at the
 * cost of skipping the rest of the block in use before the restart.
 */
import fs from 'node:fs';
import path from 'node:path';

/** File name of the persisted block end inside the data dir. */
export const PRODUCER_IDS_FILE = 'producer-ids';
/** Ids a broker may hand out: the counter stays below this. */
export const PRODUCER_IDS_PER_BROKER = 2 ** 32;
/** Largest broker id whose producer ids stay safe integers (brokerId * 2^32 + counter < 2^53). */
export const MAX_PRODUCER_ID_BROKER = 2 ** 21 - 1;
/** Default {@link ProducerIdAllocatorOptions.blockSize}. */
export const DEFAULT_PRODUCER_ID_BLOCK = 1000;

/** What hands out producer ids (the initProducer handler depends on this, tests fake it). */
export interface ProducerIdSource {
  /** A producer id never handed out before by any broker of the cluster. */
  next(): number;
}

export interface ProducerIdAllocatorOptions {
  /** Ids reserved per write of the block file. Default 1000. */
  readonly blockSize?: number;
}

/** A {@link ProducerIdSource} persisted in a broker's data dir. Synchronous: one small fsynced write per block. */
export class ProducerIdAllocator implements ProducerIdSource {
  private counter: number;
  private blockEnd: number;

  private constructor(
    private readonly file: string,
    private readonly brokerId: number,
    private readonly blockSize: number,
    persistedEnd: number,
  ) {
    this.counter = persistedEnd;
    this.blockEnd = persistedEnd;
  }

  /**
   * Opens the allocator of broker `brokerId` over `dataDir` (which must exist). Throws RangeError for a broker id
   * above {@link MAX_PRODUCER_ID_BROKER} or a bad block size, Error for an unreadable or malformed file.
   */
  static open(dataDir: string, brokerId: number, options: ProducerIdAllocatorOptions = {}): ProducerIdAllocator {
    if (!Number.isSafeInteger(brokerId) || brokerId < 0 || brokerId > MAX_PRODUCER_ID_BROKER) {
      throw new RangeError(
        `producer ids need a broker id in [0, ${String(MAX_PRODUCER_ID_BROKER)}], got ${String(brokerId)}`,
      );
    }
    const blockSize = options.blockSize ?? DEFAULT_PRODUCER_ID_BLOCK;
    if (!Number.isSafeInteger(blockSize) || blockSize < 1) {
      throw new RangeError(`blockSize must be an integer >= 1, got ${String(blockSize)}`);
    }
    const file = path.join(dataDir, PRODUCER_IDS_FILE);
    return new ProducerIdAllocator(file, brokerId, blockSize, readBlockEnd(file));
  }

  /** Hands out the next id, first persisting a new block when the current one is used up. */
  next(): number {
    if (this.counter >= this.blockEnd) {
      const end = Math.min(this.counter + this.blockSize, PRODUCER_IDS_PER_BROKER);
      if (end <= this.counter) throw new Error(`broker ${String(this.brokerId)} has used all its producer ids`);
      writeBlockEnd(this.file, end);
      this.blockEnd = end;
    }
    return this.brokerId * PRODUCER_IDS_PER_BROKER + this.counter++;
  }
}

function readBlockEnd(file: string): number {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (isNotFound(err)) return 0;
    throw err;
  }
  const end = Number(text.trim());
  if (!Number.isSafeInteger(end) || end < 0 || end > PRODUCER_IDS_PER_BROKER) {
    throw new Error(`${file} does not hold a producer id counter: ${JSON.stringify(text.slice(0, 40))}`);
  }
  return end;
}

/** Writes the block end durably: a temp file fsynced, renamed over the old one, and the directory fsynced. */
function writeBlockEnd(file: string, end: number): void {
  const temp = `${file}.tmp`;
  const fd = fs.openSync(temp, 'w');
  try {
    fs.writeSync(fd, `${String(end)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
  const dir = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof Error && 'code' in err && err.code === 'ENOENT';
}
