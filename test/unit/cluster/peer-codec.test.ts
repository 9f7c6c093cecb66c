import fc from 'fast-check';
import { Packr } from 'msgpackr';
import t from 'tap';
import {
  decodeEnvelopes,
  decodeHello,
  encodeEnvelopes,
  encodeHello,
  type OpaquePayload,
  type PeerEnvelope,
} from '../../../broker/cluster/peer-codec.js';
import { ProtocolError } from '../../../protocol/errors.js';
import type { Message } from '../../../broker/raft/messages.js';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

/** One message of every type. */
const messages: Message[] = [
  {
    type: 'app',
    from: 1,
    to: 2,
    term: 3,
    index: 10,
    logTerm: 2,
    commit: 9,
    entries: [
      { index: 11, term: 3, type: 'normal', data: bytes(1, 2, 3) },
      { index: 12, term: 3, type: 'noop', data: new Uint8Array(0) },
      { index: 13, term: 3, type: 'config', data: bytes(255) },
      { index: 2 ** 40, term: 2 ** 33, type: 'normal', data: new Uint8Array(70_000).fill(7) },
    ],
  },
  { type: 'appResp', from: 2, to: 1, term: 3, index: 12, reject: true, rejectHint: 5, logTerm: 1 },
  { type: 'vote', from: 1, to: 3, term: 4, index: 12, logTerm: 3, transfer: false },
  { type: 'preVote', from: 1, to: 3, term: 5, index: 12, logTerm: 3, transfer: true },
  { type: 'voteResp', from: 3, to: 1, term: 4, reject: false },
  { type: 'preVoteResp', from: 3, to: 1, term: 5, reject: true },
  { type: 'heartbeat', from: 1, to: 2, term: 3, commit: 7 },
  { type: 'heartbeatResp', from: 2, to: 1, term: 3 },
  {
    type: 'snap',
    from: 1,
    to: 2,
    term: 3,
    snapshot: { index: 100, term: 2, config: { voters: [1, 2, 3] }, logOffset: 500 },
  },
  { type: 'timeoutNow', from: 1, to: 2, term: 3 },
];

/** The frame's payload, as the receiver's splitter hands it over (prefix removed). */
function payload(frame: Uint8Array): Uint8Array {
  const length = new DataView(frame.buffer, frame.byteOffset, 4).getUint32(0);
  if (length !== frame.byteLength - 4)
    throw new Error(`prefix ${String(length)} for ${String(frame.byteLength)} bytes`);
  return frame.subarray(4);
}

void t.test('every message type round-trips; entry data come back as plain Uint8Array', (t) => {
  const envelopes: PeerEnvelope[] = messages.map((message, i) => ({ group: `orders/${String(i)}`, message }));
  const decoded = decodeEnvelopes(payload(encodeEnvelopes(envelopes)));
  t.same(decoded, envelopes);
  const append = decoded[0]?.message;
  if (append === undefined || 'kind' in append || append.type !== 'app') throw new Error('the append comes first');
  for (const entry of append.entries) t.equal(entry.data.constructor, Uint8Array, 'not a Buffer');
  t.same(Array.from(append.entries[0]?.data ?? []), [1, 2, 3]);
  t.equal(append.entries[3]?.index, 2 ** 40, 'indexes above 2^32 survive');
  t.equal(append.entries[3]?.data.byteLength, 70_000);
  t.end();
});

void t.test("the driver's own messages travel as opaque maps next to Raft messages", (t) => {
  const envelopes: PeerEnvelope[] = [
    { group: '', message: { kind: 'alive', endpoint: { host: 'h', port: 1, wsPort: 2 } } as OpaquePayload },
    { group: 'p/0', message: messages[6] as Message },
    { group: 'p/0', message: { kind: 'quiesce', term: 3 } },
  ];
  t.same(decodeEnvelopes(payload(encodeEnvelopes(envelopes))), envelopes);
  const packr = new Packr({ useRecords: false });
  t.throws(() => decodeEnvelopes(packr.pack([['g', 0, 'alive']])), ProtocolError, 'not a map');
  t.throws(() => decodeEnvelopes(packr.pack([['g', 0, { kind: 7 }]])), ProtocolError, 'kind not a string');
  t.throws(() => decodeEnvelopes(packr.pack([['g', 0]])), ProtocolError, 'no payload');
  t.end();
});

void t.test('order is kept and an empty frame decodes to no envelopes', (t) => {
  const envelopes = Array.from({ length: 1000 }, (_, i) => ({
    group: String(i % 7),
    message: { type: 'heartbeat', from: 1, to: 2, term: 1, commit: i } as const,
  }));
  t.same(decodeEnvelopes(payload(encodeEnvelopes(envelopes))), envelopes);
  t.same(decodeEnvelopes(payload(encodeEnvelopes([]))), []);
  t.end();
});

void t.test('a frame keeps its bytes after later encodes', (t) => {
  const first = encodeEnvelopes([{ group: 'a', message: messages[6] as Message }]);
  const copy = Uint8Array.from(first);
  for (let i = 0; i < 100; i++) encodeEnvelopes([{ group: 'b', message: messages[0] as Message }]);
  t.same(Array.from(first), Array.from(copy));
  t.end();
});

