/**
 * The group-aware consumer (subscribe) against the fake broker and the real coordinator core, on a manual clock: joining,
 * committed start positions, commits, incremental rebalances, fencing, coordinator failover, the max poll interval,
 * and leaving on close.
 */
import t from 'tap';
import { BrookError, RecordBatchBuilder } from '../../../../protocol/index.js';
import { jsonCodec } from '../../../../client/codecs.js';
import { ConsumerCore } from '../../../../client/consumer/consumer.js';
import type { ConsumerOptions } from '../../../../client/consumer/options.js';
import type { ConsumerRecord, TopicPartition } from '../../../../client/consumer/partition-stream.js';
import { FakeBroker } from '../helpers/fake-broker.js';
import { FakeGroupCoordinator } from '../helpers/fake-group.js';
import { ManualClock, settle } from '../helpers/manual-clock.js';
import { clientOptions, noPlatform } from '../helpers/options.js';

/** A random (version 4) UUID, as a member makes its id. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Order {
  id: number;
}
type Rec = ConsumerRecord<Order>;

const json = jsonCodec<Order>();

function setup(partitions = 4) {
  const broker = new FakeBroker();
  broker.createTopic('orders', partitions);
  const clock = new ManualClock();
  const group = new FakeGroupCoordinator(broker, new Map([['orders', partitions]]), () => clock.nowMs());
  const consumer = (extra: Partial<ConsumerOptions<Order>> = {}) =>
    new ConsumerCore<Order>({ ...clientOptions(broker, clock), codec: json, groupId: 'billing', ...extra }, noPlatform);
  return { broker, clock, group, consumer };
}

/** Appends orders with ids from..to-1 to a partition. */
function append(broker: FakeBroker, partition: number, from: number, to: number): void {
  const builder = new RecordBatchBuilder();
  for (let id = from; id < to; id++) builder.add({ key: null, value: json.encode({ id }), timestamp: 1 });
  broker.append('orders', partition, builder.build().bytes);
}

/** Takes n records (settling between them, so group traffic can run). */
async function take(it: AsyncIterator<Rec>, n: number): Promise<Rec[]> {
  const out: Rec[] = [];
  while (out.length < n) {
    const next = await it.next();
    if (next.done === true) break;
    out.push(next.value);
  }
  return out;
}

/**
 * Settles until `condition` holds, moving the clock on by `stepMs` per round when given (so heartbeats fall due);
 * fails after many rounds.
 */
async function until(condition: () => boolean, what: string, clock?: ManualClock, stepMs = 100): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (condition()) return;
    if (clock === undefined) await settle();
    else await clock.advance(stepMs);
  }
  throw new Error(`never happened: ${what}`);
}

/** Takes every record of a consumer into `sink` until iteration ends. */
async function collect(c: ConsumerCore<Order>, sink: Rec[]): Promise<void> {
  for await (const r of c) sink.push(r);
}

const sorted = (tps: readonly TopicPartition[]) => tps.map((p) => p.partition).sort((a, b) => a - b);
const label = (r: Rec) => `${String(r.partition)}:${String(r.offset)}`;

void t.test('subscribe joins, reads from the committed offset, else per offsetReset; onAssigned first', async (t) => {
  const { broker, group, consumer } = setup(2);
  append(broker, 0, 0, 5);
  append(broker, 1, 0, 5);
  group.seedOffset('billing', 'orders', 1, 3);
  const events: string[] = [];
  const c = consumer({
    offsetReset: 'earliest',
    onAssigned: (tps) => {
      events.push(`assigned ${sorted(tps).join(',')}`);
    },
  });
  c.subscribe('orders');
  const records = await take(c[Symbol.asyncIterator](), 7);
  t.same(events, ['assigned 0,1']);
  t.same(
    records.filter((r) => r.partition === 1).map((r) => r.offset),
    [3, 4],
    'from the committed offset',
  );
  t.same(
    records.filter((r) => r.partition === 0).map((r) => r.offset),
    [0, 1, 2, 3, 4],
    'earliest: nothing committed',
  );
  t.match(group.heartbeats[0], { memberId: UUID, memberEpoch: 0, subscribedTopics: ['orders'], assignor: 'sticky' });
  t.equal(c.memberId, group.heartbeats[0]?.memberId, 'the member id is the one the client made up');
  await until(() => group.heartbeats.some((h) => h.owned?.[0]?.partitions.length === 2), 'owned reported');
  await c.close();
});

