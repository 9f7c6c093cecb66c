/**
 * Which envelopes of an accepted peer connection reach the Raft host. A connection speaks for the broker it greeted
 * as and for no other: Raft trusts a message's `from` (a vote is granted to it, a higher term in it deposes a
 * leader), so a message naming another broker is refused. A broker that is not a member of the cluster (yet) may
 * only ask to join; its Raft messages count once the cluster has added it.
 */
import type { JoinMessage } from './control-messages.js';
import type { PeerEnvelope } from './peer-codec.js';

/** Kinds of opaque payload a broker outside the cluster may send: its request to be added, nothing else. */
const STRANGER_KINDS: ReadonlySet<string> = new Set<JoinMessage['kind']>(['join']);

/** The outcome of {@link admitEnvelopes}. */
export interface Admission {
  /** The envelopes to deliver, in their order. */
  readonly admitted: readonly PeerEnvelope[];
  /** How many envelopes were refused. */
  readonly refused: number;
  /** Why the first refused envelope was refused (for the log), or undefined when none was. */
  readonly reason: string | undefined;
}

/** Why `envelope` may not come from broker `sender`, or undefined when it may. */
function refusal(envelope: PeerEnvelope, sender: number, isMember: boolean): string | undefined {
  const { message } = envelope;
  if ('kind' in message) {
    return isMember || STRANGER_KINDS.has(message.kind)
      ? undefined
      : `a message of kind ${message.kind} from broker ${String(sender)}, not a member of the cluster`;
  }
  if (!isMember) return `a Raft message from broker ${String(sender)}, not a member of the cluster`;
  return message.from === sender
    ? undefined
    : `a Raft message claiming to come from broker ${String(message.from)} on the connection of broker ${String(sender)}`;
}

/**
 * The envelopes of one frame that broker `sender` may send (`isMember`: whether it is one of the cluster's brokers
 * now). Allocates nothing when every envelope is admitted, the usual case.
 */
export function admitEnvelopes(envelopes: readonly PeerEnvelope[], sender: number, isMember: boolean): Admission {
  let admitted: PeerEnvelope[] | undefined;
  let reason: string | undefined;
  for (const [i, envelope] of envelopes.entries()) {
    const refused = refusal(envelope, sender, isMember);
    if (refused === undefined) {
      admitted?.push(envelope);
      continue;
    }
    reason ??= refused;
    admitted ??= envelopes.slice(0, i);
  }
  if (admitted === undefined) return { admitted: envelopes, refused: 0, reason: undefined };
  return { admitted, refused: envelopes.length - admitted.length, reason };
}
