import t from 'tap';
import { DEFAULT_BATCH_BYTES, resolveProducerOptions } from '../../../../client/producer/options.js';

const B = '127.0.0.1:9400';

void t.test('batchBytes defaults to 1 MiB and can be set', (t) => {
  t.equal(DEFAULT_BATCH_BYTES, 1024 * 1024);
  t.equal(resolveProducerOptions({ bootstrap: B }).batchBytes, 1024 * 1024);
  t.equal(resolveProducerOptions({ bootstrap: B, batchBytes: 16 * 1024 }).batchBytes, 16 * 1024);
  t.throws(() => resolveProducerOptions({ bootstrap: B, batchBytes: 0 }), RangeError);
  t.end();
});

void t.test('the other producer defaults', (t) => {
  const resolved = resolveProducerOptions({ bootstrap: B });
  t.equal(resolved.lingerMs, 5);
  t.equal(resolved.maxInFlightPerPartition, 5);
  t.equal(resolved.bufferMemoryBytes, 32 * 1024 * 1024);
  t.equal(resolved.acks, -1);
  t.end();
});

void t.test(
  'idempotent: on by default with acks all and <= 5 in flight, else off; asking for it otherwise throws',
  (t) => {
    t.equal(resolveProducerOptions({ bootstrap: B }).idempotent, true);
    t.equal(resolveProducerOptions({ bootstrap: B, idempotent: false }).idempotent, false);
    t.equal(resolveProducerOptions({ bootstrap: B, acks: 1 }).idempotent, false, 'acks 1: quietly off');
    t.equal(resolveProducerOptions({ bootstrap: B, maxInFlightPerPartition: 6 }).idempotent, false);
    t.equal(resolveProducerOptions({ bootstrap: B, maxInFlightPerPartition: 1, idempotent: true }).idempotent, true);
    t.throws(() => resolveProducerOptions({ bootstrap: B, acks: 0, idempotent: true }), RangeError);
    t.throws(() => resolveProducerOptions({ bootstrap: B, maxInFlightPerPartition: 6, idempotent: true }), RangeError);
    t.end();
  },
);