void t.test('offsetReset latest starts at the end; a RegExp subscription is sent as a pattern', async (t) => {
  const { broker, group, consumer } = setup(1);
  append(broker, 0, 0, 5);
  const c = consumer({ offsetReset: 'latest' });
  c.subscribe(/^ord.*/);
  await until(() => c.assignment().length === 1 && c.position({ topic: 'orders', partition: 0 }) === 5, 'assigned');
  t.match(group.heartbeats[0], { subscribedPattern: '^ord.*' });
  const it = c[Symbol.asyncIterator]();
  const next = it.next();
  append(broker, 0, 5, 6);
  const r = await next;
  t.equal(r.done === true ? -1 : r.value.offset, 5);
  await c.close();
});

void t.test(
  "offsetReset 'none' with nothing committed: the iterator hears it, the partition waits for seek()",
  async (t) => {
    const { broker, consumer } = setup(1);
    append(broker, 0, 0, 5);
    const c = consumer({ offsetReset: 'none' });
    c.subscribe('orders');
    const it = c[Symbol.asyncIterator]();
    await t.rejects(it.next(), { code: 'OFFSET_OUT_OF_RANGE' }, 'the iterator gets the error');
    t.same(c.assignment(), [{ topic: 'orders', partition: 0 }], 'the partition is still owned by this member');
    await c.seek({ topic: 'orders', partition: 0 }, 3);
    const r = await it.next();
    t.equal(r.done === true ? -1 : r.value.offset, 3, 'seek() starts it');
    await c.close();
  },
);

void t.test('commit() stores the position after the last record taken; close() leaves with epoch -1', async (t) => {
  const { broker, group, consumer } = setup(1);
  append(broker, 0, 0, 10);
  const c = consumer({ autoCommit: false });
  c.subscribe('orders');
  const it = c[Symbol.asyncIterator]();
  await take(it, 4);
  await c.commit();
  t.equal(group.offset('orders', 0), 4);
  t.match(group.commits[0], { groupId: 'billing', memberId: c.memberId, offsets: [{ partition: 0, offset: 4 }] });
  t.ok((group.commits[0]?.memberEpoch ?? 0) > 0, 'with the member epoch');
  await c.commit();
  t.equal(group.commits.length, 1, 'nothing moved: nothing sent');
  await take(it, 1);
  c.commit({ async: true });
  t.equal(group.offset('orders', 0), 4, 'async: returns before the commit is stored');
  await until(() => group.offset('orders', 0) === 5, 'async commit stored');
  const memberId = c.memberId;
  await take(it, 2);
  await c.close();
  t.equal(group.offset('orders', 0), 5, 'autoCommit off: close does not commit');
  t.same(group.heartbeatsOf(memberId).at(-1), { groupId: 'billing', memberId, memberEpoch: -1 });
  t.equal(group.members.size, 0);
  t.equal(
    await c[Symbol.asyncIterator]()
      .next()
      .then((n) => n.done),
    true,
    'iteration ends',
  );
});

void t.test('auto-commit covers finished records only, on its interval and on close', async (t) => {
  const { broker, clock, group, consumer } = setup(1);
  append(broker, 0, 0, 10);
  const c = consumer({ autoCommitIntervalMs: 5_000 });
  c.subscribe('orders');
  const it = c[Symbol.asyncIterator]();
  await take(it, 3); // the third (offset 2) is still being processed
  await clock.advance(5_000);
  await until(() => group.offset('orders', 0) !== undefined, 'auto-commit');
  t.equal(group.offset('orders', 0), 2, 'the record in hand is not committed');
  await take(it, 1); // asking again finishes offset 2
  await clock.advance(5_000);
  await until(() => group.offset('orders', 0) === 3, 'next auto-commit');
  t.pass('finished records are committed on the next interval');
  await c.close();
  t.equal(group.offset('orders', 0), 4, 'close commits every record taken');
});

