/**
 * Golden bytes from an independent encoder: kafkajs 2.2.4 builds request frames (size, header v1, body) for several
 * APIs and versions; Brook decodes each frame and re-encodes it from what it decoded, and the bytes must be the same.
 * Decoded fields are checked too, so a symmetric misreading on both sides would still fail.
 */
import t, { type Test } from 'tap';
import { decodeRequestFrame, encodeRequestFrame, type KafkaRequest } from '../../../broker/kafka/frames.js';
import { decodeRecordBatch, validateRecordBatch } from '../../../protocol/kafka-record-batch.js';
import { Long, encodeKafkajsRequest, kafkajsRequest } from './kafkajs.js';

const T0 = 1_700_000_000_000;
const CLIENT_ID = 'golden-client';

interface Case {
  api: string;
  version: number;
  args: Record<string, unknown>;
  /** What Brook must read from kafkajs's bytes. */
  check: (request: KafkaRequest, t: Test) => void;
}

const cases: Case[] = [
  ...[0, 1, 2].map((version) => ({
    api: 'apiVersions',
    version,
    args: {},
    check: (r: KafkaRequest, t: Test) => t.equal(r.api, 'ApiVersions'),
  })),
  ...[0, 1, 4, 6].map((version) => ({
    api: 'metadata',
    version,
    args: { topics: ['orders', 'payments'], allowAutoTopicCreation: false },
    check: (r: KafkaRequest, t: Test) => {
      if (r.api !== 'Metadata') throw new Error(r.api);
      t.strictSame(
        r.body.topics?.map((x) => x.name),
        ['orders', 'payments'],
      );
      if (version >= 4) t.equal(r.body.allowAutoTopicCreation, false);
    },
  })),
  ...[3, 5, 7].map((version) => ({
    api: 'produce',
    version,
    args: {
      acks: -1,
      timeout: 30000,
      transactionalId: null,
      producerId: Long.fromValue(77),
      producerEpoch: 2,
      topicData: [
        {
          topic: 'orders',
          partitions: [
            {
              partition: 3,
              firstSequence: 9,
              messages: [
                { key: 'k', value: 'hello', timestamp: T0, headers: { trace: 'abc' } },
                { key: null, value: 'world', timestamp: T0 + 1 },
              ],
            },
          ],
        },
      ],
    },
    check: (r: KafkaRequest, t: Test) => {
      if (r.api !== 'Produce') throw new Error(r.api);
      t.equal(r.body.acks, -1);
      const partition = r.body.topicData[0]?.partitionData[0];
      t.equal(partition?.index, 3);
      const batch = partition?.records ?? new Uint8Array();
      const header = validateRecordBatch(batch);
      t.match(header, { producerId: 77, producerEpoch: 2, baseSequence: 9, recordCount: 2 });
      const values = decodeRecordBatch(batch).map((x) => new TextDecoder().decode(x.value ?? new Uint8Array()));
      t.strictSame(values, ['hello', 'world']);
    },
  })),
  ...[4, 7, 11].map((version) => ({
    api: 'fetch',
    version,
    args: {
      replicaId: -1,
      maxWaitTime: 500,
      minBytes: 1,
      maxBytes: 52428800,
      isolationLevel: 1,
      topics: [{ topic: 'orders', partitions: [{ partition: 0, fetchOffset: '12345', maxBytes: 1048576 }] }],
      rackId: 'rack-a',
    },
    check: (r: KafkaRequest, t: Test) => {
      if (r.api !== 'Fetch') throw new Error(r.api);
      t.equal(r.body.maxWaitMs, 500);
      t.equal(r.body.topics[0]?.partitions[0]?.fetchOffset, 12345n);
      if (version >= 11) t.equal(r.body.rackId, 'rack-a');
    },
  })),
  ...[1, 3].map((version) => ({
    api: 'listOffsets',
    version,
    args: {
      replicaId: -1,
      isolationLevel: 1,
      topics: [{ topic: 'orders', partitions: [{ partition: 1, timestamp: -2 }] }],
    },
    check: (r: KafkaRequest, t: Test) => {
      if (r.api !== 'ListOffsets') throw new Error(r.api);
      t.equal(r.body.topics[0]?.partitions[0]?.timestamp, -2n);
    },
  })),
  ...[0, 2].map((version) => ({
    api: 'findCoordinator',
    version,
    args: { groupId: 'g1', coordinatorKey: 'g1', coordinatorType: 0 },
    check: (r: KafkaRequest, t: Test) => {
      if (r.api !== 'FindCoordinator') throw new Error(r.api);
      t.equal(r.body.key, 'g1');
    },
  })),
  ...[0, 5].map((version) => ({
    api: 'joinGroup',
    version,
    args: {
      groupId: 'g1',
      sessionTimeout: 30000,
      rebalanceTimeout: 60000,
      memberId: '',
      protocolType: 'consumer',
      groupProtocols: [{ name: 'RoundRobinAssigner', metadata: Buffer.from([0, 1, 0, 0, 0, 1, 0, 1, 0x61]) }],
    },
    check: (r: KafkaRequest, t: Test) => {
      if (r.api !== 'JoinGroup') throw new Error(r.api);
      t.equal(r.body.protocols[0]?.name, 'RoundRobinAssigner');
      t.equal(r.body.protocols[0]?.metadata.byteLength, 9);
    },
  })),
  {
    api: 'syncGroup',
    version: 3,
    args: {
      groupId: 'g1',
      generationId: 4,
      memberId: 'm-1',
      groupAssignment: [{ memberId: 'm-1', memberAssignment: Buffer.from([1, 2, 3]) }],
    },
    check: (r, t) => {
      if (r.api !== 'SyncGroup') throw new Error(r.api);
      t.equal(r.body.assignments[0]?.memberId, 'm-1');
    },
  },
  {
    api: 'heartbeat',
    version: 3,
    args: { groupId: 'g1', groupGenerationId: 4, memberId: 'm-1', groupInstanceId: null },
    check: (r, t) => {
      if (r.api !== 'Heartbeat') throw new Error(r.api);
      t.equal(r.body.generationId, 4);
    },
  },
  {
    api: 'offsetCommit',
    version: 5,
    args: {
      groupId: 'g1',
      groupGenerationId: 4,
      memberId: 'm-1',
      topics: [{ topic: 'orders', partitions: [{ partition: 0, offset: '99' }] }],
    },
    check: (r, t) => {
      if (r.api !== 'OffsetCommit') throw new Error(r.api);
      t.equal(r.body.topics[0]?.partitions[0]?.committedOffset, 99n);
    },
  },
  {
    api: 'offsetFetch',
    version: 4,
    args: { groupId: 'g1', topics: [{ topic: 'orders', partitions: [{ partition: 0 }] }] },
    check: (r, t) => {
      if (r.api !== 'OffsetFetch') throw new Error(r.api);
      t.equal(r.body.groupId, 'g1');
    },
  },
  {
    api: 'createTopics',
    version: 3,
    args: {
      topics: [
        {
          topic: 'new',
          numPartitions: 6,
          replicationFactor: 3,
          configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
        },
      ],
      validateOnly: false,
      timeout: 5000,
    },
    check: (r, t) => {
      if (r.api !== 'CreateTopics') throw new Error(r.api);
      t.match(r.body.topics[0], { name: 'new', numPartitions: 6, replicationFactor: 3 });
    },
  },
  {
    api: 'deleteTopics',
    version: 1,
    args: { topics: ['old'], timeout: 5000 },
    check: (r, t) => {
      if (r.api !== 'DeleteTopics') throw new Error(r.api);
      t.strictSame(r.body.topicNames, ['old']);
    },
  },
  {
    api: 'initProducerId',
    version: 1,
    args: { transactionalId: null, transactionTimeout: 60000 },
    check: (r, t) => {
      if (r.api !== 'InitProducerId') throw new Error(r.api);
      t.equal(r.body.transactionalId, null);
    },
  },
  {
    api: 'saslHandshake',
    version: 1,
    args: { mechanism: 'SCRAM-SHA-256' },
    check: (r, t) => {
      if (r.api !== 'SaslHandshake') throw new Error(r.api);
      t.equal(r.body.mechanism, 'SCRAM-SHA-256');
    },
  },
];

