import t from 'tap';
import { admitEnvelopes } from '../../../broker/cluster/peer-admission.js';
import type { PeerEnvelope } from '../../../broker/cluster/peer-codec.js';
import { MessageType } from '../../../broker/raft/messages.js';

const heartbeat = (from: number): PeerEnvelope => ({
  group: 'orders-0',
  message: { type: MessageType.Heartbeat, from, to: 1, term: 7, commit: 3 },
});
const alive: PeerEnvelope = { group: '', message: { kind: 'alive' } };
const join: PeerEnvelope = { group: '', message: { kind: 'join' } };

void t.test('a member speaking for itself gets everything through, without a copy', (t) => {
  const envelopes = [heartbeat(2), alive, join, heartbeat(2)];
  const admission = admitEnvelopes(envelopes, 2, true);
  t.equal(admission.admitted, envelopes, 'the same array: nothing to filter, nothing allocated');
  t.equal(admission.refused, 0);
  t.equal(admission.reason, undefined);
  t.end();
});

void t.test("a Raft message naming another sender is refused, the connection's own messages pass", (t) => {
  const admission = admitEnvelopes([heartbeat(2), heartbeat(3), alive, heartbeat(3), heartbeat(2)], 2, true);
  t.same(admission.admitted, [heartbeat(2), alive, heartbeat(2)], 'the rest, in order');
  t.equal(admission.refused, 2);
  t.match(admission.reason, /claiming to come from broker 3 on the connection of broker 2/);
  t.end();
});

void t.test('a broker outside the cluster may only ask to join', (t) => {
  const admission = admitEnvelopes([heartbeat(9), alive, join], 9, false);
  t.same(admission.admitted, [join], 'its join request only');
  t.equal(admission.refused, 2, 'its Raft message and its alive message are refused');
  t.match(admission.reason, /a Raft message from broker 9, not a member of the cluster/);
  t.same(
    admitEnvelopes([alive], 9, false).reason,
    'a message of kind alive from broker 9, not a member of the cluster',
  );
  t.end();
});