void t.test('a member joining takes partitions incrementally; nothing is lost or read twice', async (t) => {
  const { broker, clock, group, consumer } = setup(4);
  for (let p = 0; p < 4; p++) append(broker, p, 0, 5);
  const revoked: string[] = [];
  const a = consumer({
    onRevoked: (tps, info) => {
      revoked.push(`${sorted(tps).join(',')} lost=${String(info.lost)}`);
    },
  });
  a.subscribe('orders');
  const fromA = await take(a[Symbol.asyncIterator](), 6);
  t.same(sorted(a.assignment()), [0, 1, 2, 3]);
  const b = consumer();
  b.subscribe('orders');
  // a waits in next() (it finished what it took), so the revoke goes ahead.
  const fromB: Rec[] = [];
  void collect(a, fromA);
  void collect(b, fromB);
  await until(() => a.assignment().length === 2 && b.assignment().length === 2, 'rebalanced', clock);
  await until(() => fromA.length + fromB.length === 20, 'every record read');
  t.same(revoked, ['2,3 lost=false'], 'the sticky assignor moves partitions 2 and 3 to b');
  t.same(sorted(b.assignment()), [2, 3]);
  for (const p of [2, 3]) {
    const byA = fromA.filter((r) => r.partition === p).length;
    t.ok(
      fromB.filter((r) => r.partition === p)[0]?.offset === byA || byA === 5,
      `b continues ${String(p)} where a left off`,
    );
  }
  const all = [...fromA, ...fromB].map(label);
  t.equal(new Set(all).size, 20, 'no record twice');
  t.notOk(
    fromB.some((r) => r.partition === 0 || r.partition === 1),
    'b never reads what a kept',
  );
  t.ok(
    group.heartbeats.some((h) => h.memberId === a.memberId && h.owned?.[0]?.partitions.join(',') === '0,1'),
    'a reported the release',
  );
  t.equal(group.heartbeats.filter((h) => h.memberEpoch === 0).length, 2, 'one join each, no rejoin');
  await Promise.all([a.close(), b.close()]);
});

void t.test(
  'a revoke waits for the record in hand, hands out nothing more of the partition, then commits',
  async (t) => {
    const { broker, clock, group, consumer } = setup(2);
    append(broker, 0, 0, 5);
    append(broker, 1, 0, 5);
    const a = consumer();
    a.subscribe('orders');
    const itA = a[Symbol.asyncIterator]();
    const fromA = await take(itA, 1); // the application is processing this record
    const b = consumer();
    b.subscribe('orders');
    await until(() => group.members.size === 2, 'b joined');
    await clock.advance(3_000); // a's heartbeats learn of the revoke
    t.equal(a.assignment().length, 2, 'still owned: the record in hand is not finished');
    const moreA: Rec[] = [];
    void collect(a, moreA);
    await until(() => a.assignment().length === 1, 'released', clock);
    t.notOk(
      moreA.some((r) => r.partition === 1),
      'the sticky assignor gives b partition 1: nothing of it once the application came back',
    );
    const ofOne = fromA.filter((r) => r.partition === 1);
    t.equal(group.offset('orders', 1), ofOne.length, 'committed after the last record of it handed out');
    await until(() => b.assignment().length === 1, 'b got it', clock);
    const fromB = await take(b[Symbol.asyncIterator](), 5 - ofOne.length);
    t.same(
      fromB.map((r) => r.offset),
      Array.from({ length: 5 - ofOne.length }, (_, i) => i + ofOne.length),
      'b continues where a left off',
    );
    await Promise.all([a.close(), b.close()]);
  },
);