for (const c of cases) {
  void t.test(`${c.api} v${String(c.version)}: kafkajs's bytes decode and re-encode identically`, async (t) => {
    const request = kafkajsRequest(c.api, c.version)(c.args);
    t.equal(request.apiVersion, c.version, 'kafkajs built the version asked for');
    const frame = new Uint8Array(
      (await encodeKafkajsRequest({ request, correlationId: 31, clientId: CLIENT_ID })).buffer,
    );
    const decoded = decodeRequestFrame(frame.subarray(4));
    if (decoded.kind !== 'request') throw new Error(`unsupported: ${JSON.stringify(decoded)}`);
    const { request: r } = decoded;
    t.equal(r.version, c.version);
    t.match(r.header, { correlationId: 31, clientId: CLIENT_ID });
    c.check(r, t);
    const again = encodeRequestFrame(r.api, r.version, r.header, r.body as never);
    t.equal(Buffer.from(again).toString('hex'), Buffer.from(frame).toString('hex'), 'the same bytes');
  });
}

void t.test('an unknown API key or version is reported, not thrown, so the listener can answer it', (t) => {
  const frame = Buffer.from([0, 99, 0, 0, 0, 0, 0, 7, 0xff, 0xff]);
  t.strictSame(decodeRequestFrame(frame), { kind: 'unsupported', apiKey: 99, version: 0, correlationId: 7 });
  const tooNew = Buffer.from([0, 18, 0, 99, 0, 0, 0, 8, 0xff, 0xff]);
  t.strictSame(decodeRequestFrame(tooNew), { kind: 'unsupported', apiKey: 18, version: 99, correlationId: 8 });
  t.end();
});
