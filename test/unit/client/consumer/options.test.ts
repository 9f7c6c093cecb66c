import t from 'tap';
import { DEFAULT_CREDIT_RECORDS, resolveConsumerOptions } from '../../../../client/consumer/options.js';

const B = '127.0.0.1:9400';

void t.test('the credit window defaults to 50 000 records and 4 MiB, and can be set', (t) => {
  t.equal(DEFAULT_CREDIT_RECORDS, 50_000);
  const resolved = resolveConsumerOptions({ bootstrap: B });
  t.equal(resolved.creditRecords, 50_000);
  t.equal(resolved.creditBytes, 4 * 1024 * 1024);
  const set = resolveConsumerOptions({ bootstrap: B, creditRecords: 100, creditBytes: 1000 });
  t.equal(set.creditRecords, 100);
  t.equal(set.creditBytes, 1000);
  t.throws(() => resolveConsumerOptions({ bootstrap: B, creditRecords: -1 }), RangeError);
  t.end();
});