void t.test('the release is reported only after onRevoked settles; a commit inside it counts', async (t) => {
  const { broker, clock, group, consumer } = setup(2);
  append(broker, 0, 0, 3);
  append(broker, 1, 0, 3);
  let finishHook: () => void = () => undefined;
  const hookDone = new Promise<void>((resolve) => {
    finishHook = resolve;
  });
  let hookCalls = 0;
  const a: ConsumerCore<Order> = consumer({
    autoCommit: false,
    onRevoked: async () => {
      hookCalls++;
      await hookDone;
      await a.commit();
    },
  });
  a.subscribe('orders');
  const fromA: Rec[] = [];
  void collect(a, fromA);
  await until(() => fromA.length === 6, 'a read everything');
  const b = consumer();
  b.subscribe('orders');
  await until(() => hookCalls === 1, 'revoke hook running', clock);
  const releasedOne = () =>
    group.heartbeatsOf(a.memberId).some((h) => h.owned !== undefined && h.owned[0]?.partitions.join(',') === '0');
  await clock.advance(3_000);
  t.notOk(releasedOne(), 'no release while the hook runs');
  t.equal(b.assignment().length, 0, 'b waits for it');
  t.same(sorted(a.assignment()), [0, 1]);
  finishHook();
  await until(releasedOne, 'released after the hook', clock);
  t.equal(group.offset('orders', 1), 3, "the hook's commit stored the revoked partition's position");
  await until(() => b.assignment().length === 1, 'b got partition 1', clock);
  t.equal(b.position({ topic: 'orders', partition: 1 }), 3, 'b starts after what a committed');
  await Promise.all([a.close(), b.close()]);
});

void t.test('fenced: partitions are dropped without a commit, onRevoked(lost), rejoin at epoch 0', async (t) => {
  const { broker, clock, group, consumer } = setup(1);
  append(broker, 0, 0, 10);
  const events: string[] = [];
  const c = consumer({
    autoCommit: false,
    onRevoked: (_tps, info) => {
      events.push(`revoked lost=${String(info.lost)}`);
    },
    onAssigned: () => {
      events.push('assigned');
    },
  });
  c.subscribe('orders');
  const it = c[Symbol.asyncIterator]();
  await take(it, 3);
  await c.commit();
  await take(it, 2);
  const memberId = c.memberId;
  group.heartbeatErrors.push('FENCED_MEMBER_EPOCH');
  await clock.advance(1_000);
  await until(() => events.length === 3, 'lost and assigned again');
  t.same(events, ['assigned', 'revoked lost=true', 'assigned']);
  t.equal(group.commits.length, 1, 'no commit for lost partitions');
  t.ok(
    group.heartbeats.some((h, i) => i > 0 && h.memberId === memberId && h.memberEpoch === 0),
    'rejoined with the same id at epoch 0',
  );
  const again = await take(it, 1);
  t.equal(again[0]?.offset, 3, 'from the committed offset: records since are read again (at-least-once)');
  await c.close();
});

void t.test('coordinator moved: find it again with backoff, keep consuming owned partitions', async (t) => {
  const { broker, clock, group, consumer } = setup(1);
  append(broker, 0, 0, 3);
  const c = consumer();
  c.subscribe('orders');
  const it = c[Symbol.asyncIterator]();
  await take(it, 3);
  const finds = () => broker.sessions.flatMap((s) => s.ops('findCoordinator')).length;
  const before = finds();
  group.heartbeatErrors.push('NOT_COORDINATOR', 'COORDINATOR_LOAD_IN_PROGRESS');
  await clock.advance(1_000);
  await clock.advance(1_000);
  t.ok(finds() >= before + 2, 'findCoordinator again after each');
  append(broker, 0, 3, 5);
  const more = await take(it, 2);
  t.same(
    more.map((r) => r.offset),
    [3, 4],
    'still reading',
  );
  t.same(sorted(c.assignment()), [0]);
  const last = group.heartbeats.at(-1);
  t.match(last, { memberEpoch: 1, subscribedTopics: ['orders'], owned: [{ topic: 'orders', partitions: [0] }] });
  await c.close();
});

void t.test('NOT_COORDINATOR naming the new coordinator goes there without findCoordinator', async (t) => {
  const { broker, clock, group, consumer } = setup(1);
  const c = consumer();
  c.subscribe('orders');
  await until(() => c.assignment().length === 1, 'assigned');
  const finds = () => broker.sessions.flatMap((s) => s.ops('findCoordinator')).length;
  const before = finds();
  const heartbeats = group.heartbeats.length;
  group.heartbeatErrors.push(new BrookError('NOT_COORDINATOR', 'moved', { leaderId: broker.brokerId }));
  await clock.advance(1_000);
  await until(() => group.heartbeats.length >= heartbeats + 2, 'heartbeat retried', clock);
  t.equal(finds(), before, 'no findCoordinator');
  t.same(sorted(c.assignment()), [0]);
  await c.close();
});

