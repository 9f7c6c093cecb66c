/** The assignors: every subscribed partition gets one owner, balance, stickiness, and the range/round-robin shapes. */
import fc from 'fast-check';
import t, { type Test } from 'tap';
import type { AssignorInput, AssignorMember, TargetAssignment } from '../../../broker/groups/assignor.js';
import { rangeAssign } from '../../../broker/groups/range-assignor.js';
import { roundRobinAssign } from '../../../broker/groups/roundrobin-assignor.js';
import { stickyAssign } from '../../../broker/groups/sticky-assignor.js';
import { partitionKey, splitPartitionKey } from '../../../protocol/index.js';

const counts = (entries: [string, number][]): Map<string, number> => new Map(entries);
const members = (n: number, topics: string[]): AssignorMember[] =>
  Array.from({ length: n }, (_, i) => ({ memberId: `m${String(i)}`, topics }));
const sizes = (target: TargetAssignment): number[] => [...target.values()].map((s) => s.size);
const plain = (target: TargetAssignment): Record<string, string[]> =>
  Object.fromEntries([...target].map(([id, keys]) => [id, [...keys].sort()]));

/** Every partition of every subscribed topic has exactly one owner, and only a member subscribing to its topic. */
function checkCoverage(t: Test, input: AssignorInput, target: TargetAssignment): void {
  const owners = new Map<string, string>();
  for (const [id, keys] of target) {
    for (const key of keys) {
      t.notOk(owners.has(key), `${key} has one owner`);
      owners.set(key, id);
    }
  }
  const subscribed = new Set(input.members.flatMap((m) => m.topics));
  let expected = 0;
  for (const topic of subscribed) expected += input.partitionCounts.get(topic) ?? 0;
  t.equal(owners.size, expected, 'every subscribed partition is assigned');
  for (const [key, id] of owners) {
    const { topic } = splitPartitionKey(key);
    t.ok(input.members.find((m) => m.memberId === id)?.topics.includes(topic), `${key}: owner subscribes`);
  }
}

void t.test('range gives contiguous ranges per topic, the first members one more', (t) => {
  const target = rangeAssign({ members: members(3, ['a']), partitionCounts: counts([['a', 7]]), current: new Map() });
  t.same(plain(target), {
    m0: ['a/0', 'a/1', 'a/2'],
    m1: ['a/3', 'a/4'],
    m2: ['a/5', 'a/6'],
  });
  t.end();
});

void t.test('roundrobin deals partitions in turn, skipping members not subscribed', (t) => {
  const input: AssignorInput = {
    members: [
      { memberId: 'm0', topics: ['a', 'b'] },
      { memberId: 'm1', topics: ['a'] },
    ],
    partitionCounts: counts([
      ['a', 3],
      ['b', 2],
    ]),
    current: new Map(),
  };
  const target = roundRobinAssign(input);
  t.same(plain(target), { m0: ['a/0', 'a/2', 'b/0', 'b/1'], m1: ['a/1'] });
  checkCoverage(t, input, target);
  t.end();
});

void t.test('sticky is balanced and moves only what it must when a member joins or leaves', (t) => {
  const partitionCounts = counts([['a', 12]]);
  const three = stickyAssign({ members: members(3, ['a']), partitionCounts, current: new Map() });
  t.same(sizes(three), [4, 4, 4]);
  const four = stickyAssign({ members: members(4, ['a']), partitionCounts, current: three });
  t.same(sizes(four).sort(), [3, 3, 3, 3]);
  let moved = 0;
  for (const [id, keys] of three) for (const key of keys) if (four.get(id)?.has(key) !== true) moved++;
  t.equal(moved, 3, 'a joining member takes exactly its share, nothing else moves');
  const back = stickyAssign({ members: members(3, ['a']), partitionCounts, current: four });
  t.same(sizes(back), [4, 4, 4]);
  for (const id of ['m0', 'm1', 'm2']) {
    for (const key of four.get(id) ?? []) t.ok(back.get(id)?.has(key), `${id} keeps ${key} when m3 leaves`);
  }
  t.end();
});

void t.test('sticky drops partitions of deleted topics and of shrunk subscriptions', (t) => {
  const current = new Map([['m0', new Set([partitionKey('gone', 0), partitionKey('a', 0), partitionKey('a', 5)])]]);
  const target = stickyAssign({
    members: [{ memberId: 'm0', topics: ['a'] }],
    partitionCounts: counts([['a', 2]]),
    current,
  });
  t.same(plain(target), { m0: ['a/0', 'a/1'] });
  t.end();
});

const inputs = fc
  .record({
    memberCount: fc.integer({ min: 1, max: 6 }),
    partitions: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 3 }),
    subscriptions: fc.array(fc.subarray([0, 1, 2], { minLength: 1 }), { minLength: 6, maxLength: 6 }),
  })
  .map(({ memberCount, partitions, subscriptions }): AssignorInput => {
    const topics = partitions.map((_, i) => `t${String(i)}`);
    return {
      members: Array.from({ length: memberCount }, (_, i) => ({
        memberId: `m${String(i)}`,
        topics: (subscriptions[i] ?? [0]).filter((x) => x < topics.length).map((x) => `t${String(x)}`),
      })),
      partitionCounts: new Map(topics.map((name, i) => [name, partitions[i] ?? 0])),
      current: new Map(),
    };
  });

void t.test('property: every assignor covers every subscribed partition exactly once', (t) => {
  fc.assert(
    fc.property(inputs, (input) => {
      for (const assign of [stickyAssign, rangeAssign, roundRobinAssign]) {
        const target = assign(input);
        const seen = new Set<string>();
        let total = 0;
        for (const keys of target.values()) {
          for (const key of keys) {
            if (seen.has(key)) return false;
            seen.add(key);
          }
          total += keys.size;
        }
        const subscribed = new Set(input.members.flatMap((m) => m.topics));
        let expected = 0;
        for (const topic of subscribed) expected += input.partitionCounts.get(topic) ?? 0;
        if (total !== expected) return false;
      }
      return true;
    }),
  );
  t.end();
});

void t.test('property: sticky with one shared subscription stays within one, and re-running it moves nothing', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 40 }), (n, p) => {
      const input = { members: members(n, ['a']), partitionCounts: counts([['a', p]]), current: new Map() };
      const first = stickyAssign(input);
      const s = sizes(first);
      if (Math.max(...s) - Math.min(...s) > 1) return false;
      const second = stickyAssign({ ...input, current: first });
      return JSON.stringify(plain(first)) === JSON.stringify(plain(second));
    }),
  );
  t.end();
});

void t.test('the full check on a mixed subscription', (t) => {
  const input: AssignorInput = {
    members: [
      { memberId: 'x', topics: ['a', 'b'] },
      { memberId: 'y', topics: ['b'] },
      { memberId: 'z', topics: ['a'] },
    ],
    partitionCounts: counts([
      ['a', 5],
      ['b', 4],
    ]),
    current: new Map(),
  };
  for (const assign of [stickyAssign, rangeAssign, roundRobinAssign]) checkCoverage(t, input, assign(input));
  t.end();
});
