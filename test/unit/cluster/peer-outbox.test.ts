import t from 'tap';
import { decodeEnvelopes, encodeEnvelopes, type PeerEnvelope } from '../../../broker/cluster/peer-codec.js';
import { envelopeBoundBytes, PeerOutbox, splitIntoFrames } from '../../../broker/cluster/peer-outbox.js';
import { MessageType, type Message } from '../../../broker/raft/messages.js';

function heartbeat(group: string, commit: number): PeerEnvelope {
  return { group, message: { type: MessageType.Heartbeat, from: 1, to: 2, term: 1, commit } };
}

function append(group: string, entryBytes: readonly number[]): PeerEnvelope {
  const message: Message = {
    type: MessageType.Append,
    from: 1,
    to: 2,
    term: 2 ** 40,
    index: 2 ** 40,
    logTerm: 2 ** 40,
    commit: 2 ** 40,
    entries: entryBytes.map((n, i) => ({ index: 2 ** 40 + i, term: 2 ** 40, type: 'normal', data: new Uint8Array(n) })),
  };
  return { group, message };
}

void t.test('the outbox keeps per-peer order and hands everything over once', (t) => {
  const outbox = new PeerOutbox();
  outbox.add(2, heartbeat('a', 1));
  outbox.add(3, heartbeat('a', 2));
  outbox.add(2, heartbeat('b', 3));
  t.equal(outbox.size, 3);
  const taken = outbox.takeAll();
  t.same([...taken.keys()], [2, 3]);
  t.same(
    taken.get(2)?.map((e) => e.group),
    ['a', 'b'],
  );
  t.equal(outbox.size, 0, 'empty after takeAll');
  outbox.add(2, heartbeat('c', 4));
  t.same(taken.get(2)?.length, 2, 'later adds do not touch what was taken');
  t.same([...outbox.takeAll().keys()], [2]);
  t.same(outbox.takeAll().size, 0);
  t.end();
});

void t.test('a tick of small messages is one frame', (t) => {
  const envelopes = Array.from({ length: 5000 }, (_, i) => heartbeat(`topic/${String(i)}`, i));
  const { frames, oversized } = splitIntoFrames(envelopes, 64 * 1024 * 1024);
  t.equal(frames.length, 1);
  t.same(frames[0], envelopes);
  t.same(oversized, []);
  t.end();
});

void t.test('large appends are cut into frames that each fit, in order', (t) => {
  const maxFrameBytes = 100_000;
  const envelopes = [
    heartbeat('h', 1),
    append('a', [30_000, 30_000]),
    append('b', [40_000]),
    heartbeat('h', 2),
    append('c', [90_000]),
    append('d', [200_000]),
    heartbeat('h', 3),
  ];
  const { frames, oversized } = splitIntoFrames(envelopes, maxFrameBytes);
  t.same(
    oversized.map((e) => e.group),
    ['d'],
    'only the envelope larger than any frame is set aside',
  );
  t.same(
    frames.flat().map((e) => e.group),
    ['h', 'a', 'b', 'h', 'c', 'h'],
    'the rest keep their order',
  );
  t.ok(frames.length >= 2 && frames.length <= 3, `${String(frames.length)} frames`);
  for (const frame of frames) {
    const encoded = encodeEnvelopes(frame);
    t.ok(encoded.byteLength - 4 <= maxFrameBytes, `frame of ${String(encoded.byteLength)} bytes fits`);
    t.same(decodeEnvelopes(encoded.subarray(4)).length, frame.length);
  }
  t.end();
});

void t.test('the size bound is an upper bound of the encoded size', (t) => {
  const samples = [
    heartbeat('', 0),
    heartbeat('é'.repeat(300), 2 ** 50),
    append('g', []),
    append('g', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    append('g', [1, 100, 70_000]),
    {
      group: 'meta',
      message: {
        type: MessageType.Snapshot,
        from: 1,
        to: 2,
        term: 2 ** 40,
        snapshot: { index: 2 ** 40, term: 2 ** 40, config: { voters: [1, 2, 3, 4, 5, 6, 7] }, logOffset: 2 ** 50 },
      },
    } satisfies PeerEnvelope,
  ];
  for (const envelope of samples) {
    const encoded = encodeEnvelopes([envelope]).byteLength - 4;
    t.ok(encoded <= envelopeBoundBytes(envelope), `${String(encoded)} <= ${String(envelopeBoundBytes(envelope))}`);
  }
  t.end();
});
