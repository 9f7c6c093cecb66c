/** Validation errors name the flag, the value and the rule. */
import t from 'tap';
import { FlagError, integerFlag } from '../../../cli/flag-error.js';

void t.test('integer flags accept integers in range and name flag, value and rule otherwise', (t) => {
  const partitions = integerFlag('--partitions', 1, 100_000);
  t.equal(partitions('1'), 1);
  t.equal(partitions('100000'), 100_000);
  t.throws(() => partitions('0'), { message: '--partitions 0: must be an integer from 1 to 100000' });
  t.throws(() => partitions('1.5'), { message: '--partitions 1.5: must be an integer from 1 to 100000' });
  t.throws(() => partitions(''), { message: '--partitions "": must be an integer from 1 to 100000' });
  t.throws(() => integerFlag('--max-messages', 0)('-1'), { message: '--max-messages -1: must be an integer >= 0' });
  t.end();
});

void t.test('a value with spaces or quotes is quoted', (t) => {
  t.equal(new FlagError('--to', 'next week', 'rule').message, '--to "next week": rule');
  t.end();
});
