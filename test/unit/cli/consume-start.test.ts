/** `brook consume --offset` and the end check of --exit-at-end. */
import t from 'tap';
import { reachedEnd } from '../../../cli/consume-command.js';
import { parseStart } from '../../../cli/consume-start.js';

void t.test('--offset takes earliest, latest, N, -N and @timestamp', (t) => {
  t.equal(parseStart('earliest'), 'earliest');
  t.equal(parseStart('latest'), 'latest');
  t.same(parseStart('42'), { offset: 42 });
  t.same(parseStart('-10'), { fromEnd: 10 });
  t.same(parseStart('@1700000000000'), { timestamp: 1_700_000_000_000 });
  for (const bad of ['', 'first', '1.5', '--1', '@', '@-5', '+3', '99999999999999999999']) {
    t.throws(() => parseStart(bad), { name: 'FlagError', message: /^--offset .*: must be earliest, latest/ }, bad);
  }
  t.end();
});

void t.test('the end is reached once every assigned partition has been read up to its end at the start', (t) => {
  const ends = new Map([
    [0, 5],
    [1, 0],
  ]);
  const tp = (partition: number): { topic: string; partition: number } => ({ topic: 'a', partition });
  const at =
    (positions: Record<number, number | undefined>) =>
    (p: { partition: number }): number | undefined =>
      positions[p.partition];
  t.notOk(reachedEnd([], ends, at({})), 'not while nothing is assigned (a group has not granted partitions yet)');
  t.notOk(reachedEnd([tp(0), tp(1)], ends, at({ 0: 4, 1: 0 })), 'not while a partition is short of its end');
  t.notOk(reachedEnd([tp(0), tp(1)], ends, at({ 0: 5 })), 'not while a start position is unknown');
  t.ok(reachedEnd([tp(0), tp(1)], ends, at({ 0: 5, 1: 0 })), 'every partition at its end (an empty one at 0)');
  t.ok(reachedEnd([tp(0)], ends, at({ 0: 7 })), 'past the end counts (records produced since the start)');
  t.end();
});
