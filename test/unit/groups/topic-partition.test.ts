/** Partition keys: round trips, order, and the wire grouping by topic. */
import t from 'tap';
import { partitionKey, splitPartitionKey } from '../../../protocol/index.js';
import { compareKeys, fromTopicPartitions, toTopicPartitions } from '../../../broker/groups/topic-partition.js';

void t.test('keys split back, sort by topic then number, and group by topic for the wire', (t) => {
  t.equal(partitionKey('orders.v2', 17), 'orders.v2/17', 'the one format: topic/partition');
  t.same(splitPartitionKey(partitionKey('orders.v2', 17)), { topic: 'orders.v2', partition: 17 });
  const keys = ['b/1', 'a/10', 'a/2', 'b/0'];
  t.same([...keys].sort(compareKeys), ['a/2', 'a/10', 'b/0', 'b/1']);
  const wire = toTopicPartitions(keys);
  t.same(wire, [
    { topic: 'a', partitions: [2, 10] },
    { topic: 'b', partitions: [0, 1] },
  ]);
  t.same([...fromTopicPartitions(wire)].sort(compareKeys), ['a/2', 'a/10', 'b/0', 'b/1']);
  t.same(toTopicPartitions([]), []);
  t.end();
});
