/**
 * Shared fixtures for the protocol tests: a realistic body for every request, response, notice and push in the op
 * table, a seeded byte generator, and a normaliser that makes decoded bodies comparable with the originals.
 */
import {
  RecordBatchBuilder,
  setBaseOffset,
  type FetchedBatch,
  type NoticeOf,
  type ProduceBatch,
  type NoticeOp,
  type PushOf,
  type PushOp,
  type RequestOf,
  type RequestOp,
  type ResponseOf,
  type WireError,
} from '../../../protocol/index.js';

const utf8 = new TextEncoder();

/** A deterministic byte generator (xorshift32), so failures reproduce. */
/** A broker's answer to hello, as the fixtures of both hello answers share it. */
const HELLO_ANSWER = {
  protocolVersion: 1,
  brokerId: 1,
  clusterId: 'brook-3f9c2a',
  maxFrameBytes: 8 * 1024 * 1024,
  maxMessageBytes: 1024 * 1024,
  produceWindowBytes: 16 * 1024 * 1024,
  idleTimeoutMs: 300_000,
};

export function seededBytes(seed: number): (length: number) => Uint8Array {
  let state = seed >>> 0 || 0x9e3779b9;
  return (length) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      out[i] = state & 0xff;
    }
    return out;
  };
}

/**
 * Turns a decoded value into plain data that tap compares strictly: bytes become `{ hex }`. tap's `same` treats a
 * Buffer and a Uint8Array with different contents as equal, so bytes are never compared as objects.
 */
export function plain(value: unknown): unknown {
  if (value instanceof Uint8Array)
    return { hex: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex') };
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return out;
  }
  return value;
}

/** Three ordinary records with a key, a null key, headers (one repeated, one null) and out-of-order timestamps. */
function sampleBatch(): ProduceBatch {
  const builder = new RecordBatchBuilder();
  builder.add({
    key: utf8.encode('customer-42'),
    value: utf8.encode('{"orderId":9001,"total":"12.50"}'),
    timestamp: 1_700_000_000_000,
    headers: [
      ['trace-id', utf8.encode('4bf92f3577b34da6')],
      ['retry', null],
    ],
  });
  builder.add({ key: null, value: utf8.encode('no key'), timestamp: 1_699_999_999_000 });
  builder.add({ key: utf8.encode('k'), value: null, timestamp: 1_700_000_000_500 });
  return builder.build({ producerId: 7, producerEpoch: 0, baseSequence: 120 }).bytes;
}

/** A sample batch placed at `baseOffset`, as fetched. */
function fetchedAt(baseOffset: number): FetchedBatch {
  const bytes = sampleBatch();
  setBaseOffset(bytes, baseOffset);
  return bytes;
}

const produceBatch = sampleBatch();
const batchA = fetchedAt(5_000_000_000);
const batchB = fetchedAt(5_000_000_003);

const notLeader: WireError = { code: 12, message: 'this broker does not lead the partition', leaderId: 3 };
const unknownTopic: WireError = { code: 4, message: 'topic does not exist' };

