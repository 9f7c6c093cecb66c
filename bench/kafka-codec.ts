/**
 * The Kafka codec's hot paths, in one process, no sockets: decoding a Produce request (v9, one partition, one 16 KiB
 * record batch) including the batch's validation (length, magic, CRC32C, record framing), and encoding a Fetch
 * response (v13, one partition, the same batch as stored bytes).
 *
 *   npx tsx bench/kafka-codec.ts [--seconds 3]      (or node dist/bench/kafka-codec.js after make build)
 *
 * Prints one JSON line per case: { case, opsPerSecond, mibPerSecond }.
 */
import { parseArgs } from 'node:util';
import { decodeRequestFrame, encodeRequestFrame, encodeResponseFrame } from '../broker/kafka/frames.js';
import { hardwareCrc32c } from '../broker/log/batch.js';
import { encodeRecordBatch, validateRecordBatch } from '../protocol/kafka-record-batch.js';
import { ZERO_UUID } from '../protocol/kafka-uuid.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '3' } } });
const seconds = Number(values.seconds);

// 160 records of ~100 B values: a 16 KiB batch, as a producer with linger would send.
const value = new Uint8Array(90).fill(0x61);
const batch = encodeRecordBatch(
  Array.from({ length: 160 }, (_, i) => ({ key: null, value, timestamp: 1_700_000_000_000 + i })),
).bytes;
const produce = encodeRequestFrame(
  'Produce',
  9,
  { correlationId: 1, clientId: 'bench' },
  {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30_000,
    topicData: [{ name: 'bench-topic', partitionData: [{ index: 0, records: batch }] }],
  },
).subarray(4);

function decodeProduce(): number {
  const decoded = decodeRequestFrame(produce);
  if (decoded.kind !== 'request' || decoded.request.api !== 'Produce') throw new Error('not a produce request');
  let n = 0;
  for (const topic of decoded.request.body.topicData) {
    for (const p of topic.partitionData) {
      if (p.records !== null) n += validateRecordBatch(p.records, hardwareCrc32c).recordCount;
    }
  }
  return n;
}

function encodeFetch(): number {
  const parts = encodeResponseFrame('Fetch', 13, 1, {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    nodeEndpoints: [],
    responses: [
      {
        topic: '',
        topicId: ZERO_UUID,
        partitions: [
          {
            partitionIndex: 0,
            errorCode: 0,
            highWatermark: 1000n,
            lastStableOffset: 1000n,
            logStartOffset: 0n,
            divergingEpoch: { epoch: -1, endOffset: -1n },
            currentLeader: { leaderId: -1, leaderEpoch: -1 },
            snapshotId: { endOffset: -1n, epoch: -1 },
            abortedTransactions: null,
            preferredReadReplica: -1,
            records: batch,
          },
        ],
      },
    ],
  });
  return parts.length;
}

function measure(name: string, run: () => number, bytesPerOp: number): void {
  for (let i = 0; i < 2000; i++) run(); // warm up: let V8 optimise before timing
  let ops = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < end) {
    for (let i = 0; i < 1000; i++) run();
    ops += 1000;
    now = process.hrtime.bigint();
  }
  const elapsed = Number(now - start) / 1e9;
  const opsPerSecond = Math.round(ops / elapsed);
  const mibPerSecond = Math.round((opsPerSecond * bytesPerOp) / 2 ** 20);
  process.stdout.write(`${JSON.stringify({ case: name, opsPerSecond, mibPerSecond })}\n`);
}

measure('decode Produce v9 (16 KiB batch, validated)', decodeProduce, produce.byteLength);
measure('encode Fetch v13 response (16 KiB batch)', encodeFetch, batch.byteLength);
