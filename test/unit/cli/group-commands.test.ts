/** `brook group reset-offsets --to`: the accepted forms. */
import t from 'tap';
import { parseResetTarget } from '../../../cli/group-commands.js';

void t.test('--to takes earliest, latest, timestamp:<ms> and offset:<n>', (t) => {
  t.equal(parseResetTarget('earliest'), 'earliest');
  t.equal(parseResetTarget('latest'), 'latest');
  t.same(parseResetTarget('timestamp:1700000000000'), { timestamp: 1_700_000_000_000 });
  t.same(parseResetTarget('offset:0'), { offset: 0 });
  for (const bad of ['', 'first', 'offset:', 'offset:-1', 'timestamp:abc', 'offset:1.5']) {
    t.throws(() => parseResetTarget(bad), { name: 'FlagError', message: /^--to .*: must be earliest, latest/ }, bad);
  }
  t.end();
});
