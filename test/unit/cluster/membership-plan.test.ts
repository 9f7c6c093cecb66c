// Raft thesis §4.1: a group moves to a new replica set one voter at a time; these pin the order of the steps.
import t from 'tap';
import { nextMembershipStep, type MembershipView } from '../../../broker/cluster/membership-plan.js';

function view(fields: Partial<MembershipView>): MembershipView {
  return { self: 1, voters: [1, 2, 3], target: [1, 2, 3], configCommitted: true, caughtUp: () => true, ...fields };
}

/** Applies steps to a simulated group until done, returning the steps (every replica catches up at once). */
function walk(start: MembershipView): string[] {
  let v = start;
  const steps: string[] = [];
  for (let i = 0; i < 20; i++) {
    const step = nextMembershipStep(v);
    if (step.kind === 'done' || step.kind === 'wait') {
      steps.push(step.kind);
      return steps;
    }
    if (step.kind === 'add') {
      steps.push(`+${String(step.id)}`);
      v = { ...v, voters: [...v.voters, step.id] };
    } else if (step.kind === 'remove') {
      steps.push(`-${String(step.id)}`);
      v = { ...v, voters: v.voters.filter((id) => id !== step.id) };
    } else {
      steps.push(`>${String(step.to)}`);
      v = { ...v, self: step.to };
    }
  }
  throw new Error('no end');
}

void t.test('nothing to do when the voters are the target', (t) => {
  t.same(nextMembershipStep(view({})), { kind: 'done' });
  t.same(nextMembershipStep(view({ voters: [3, 1, 2] })), { kind: 'done' }, 'order does not matter');
  t.end();
});

void t.test('no step while a config change is uncommitted', (t) => {
  t.same(nextMembershipStep(view({ target: [1, 2, 4], configCommitted: false })), { kind: 'wait' });
  t.end();
});

void t.test('adds every missing replica before removing any', (t) => {
  t.same(walk(view({ target: [1, 4, 5] })), ['+4', '+5', '-2', '-3', 'done']);
  t.end();
});

void t.test('removals wait until the target replicas hold the committed log', (t) => {
  const v = view({ voters: [1, 2, 3, 4], target: [1, 2, 4], caughtUp: (id) => id !== 4 });
  t.same(nextMembershipStep(v), { kind: 'wait' }, 'replica 4 is still catching up');
  t.same(nextMembershipStep({ ...v, caughtUp: () => true }), { kind: 'remove', id: 3 });
  t.end();
});

void t.test('the leader removes itself last, by handing leadership to a caught-up target replica', (t) => {
  t.same(walk(view({ target: [4, 2, 3] })), ['+4', '>4', '-1', 'done']);
  const v = view({ voters: [1, 2, 3, 4], target: [4, 2, 3], caughtUp: (id) => id === 3 });
  t.same(nextMembershipStep(v), { kind: 'wait' }, 'no removal while 2 and 4 lag');
  t.end();
});

void t.test('growing and shrinking the replication factor', (t) => {
  t.same(walk(view({ voters: [1, 2], target: [1, 2, 3] })), ['+3', 'done']);
  t.same(walk(view({ target: [1, 2] })), ['-3', 'done']);
  t.end();
});