void t.test(
  'a slow handler keeps its membership; past maxPollIntervalMs the member leaves and later rejoins',
  async (t) => {
    const { broker, clock, group, consumer } = setup(1);
    append(broker, 0, 0, 5);
    const c = consumer({ maxPollIntervalMs: 60_000, sessionTimeoutMs: 10_000, autoCommit: false });
    c.subscribe('orders');
    const it = c[Symbol.asyncIterator]();
    await take(it, 1);
    const memberId = c.memberId;
    const before = group.heartbeatsOf(memberId).length;
    await clock.advance(50_000); // 50 s on one record: well past the session timeout
    const during = group.heartbeatsOf(memberId).length - before;
    t.ok(during >= 45, `heartbeats kept flowing (${String(during)} in 50 s)`);
    t.same(sorted(c.assignment()), [0], 'still a member with its partition');
    await clock.advance(10_001);
    await until(() => group.members.size === 0, 'left the group');
    t.equal(group.heartbeatsOf(memberId).at(-1)?.memberEpoch, -1, 'a leave heartbeat');
    t.same(c.assignment(), [], 'partitions dropped');
    t.equal(group.commits.length, 0, 'nothing committed for them');
    const again = await take(it, 1);
    t.equal(again[0]?.offset, 0, 'rejoined on the next ask, from the last commit (none: earliest)');
    t.equal(group.members.size, 1);
    await c.close();
  },
);

void t.test('waiting in the iterator for records that do not come is not a stall', async (t) => {
  const { clock, group, consumer } = setup(1);
  const c = consumer({ maxPollIntervalMs: 10_000 });
  c.subscribe('orders');
  const it = c[Symbol.asyncIterator]();
  const pending = it.next();
  await clock.advance(30_000);
  t.equal(group.members.size, 1, 'still a member');
  await c.close();
  t.equal((await pending).done, true);
});

void t.test('a static member sends its instance id and leaves with epoch -2 on close', async (t) => {
  const { group, consumer } = setup(1);
  const c = consumer({ groupInstanceId: 'host-a' });
  c.subscribe(['orders']);
  await until(() => c.assignment().length === 1, 'assigned');
  const memberId = c.memberId;
  await c.close();
  t.match(group.heartbeats[0], { groupInstanceId: 'host-a', memberEpoch: 0 });
  t.same(group.heartbeatsOf(memberId).at(-1), {
    groupId: 'billing',
    memberId,
    groupInstanceId: 'host-a',
    memberEpoch: -2,
  });
});

void t.test('a non-retriable heartbeat error reaches the iterator', async (t) => {
  const { group, consumer } = setup(1);
  group.heartbeatErrors.push('UNAUTHORIZED');
  const c = consumer();
  c.subscribe('orders');
  await t.rejects(c[Symbol.asyncIterator]().next(), { code: 'UNAUTHORIZED' });
  await c.close();
});

void t.test('misuse is refused', async (t) => {
  const { broker, clock, consumer } = setup(1);
  const plain = new ConsumerCore<Order>({ ...clientOptions(broker, clock), codec: json }, noPlatform);
  t.throws(() => {
    plain.subscribe('orders');
  }, /groupId/);
  await t.rejects(plain.commit(), /subscribe/);
  await plain.assign('orders');
  const grouped = consumer();
  grouped.subscribe('orders');
  t.throws(() => {
    grouped.subscribe('orders');
  }, /already/);
  await t.rejects(grouped.assign('orders'), /subscribe/);
  t.throws(() => consumer({ groupId: 'bad group' }), RangeError);
  t.throws(() => {
    consumer().subscribe(/orders/i);
  }, RangeError);
  t.throws(() => consumer({ sessionTimeoutMs: 10 }), RangeError);
  t.throws(() => consumer({ assignor: 'fair' as 'range' }), RangeError);
  await Promise.all([plain.close(), grouped.close()]);
});