/** Realistic bodies; at least one per op, including optional fields both present and absent. */
export const requestSamples: { [K in RequestOp]: { requests: RequestOf<K>[]; responses: ResponseOf<K>[] } } = {
  hello: {
    requests: [
      { protocolVersion: 1, clientId: 'orders-service/1.4.2' },
      {
        protocolVersion: 1,
        clientId: 'billing',
        sasl: { mechanism: 'SCRAM-SHA-256', message: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO' },
      },
    ],
    responses: [
      HELLO_ANSWER,
      {
        ...HELLO_ANSWER,
        sasl: { message: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096' },
      },
    ],
  },
  authenticate: {
    requests: [
      {
        message:
          'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
      },
    ],
    responses: [{ message: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=' }],
  },
  createUser: {
    requests: [
      {
        name: 'alice',
        iterations: 4096,
        salt: new Uint8Array(16).fill(7),
        storedKey: new Uint8Array(32).fill(1),
        serverKey: new Uint8Array(32).fill(2),
      },
    ],
    responses: [{}],
  },
  deleteUser: { requests: [{ name: 'alice' }], responses: [{}] },
  createAcls: {
    requests: [
      {
        acls: [
          {
            principal: 'User:alice',
            resourceType: 'topic',
            resourceName: 'orders.',
            patternType: 'prefixed',
            operation: 'write',
            permission: 'allow',
          },
        ],
      },
    ],
    responses: [{}],
  },
  listAcls: { requests: [{}, { principal: 'User:alice', resourceType: 'topic' }], responses: [{ acls: [] }] },
  deleteAcls: { requests: [{ resourceName: 'orders.' }], responses: [{ acls: [] }] },
  setQuota: {
    requests: [
      { entity: { user: 'alice' }, produceBytesPerSec: 1_000_000 },
      { entity: { user: 'alice', clientId: 'etl' }, produceBytesPerSec: 0, fetchBytesPerSec: 5_000_000 },
      { entity: {}, fetchBytesPerSec: 2_000_000 },
    ],
    responses: [{}],
  },
  listQuotas: {
    requests: [{}],
    responses: [{ quotas: [] }, { quotas: [{ entity: { clientId: 'etl' }, produceBytesPerSec: 1024 }] }],
  },
  removeQuota: { requests: [{ entity: { user: 'alice' } }], responses: [{}] },
  removeBroker: {
    requests: [{ brokerId: 7 }, { brokerId: 7, force: true }],
    responses: [{ partitions: [] }, { partitions: [{ topic: 'orders', partition: 0, replicas: [2, 1] }] }],
  },
  listUsers: {
    requests: [{}],
    responses: [{ users: [] }, { users: [{ name: 'alice', mechanism: 'SCRAM-SHA-256', iterations: 4096 }] }],
  },
  metadata: {
    requests: [{}, { topics: ['orders', 'payments.v2'] }],
    responses: [
      {
        clusterId: 'brook-3f9c2a',
        controllerId: 1,
        brokers: [
          { id: 1, host: '10.0.0.11', port: 9092, wsPort: 9093 },
          { id: 2, host: 'broker-2.internal', port: 9092, wsPort: 9093 },
        ],
        topics: [
          {
            name: 'orders',
            partitions: [
              {
                partition: 0,
                leader: 1,
                replicas: [1, 2],
                isr: [1, 2],
                logStartOffset: 0,
                highWatermark: 5_000_000_006,
              },
              { partition: 1, leader: 2, replicas: [2, 1], isr: [2], logStartOffset: 120, highWatermark: 120 },
            ],
            config: { 'retention.ms': '604800000', 'cleanup.policy': 'delete' },
          },
          { name: 'payments.v2', error: unknownTopic, partitions: [], config: {} },
        ],
      },
    ],
  },
  createTopics: {
    requests: [
      {
        topics: [
          {
            name: 'orders',
            partitions: 12,
            replicationFactor: 3,
            config: { 'retention.ms': '-1', 'retention.bytes': '1073741824' },
          },
          { name: 'audit_log', partitions: 1, replicationFactor: 1, config: {} },
        ],
      },
    ],
    responses: [
      {
        results: [{ name: 'orders' }, { name: 'audit_log', error: { code: 6, message: 'topic already exists' } }],
      },
    ],
  },
  deleteTopics: {
    requests: [{ names: ['orders', 'audit_log'] }],
    responses: [{ results: [{ name: 'orders' }, { name: 'audit_log', error: unknownTopic }] }],
  },
  produce: {
    requests: [
      { acks: 1, timeoutMs: 30_000, partitions: [{ topic: 'orders', partition: 0, batch: produceBatch }] },
      {
        acks: -1,
        timeoutMs: 0,
        partitions: [
          { topic: 'orders', partition: 0, batch: produceBatch },
          { topic: 'orders', partition: 1, batch: sampleBatch() },
        ],
      },
      { acks: 0, timeoutMs: 1000, partitions: [] },
    ],
    responses: [
      {
        partitions: [
          { topic: 'orders', partition: 0, baseOffset: 5_000_000_000 },
          { topic: 'orders', partition: 1, baseOffset: -1, error: notLeader },
        ],
      },
    ],
  },
  fetch: {
    requests: [{ topic: 'orders', partition: 0, offset: 5_000_000_001, maxBytes: 1024 * 1024, maxWaitMs: 500 }],
    responses: [
      { highWatermark: 5_000_000_006, logStartOffset: 0, batches: [batchA, batchB] },
      { highWatermark: 0, logStartOffset: 0, batches: [] },
    ],
  },
  subscribe: {
    requests: [
      {
        subscriptionId: 1,
        topic: 'orders',
        partition: 0,
        offset: 'earliest',
        credit: { records: 1000, bytes: 1024 * 1024 },
      },
      { subscriptionId: 0xffffffff, topic: 'orders', partition: 3, offset: 'latest', credit: { records: 0, bytes: 0 } },
      { subscriptionId: 2, topic: 'orders', partition: 1, offset: 5_000_000_002, credit: { records: 1, bytes: 1 } },
    ],
    responses: [{ offset: 5_000_000_002, highWatermark: 5_000_000_006, logStartOffset: 0 }],
  },
  unsubscribe: {
    requests: [{ subscriptionId: 2 }],
    responses: [{}],
  },
  listOffsets: {
    requests: [
      { topic: 'orders', partition: 0, at: 'earliest' },
      { topic: 'orders', partition: 0, at: 'latest' },
      { topic: 'orders', partition: 0, at: 1_700_000_000_000 },
    ],
    responses: [
      { offset: 0, timestamp: null },
      { offset: 5_000_000_000, timestamp: 1_700_000_000_500 },
    ],
  },
  ping: { requests: [{}], responses: [{}] },
  initProducer: {
    requests: [{}],
    responses: [
      { producerId: 0, producerEpoch: 0 },
      // Broker 3's 8th id: 3 * 2^32 + 7, above 2^32 on the wire.
      { producerId: 12_884_901_895, producerEpoch: 0 },
    ],
  },
  reassignPartitions: {
    requests: [
      { partitions: [{ topic: 'orders', partition: 3, replicas: [4, 2, 1] }] },
      { partitions: [], rebalance: true },
    ],
    responses: [{ partitions: [{ topic: 'orders', partition: 3, replicas: [4, 2, 1] }] }, { partitions: [] }],
  },
  alterTopicConfigs: {
    requests: [
      { topics: [{ name: 'orders', set: { 'retention.ms': '3600000' } }] },
      { topics: [{ name: 'orders', set: {}, delete: ['retention.bytes'] }] },
    ],
    responses: [
      { results: [{ name: 'orders' }] },
      { results: [{ name: 'orders', error: { code: 4, message: "topic 'orders' does not exist" } }] },
    ],
  },
  createPartitions: {
    requests: [{ topics: [{ name: 'orders', count: 12 }] }],
    responses: [{ results: [{ name: 'orders' }] }],
  },
  groupHeartbeat: {
    requests: [
      {
        groupId: 'billing',
        memberId: '',
        memberEpoch: 0,
        groupInstanceId: 'billing-host-1',
        clientId: 'billing-worker',
        subscribedTopics: ['orders', 'payments.v2'],
        assignor: 'sticky',
        sessionTimeoutMs: 45_000,
        rebalanceTimeoutMs: 60_000,
        owned: [],
      },
      { groupId: 'audit', memberId: '', memberEpoch: 0, subscribedPattern: 'audit\\..*' },
      {
        groupId: 'billing',
        memberId: '5f0c6c1e-7d0e-4c1d-9a67-0d3c1e2b4a55',
        memberEpoch: 7,
        owned: [{ topic: 'orders', partitions: [0, 2] }],
      },
      { groupId: 'billing', memberId: '5f0c6c1e-7d0e-4c1d-9a67-0d3c1e2b4a55', memberEpoch: -1 },
      { groupId: 'billing', memberId: '5f0c6c1e-7d0e-4c1d-9a67-0d3c1e2b4a55', memberEpoch: -2 },
    ],
    responses: [
      {
        memberId: '5f0c6c1e-7d0e-4c1d-9a67-0d3c1e2b4a55',
        memberEpoch: 7,
        heartbeatIntervalMs: 3_000,
        assignment: [
          { topic: 'orders', partitions: [0, 2] },
          { topic: 'payments.v2', partitions: [1] },
        ],
      },
      {
        memberId: '5f0c6c1e-7d0e-4c1d-9a67-0d3c1e2b4a55',
        memberEpoch: 8,
        heartbeatIntervalMs: 3_000,
        assignment: null,
      },
    ],
  },
  commitOffsets: {
    requests: [
      {
        groupId: 'billing',
        memberId: '5f0c6c1e-7d0e-4c1d-9a67-0d3c1e2b4a55',
        memberEpoch: 7,
        offsets: [
          { topic: 'orders', partition: 0, offset: 5_000_000_006, metadata: 'host-1' },
          { topic: 'orders', partition: 2, offset: 0 },
        ],
      },
      { groupId: 'billing', memberId: '', memberEpoch: -1, offsets: [{ topic: 'orders', partition: 1, offset: 42 }] },
    ],
    responses: [
      {
        results: [
          { topic: 'orders', partition: 0 },
          { topic: 'orders', partition: 2, error: { code: 29, message: 'the member epoch is not current: rejoin' } },
        ],
      },
    ],
  },
  fetchOffsets: {
    requests: [{ groupId: 'billing' }, { groupId: 'billing', partitions: [{ topic: 'orders', partitions: [0, 1] }] }],
    responses: [
      {
        offsets: [
          { topic: 'orders', partition: 0, offset: 5_000_000_006, metadata: 'host-1' },
          { topic: 'orders', partition: 1, offset: -1, metadata: '' },
        ],
      },
    ],
  },
  findCoordinator: {
    requests: [{ groupId: 'billing' }],
    responses: [{ coordinatorId: 2, offsetsPartition: 11 }],
  },
  listGroups: {
    requests: [{}],
    responses: [
      {
        groups: [
          { groupId: 'audit', state: 'empty', members: 0 },
          { groupId: 'billing', state: 'stable', members: 3 },
        ],
      },
      { groups: [] },
    ],
  },
  describeGroups: {
    requests: [{ groupIds: ['billing', 'missing'] }],
    responses: [
      {
        groups: [
          {
            groupId: 'billing',
            state: 'reconciling',
            groupEpoch: 8,
            assignor: 'sticky',
            members: [
              {
                memberId: '5f0c6c1e-7d0e-4c1d-9a67-0d3c1e2b4a55',
                groupInstanceId: 'billing-host-1',
                clientId: 'billing-worker',
                memberEpoch: 7,
                subscribedTopics: ['orders'],
                assignment: [{ topic: 'orders', partitions: [0, 2] }],
              },
            ],
            offsets: [
              {
                topic: 'orders',
                partition: 0,
                committed: 5_000_000_000,
                logEndOffset: 5_000_000_006,
                lag: 6,
                memberId: '5f0c6c1e-7d0e-4c1d-9a67-0d3c1e2b4a55',
              },
              { topic: 'orders', partition: 1, committed: -1, logEndOffset: 10, lag: 10, memberId: null },
            ],
          },
          {
            groupId: 'missing',
            error: { code: 31, message: 'the group does not exist' },
            state: 'dead',
            groupEpoch: -1,
            assignor: '',
            members: [],
            offsets: [],
          },
        ],
      },
    ],
  },
  deleteGroups: {
    requests: [{ groupIds: ['audit', 'billing'] }],
    responses: [
      {
        results: [{ groupId: 'audit' }, { groupId: 'billing', error: { code: 30, message: 'the group has members' } }],
      },
    ],
  },
};

export const noticeSamples: { [K in NoticeOp]: NoticeOf<K>[] } = {
  credit: [
    { subscriptionId: 1, records: 250, bytes: 256 * 1024 },
    { subscriptionId: 0xffffffff, records: 0, bytes: 0 },
  ],
};

export const pushSamples: { [K in PushOp]: PushOf<K>[] } = {
  deliver: [
    { subscriptionId: 1, highWatermark: 5_000_000_006, batches: [batchA, batchB] },
    { subscriptionId: 1, highWatermark: 5_000_000_006, batches: [] },
  ],
  grant: [{ bytes: 65_536 }, { bytes: 0 }],
  subscriptionEnd: [
    { subscriptionId: 1, error: { code: 8, message: 'offset is outside the log' } },
    { subscriptionId: 2, error: unknownTopic },
  ],
};

/** Error frame bodies. */
export const errorSamples: WireError[] = [notLeader, unknownTopic, { code: 999, message: 'from a newer broker' }];
