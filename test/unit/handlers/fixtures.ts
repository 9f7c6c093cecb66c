import { applySecurityChange } from '../../../broker/auth/security-changes.js';
import { pino } from 'pino';
import { LocalController } from '../../../broker/cluster/controller.js';
import type { Test } from 'tap';
import { TopicStore } from '../../../broker/cluster/topic-store.js';
import { GroupService } from '../../../broker/groups/group-service.js';
import { createHandlers, type HandlerContext } from '../../../broker/handlers/index.js';
import type { CoreHandlers } from '../../../broker/net/broker-api.js';
import { PartitionRegistry } from '../../../broker/partitions/partition-registry.js';
import type { ErrorName } from '../../../protocol/index.js';
import { ManualTimer, tempDir } from '../partitions/fixtures.js';

/** What the handlers reported to metrics. */
export interface Recorded {
  produced: [string, number, number][];
  fetched: [string, number, number][];
  errors: ErrorName[];
  deletedTopics: string[];
}

export interface Harness {
  handlers: CoreHandlers;
  dataDir: string;
  partitions: PartitionRegistry;
  topics: TopicStore;
  recorded: Recorded;
  timer: ManualTimer;
  /** The group coordinators (no timer: tests call `poll()`). */
  groups: GroupService;
  /** Set to make the handlers see a stopping broker. */
  stopping: { value: boolean };
}

/** Handlers over a real topic store and partitions in a temp dir, with a hand-driven timer for long polls. */
export async function harness(t: Test, maxMessageBytes = 1 << 20, maxPartitions = 1000): Promise<Harness> {
  const dataDir = tempDir(t, 'brook-handlers-');
  const topics = TopicStore.open(dataDir, { brokerIds: [1], newClusterId: () => 'test-cluster' });
  const timer = new ManualTimer();
  const partitions = new PartitionRegistry({
    dataDir,
    brokerId: 1,
    flush: 'never',
    retentionDefaults: { retentionMs: 604_800_000, retentionBytes: -1 },
    maxMessageBytes,
    setTimer: timer.set,
  });
  await partitions.openAll(topics.list());
  t.teardown(async () => {
    await partitions.closeAll();
    topics.close();
  });
  const recorded: Recorded = { produced: [], fetched: [], errors: [], deletedTopics: [] };
  const stopping = { value: false };
  const controller = new LocalController(1, topics, partitions);
  const logger = pino({ level: 'silent' });
  let memberIds = 0;
  const groups = new GroupService({
    brokerId: 1,
    topics,
    partitions,
    controller: () => controller,
    brokerCount: 1,
    offsetsPartitions: 4,
    heartbeatIntervalMs: 3_000,
    sessionTimeoutMs: 45_000,
    checkpointIntervalMs: 600_000,
    appendTimeoutMs: 5_000,
    nowMs: () => 42,
    logger,
    nextMemberId: () => `member-${String(++memberIds)}`,
  });
  const ctx: HandlerContext = {
    brokerId: 1,
    clusterId: topics.clusterId,
    topics,
    partitions,
    controller: () => controller,
    users: topics.users,
    acls: topics.acls,
    quotas: topics.quotas,
    changeSecurity: (change) => {
      applySecurityChange(topics, change);
      return Promise.resolve();
    },
    groups,
    producerIds: { next: () => 7 },
    metrics: {
      produced: (topic, records, bytes) => recorded.produced.push([topic, records, bytes]),
      fetched: (topic, records, bytes) => recorded.fetched.push([topic, records, bytes]),
      errorSent: (code) => recorded.errors.push(code),
      topicDeleted: (topic) => recorded.deletedTopics.push(topic),
    },
    retentionDefaults: { retentionMs: 604_800_000, retentionBytes: -1 },
    logger: pino({ level: 'silent' }),
    nowMs: () => 42,
    brokers: () => [{ id: 1, host: 'localhost', port: 9400, wsPort: 9401 }],
    isLive: (id) => id === 1,
    isShuttingDown: () => stopping.value,
    maxFetchBytes: 64 * 1024,
    maxPartitions,
  };
  return { handlers: createHandlers(ctx), dataDir, partitions, topics, recorded, timer, stopping, groups };
}

/** Creates topics through the handler and fails the test if any is refused. */
export async function createTopics(t: Test, h: Harness, ...specs: [string, number][]): Promise<void> {
  const { results } = await h.handlers.createTopics({
    topics: specs.map(([name, partitions]) => ({ name, partitions, replicationFactor: 1, config: {} })),
  });
  t.same(
    results,
    specs.map(([name]) => ({ name })),
    'topics created',
  );
}
