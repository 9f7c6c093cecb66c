import t from 'tap';
import { majority, majorityActive, majorityIndex, voteResult } from '../../../broker/raft/quorum.js';

void t.test('majority sizes', (t) => {
  t.same([1, 2, 3, 4, 5, 6, 7].map(majority), [1, 2, 2, 3, 3, 4, 4]);
  t.end();
});

void t.test('majorityIndex is the highest index a majority holds', (t) => {
  const cases: { matches: number[]; want: number }[] = [
    { matches: [5], want: 5 },
    { matches: [5, 3], want: 3 },
    { matches: [5, 3, 1], want: 3 },
    { matches: [1, 5, 3], want: 3 },
    { matches: [2, 2, 9, 9], want: 2 },
    { matches: [7, 7, 7, 1, 1], want: 7 },
    { matches: [7, 6, 1, 1, 1], want: 1 },
    { matches: [0, 0, 0], want: 0 },
  ];
  for (const { matches, want } of cases) {
    const voters = matches.map((_, i) => i + 1);
    t.equal(
      majorityIndex(voters, (id) => matches[id - 1] ?? 0),
      want,
      `[${matches.join(',')}]`,
    );
  }
  t.equal(
    majorityIndex([], () => 9),
    0,
    'no voters, nothing committed',
  );
  t.equal(
    majorityIndex([1, 2, 3], (id) => (id === 1 ? 4 : 0)),
    0,
    'missing progress counts as 0',
  );
  t.end();
});

void t.test('voteResult: won, lost or pending', (t) => {
  const votes = (entries: [number, boolean][]) => new Map(entries);
  t.equal(voteResult([1], votes([[1, true]])), 'won');
  t.equal(voteResult([1, 2, 3], votes([[1, true]])), 'pending');
  t.equal(
    voteResult(
      [1, 2, 3],
      votes([
        [1, true],
        [2, true],
      ]),
    ),
    'won',
  );
  t.equal(
    voteResult(
      [1, 2, 3],
      votes([
        [1, true],
        [2, false],
      ]),
    ),
    'pending',
  );
  t.equal(
    voteResult(
      [1, 2, 3],
      votes([
        [1, true],
        [2, false],
        [3, false],
      ]),
    ),
    'lost',
  );
  t.equal(
    voteResult(
      [1, 2, 3, 4],
      votes([
        [1, true],
        [2, true],
      ]),
    ),
    'pending',
    'half is not a majority',
  );
  t.equal(
    voteResult(
      [1, 2, 3, 4],
      votes([
        [3, false],
        [4, false],
      ]),
    ),
    'lost',
  );
  t.equal(
    voteResult(
      [1, 2, 3],
      votes([
        [7, true],
        [8, true],
        [1, true],
      ]),
    ),
    'pending',
    'non-voters do not count',
  );
  t.equal(voteResult([], votes([])), 'lost');
  t.end();
});

void t.test('majorityActive', (t) => {
  t.ok(majorityActive([1, 2, 3], (id) => id !== 3));
  t.notOk(majorityActive([1, 2, 3], (id) => id === 1));
  t.notOk(majorityActive([], () => true));
  t.end();
});
