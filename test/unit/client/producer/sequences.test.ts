import t from 'tap';
import { BrookError, MAX_SEQUENCE, encodeRecordBatch, type RecordBatch } from '../../../../protocol/index.js';
import { ProducerSequences } from '../../../../client/producer/sequences.js';

/**
 * A batch that counts `count` records. Sequences read only the count, so a huge (hypothetical) batch is one real record
 * with the count it claims: encoding two billion records would not fit in memory.
 */
function unstamped(count: number): RecordBatch {
  const one = encodeRecordBatch([{ key: null, value: null, timestamp: 0 }]);
  return count === 1 ? one : { ...one, count };
}

function stampOrFail(s: ProducerSequences, partition: number, count: number): RecordBatch {
  const b = s.stamp('orders', partition, unstamped(count));
  if (b === undefined) throw new Error('expected a stamp');
  return b;
}

void t.test('batches are numbered per partition by record count; a stamped batch keeps its stamp', (t) => {
  const s = new ProducerSequences();
  t.throws(() => s.stamp('orders', 0, unstamped(1)), /no producer id/, 'needs an identity first');
  s.setIdentity({ producerId: 77, producerEpoch: 0 });
  const a = stampOrFail(s, 0, 3);
  const b = stampOrFail(s, 0, 2);
  const c = stampOrFail(s, 1, 4);
  t.same([a.producerId, a.producerEpoch, a.baseSequence], [77, 0, 0]);
  t.equal(b.baseSequence, 3);
  t.equal(c.baseSequence, 0, 'partitions count separately');
  t.equal(s.stamp('orders', 0, b), b, 'a retry is sent with the same numbers');
  t.equal(stampOrFail(s, 0, 1).baseSequence, 5);
  t.end();
});

void t.test('sequences wrap from 2^31 - 1 to 0', (t) => {
  const s = new ProducerSequences();
  s.setIdentity({ producerId: 1, producerEpoch: 0 });
  t.equal(stampOrFail(s, 0, 1).baseSequence, 0);
  // Jump close to the end with one huge (hypothetical) batch, then cross the wrap.
  t.equal(stampOrFail(s, 0, MAX_SEQUENCE - 2).baseSequence, 1);
  t.equal(stampOrFail(s, 0, 2).baseSequence, MAX_SEQUENCE - 1);
  t.equal(stampOrFail(s, 0, 1).baseSequence, 0, 'after 2^31 - 1 comes 0');
  t.end();
});

void t.test(
  'OUT_OF_ORDER_SEQUENCE: same numbers behind an unresolved batch, else renumbered, never a sequence 0',
  (t) => {
    const s = new ProducerSequences();
    s.setIdentity({ producerId: 1, producerEpoch: 0 });
    const a = stampOrFail(s, 0, 1);
    const b = stampOrFail(s, 0, 1);
    const c = stampOrFail(s, 0, 1);
    t.equal(s.outOfOrder('orders', 0, a), undefined, 'a sequence 0 refused: failed');
    t.equal(s.outOfOrder('orders', 0, b), b, 'behind a: resent as it is');
    t.equal(s.outOfOrder('orders', 0, c), c);
    s.acknowledged('orders', 0, a);
    // b is now the oldest: the broker lost track of this producer, so b goes again without numbers.
    const again = s.outOfOrder('orders', 0, b);
    t.same([again?.producerId, again?.baseSequence], [-1, -1]);
    t.equal(s.stamp('orders', 0, again ?? b), undefined, 'renumbering waits for c');
    t.equal(s.outOfOrder('orders', 0, c)?.baseSequence, -1, 'c is the oldest now: renumbered too');
    t.same([s.stamp('orders', 0, again ?? b)?.producerEpoch], [1], 'then b goes first under epoch 1');
    t.end();
  },
);

void t.test('renumbering after OUT_OF_ORDER_SEQUENCE starts at 0 under the next epoch, in the original order', (t) => {
  const s = new ProducerSequences();
  s.setIdentity({ producerId: 1, producerEpoch: 0 });
  s.acknowledged('orders', 0, stampOrFail(s, 0, 1));
  const b = stampOrFail(s, 0, 2);
  const c = stampOrFail(s, 0, 3);
  const b2 = s.outOfOrder('orders', 0, b);
  const c2 = s.outOfOrder('orders', 0, c);
  if (b2 === undefined || c2 === undefined) throw new Error('expected both to be resent');
  const b3 = s.stamp('orders', 0, b2);
  const c3 = s.stamp('orders', 0, c2);
  t.same([b3?.producerEpoch, b3?.baseSequence], [1, 0]);
  t.same([c3?.producerEpoch, c3?.baseSequence], [1, 2]);
  t.end();
});

void t.test('a batch that failed for good restarts the partition at sequence 0 under the next epoch', (t) => {
  const s = new ProducerSequences();
  s.setIdentity({ producerId: 1, producerEpoch: 0 });
  const a = stampOrFail(s, 0, 2);
  const b = stampOrFail(s, 0, 2);
  const other = stampOrFail(s, 1, 2);
  s.failed('orders', 0, a);
  t.equal(s.stamp('orders', 0, unstamped(1)), undefined, 'waits while b is outstanding');
  s.failed('orders', 0, b);
  const next = stampOrFail(s, 0, 1);
  t.same([next.producerEpoch, next.baseSequence], [1, 0]);
  t.equal(stampOrFail(s, 0, 1).baseSequence, 1);
  t.same([stampOrFail(s, 1, 1).producerEpoch, other.producerEpoch], [0, 0], 'other partitions keep their epoch');
  t.end();
});

void t.test('once fenced, nothing more is stamped', (t) => {
  const s = new ProducerSequences();
  s.setIdentity({ producerId: 1, producerEpoch: 0 });
  stampOrFail(s, 0, 1);
  t.equal(s.fatalError, undefined);
  s.fence(new BrookError('INVALID_PRODUCER_EPOCH'));
  t.match(s.fatalError, { code: 'INVALID_PRODUCER_EPOCH', message: /fenced/ });
  t.throws(() => s.stamp('orders', 0, unstamped(1)), { code: 'INVALID_PRODUCER_EPOCH' });
  t.end();
});