void t.test('hello round-trips and anything else is refused', (t) => {
  t.same(decodeHello(payload(encodeHello({ clusterId: 'c1', from: 3 }))), { clusterId: 'c1', from: 3 });
  const packr = new Packr({ useRecords: false });
  const bad: unknown[] = [
    [],
    'hello',
    { clusterId: 'c1' },
    { clusterId: 1, from: 1 },
    { clusterId: 'c1', from: 0 },
    { clusterId: 'c1', from: 1.5 },
    { clusterId: 'c1', from: -2 },
  ];
  for (const value of bad) t.throws(() => decodeHello(packr.pack(value)), ProtocolError, JSON.stringify(value));
  t.throws(() => decodeHello(bytes(0xc1)), ProtocolError, 'reserved byte');
  t.end();
});

void t.test('malformed envelope frames are refused with a ProtocolError', (t) => {
  const packr = new Packr({ useRecords: false });
  // Envelopes are [group, type, ...fields]; entries are [index, term, type, data].
  const heartbeat = ['g', 'heartbeat', 1, 2, 3, 0];
  const app = (entries: unknown): unknown[] => ['g', 'app', 1, 2, 3, 0, 0, 0, entries];
  const snap = (snapshot: unknown): unknown[] => ['g', 'snap', 1, 2, 3, snapshot];
  t.same(decodeEnvelopes(packr.pack([heartbeat, app([[1, 1, 'normal', bytes(1)]])])).length, 2, 'the valid forms');
  const cases: Record<string, unknown> = {
    'not an array': { group: 'g', message: heartbeat },
    'envelope not an array': [{ group: 'g' }],
    'group not a string': [[7, ...heartbeat.slice(1)]],
    'unknown type': [['g', 'gossip', 1, 2, 3]],
    'inherited property as type': [['g', 'constructor', 1, 2, 3]],
    'too few fields': [heartbeat.slice(0, 5)],
    'negative term': [['g', 'heartbeat', 1, 2, -1, 0]],
    'fractional commit': [['g', 'heartbeat', 1, 2, 3, 0.5]],
    'string from': [['g', 'heartbeat', '1', 2, 3, 0]],
    'nil to': [['g', 'heartbeat', 1, null, 3, 0]],
    'entries not an array': [app({})],
    'entry not an array': [app([{ index: 1, term: 1, type: 'normal', data: bytes(1) }])],
    'entry data not binary': [app([[1, 1, 'normal', 'x']])],
    'entry of unknown type': [app([[1, 1, 'magic', bytes(1)]])],
    'entry too short': [app([[1, 1, 'normal']])],
    'reject not a boolean': [['g', 'voteResp', 1, 2, 3, 0]],
    'vote without transfer': [['g', 'vote', 1, 2, 3, 4, 5]],
    'snapshot not a map': [snap([1, 1])],
    'snapshot without config': [snap({ index: 1, term: 1, logOffset: 0 })],
    'snapshot without logOffset': [snap({ index: 1, term: 1, config: { voters: [1] } })],
    'voter id zero': [snap({ index: 1, term: 1, logOffset: 0, config: { voters: [0] } })],
  };
  for (const [name, value] of Object.entries(cases)) {
    t.throws(() => decodeEnvelopes(packr.pack(value)), ProtocolError, name);
  }
  // A 5-byte array header claiming 4 billion elements must not make msgpackr allocate them.
  t.throws(() => decodeEnvelopes(bytes(0xdd, 0xff, 0xff, 0xff, 0xff)), ProtocolError, 'huge declared array');
  t.throws(() => decodeEnvelopes(new Uint8Array(0)), ProtocolError, 'empty');
  t.throws(() => decodeEnvelopes(bytes(0x92, 0xa1, 0x67)), ProtocolError, 'truncated');
  t.end();
});

void t.test('longer tuples from a newer broker are accepted, the extra items ignored', (t) => {
  const packr = new Packr({ useRecords: false });
  const [envelope] = decodeEnvelopes(packr.pack([['g', 'heartbeat', 1, 2, 3, 4, 'future field']]));
  t.same(envelope, { group: 'g', message: { type: 'heartbeat', from: 1, to: 2, term: 3, commit: 4 } });
  t.end();
});

void t.test('random and corrupted bytes never escape as anything but a ProtocolError', (t) => {
  const valid = payload(encodeEnvelopes(messages.slice(1).map((message) => ({ group: 'g', message }))));
  const onlyProtocolErrors = (input: Uint8Array): boolean => {
    try {
      decodeEnvelopes(input);
      return true;
    } catch (err: unknown) {
      return err instanceof ProtocolError;
    }
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), onlyProtocolErrors), { numRuns: 2000, seed: 11 });
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(valid.byteLength - 1), fc.nat(255)), { minLength: 1, maxLength: 4 }),
      (flips) => {
        const corrupted = Uint8Array.from(valid);
        for (const [pos, value] of flips) corrupted[pos] = value;
        return onlyProtocolErrors(corrupted);
      },
    ),
    { numRuns: 2000, seed: 12 },
  );
  t.pass('no other error escaped');
  t.end();
});
