/**
 * Kafka's primitive types in protocol/kafka-{reader,writer,uuid}.ts at their edges, including the ones no vendored
 * message uses yet (uint16, float64), and the response frames the listener will write: header versions (ApiVersions
 * answers always with header v0) and Fetch records handed over as the stored bytes, not copied.
 */
import t from 'tap';
import { ProtocolError } from '../../../protocol/errors.js';
import { KafkaReader } from '../../../protocol/kafka-reader.js';
import { KafkaWriter } from '../../../protocol/kafka-writer.js';
import { ZERO_UUID, uuidFromBytes } from '../../../protocol/kafka-uuid.js';
import { decodeResponseFrame, encodeResponseFrame, responseHeaderVersion } from '../../../broker/kafka/frames.js';

function written(write: (w: KafkaWriter) => void): Uint8Array {
  const w = new KafkaWriter(1); // 1 byte: every write below has to grow the buffer
  write(w);
  return w.toBytes();
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

void t.test('integers, floats and booleans are big-endian and round-trip at their limits', (t) => {
  const bytes = written((w) => {
    w.int8(-128);
    w.int16(-32768);
    w.uint16(65535);
    w.int32(-(2 ** 31));
    w.uint32(2 ** 32 - 1);
    w.int64(-(2n ** 63n));
    w.float64(-1.5e300);
    w.bool(true);
  });
  t.equal(hex(bytes.subarray(0, 5)), '808000ffff', 'int8 then int16 then uint16, big-endian');
  const r = new KafkaReader(bytes);
  t.strictSame(
    [r.int8(), r.int16(), r.uint16(), r.int32(), r.uint32(), r.int64(), r.float64(), r.bool()],
    [-128, -32768, 65535, -(2 ** 31), 2 ** 32 - 1, -(2n ** 63n), -1.5e300, true],
  );
  t.equal(r.remaining, 0);
  t.end();
});

void t.test("varints are Kafka's: unsigned LEB128, zigzag, at most 5 bytes for 32 bits", (t) => {
  t.equal(
    hex(
      written((w) => {
        w.uvarint(300);
      }),
    ),
    'ac02',
    '300 = 0xac 0x02',
  );
  t.equal(
    hex(
      written((w) => {
        w.varint(-1);
      }),
    ),
    '01',
    'zigzag -1 = 1',
  );
  t.equal(
    hex(
      written((w) => {
        w.varint(-(2 ** 31));
      }),
    ),
    'ffffffff0f',
    'zigzag int32 min',
  );
  t.equal(
    hex(
      written((w) => {
        w.uvarint(2 ** 32 - 1);
      }),
    ),
    'ffffffff0f',
  );
  for (const n of [0, 1, -1, 63, -64, 64, 2 ** 31 - 1, -(2 ** 31)]) {
    t.equal(
      new KafkaReader(
        written((w) => {
          w.varint(n);
        }),
      ).varint(),
      n,
      `varint ${String(n)}`,
    );
  }
  for (const n of [0, -1, 2 ** 40, -(2 ** 52), Number.MAX_SAFE_INTEGER >> 1]) {
    t.equal(
      new KafkaReader(
        written((w) => {
          w.varlong(n);
        }),
      ).varlong(),
      n,
      `varlong ${String(n)}`,
    );
  }
  t.throws(
    () => new KafkaReader(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x1f])).uvarint(),
    ProtocolError,
    '> 32 bits',
  );
  t.throws(() => new KafkaReader(Uint8Array.from([0x80, 0x80])).uvarint(), ProtocolError, 'truncated');
  t.end();
});

void t.test('strings, bytes and arrays: classic and compact lengths, null', (t) => {
  t.equal(
    hex(
      written((w) => {
        w.nullableString('hé', false);
      }),
    ),
    '000368c3a9',
    'int16 length in UTF-8 bytes',
  );
  t.equal(
    hex(
      written((w) => {
        w.nullableString('hé', true);
      }),
    ),
    '0468c3a9',
    'compact: length + 1',
  );
  t.equal(
    hex(
      written((w) => {
        w.nullableString(null, false);
      }),
    ),
    'ffff',
  );
  t.equal(
    hex(
      written((w) => {
        w.nullableString(null, true);
      }),
    ),
    '00',
  );
  t.equal(
    hex(
      written((w) => {
        w.nullableBytes(null, false);
      }),
    ),
    'ffffffff',
  );
  t.equal(
    hex(
      written((w) => {
        w.arrayLength(-1, true);
      }),
    ),
    '00',
  );
  t.equal(new KafkaReader(Uint8Array.from([0xff, 0xff])).nullableString(false), null);
  t.throws(() => new KafkaReader(Uint8Array.from([0xff, 0xff])).string(false), ProtocolError, 'null where required');
  t.throws(
    () =>
      written((w) => {
        w.nullableString('€'.repeat(11000), false);
      }),
    ProtocolError,
    'over 32767 bytes',
  );
  t.throws(
    () => new KafkaReader(Uint8Array.from([0x7f, 0xff, 0xff, 0xff, 0])).arrayLength(false),
    ProtocolError,
    'a count the bytes cannot hold is refused before any allocation',
  );
  t.end();
});

void t.test("UUIDs in Kafka's base64url text form", (t) => {
  const bytes = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
  const text = uuidFromBytes(bytes);
  t.equal(text, Buffer.from(bytes).toString('base64url'));
  t.equal(
    hex(
      written((w) => {
        w.uuid(text);
      }),
    ),
    hex(bytes),
  );
  t.equal(uuidFromBytes(new Uint8Array(16)), ZERO_UUID);
  t.throws(
    () =>
      written((w) => {
        w.uuid('short');
      }),
    ProtocolError,
  );
  t.throws(
    () =>
      written((w) => {
        w.uuid('AAAAAAAAAAAAAAAAAAAAA!');
      }),
    ProtocolError,
  );
  t.end();
});

void t.test('a tagged field is sized after it is written, the size varint moving the data along', (t) => {
  const bytes = written((w) => {
    const at = w.beginTaggedField(5);
    w.raw(new Uint8Array(200).fill(7));
    w.endTaggedField(at);
    w.int8(1);
  });
  t.equal(hex(bytes.subarray(0, 3)), '05c801', 'tag 5, size 200 as a 2-byte varint');
  t.equal(bytes.byteLength, 3 + 200 + 1);
  t.equal(bytes[3 + 200], 1);
  t.end();
});

void t.test('ApiVersions answers with response header v0 even at flexible versions; others with v1 there', (t) => {
  t.equal(responseHeaderVersion('ApiVersions', 3), 0);
  t.equal(responseHeaderVersion('Metadata', 9), 1);
  t.equal(responseHeaderVersion('Metadata', 8), 0);
  const body = {
    errorCode: 0,
    apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }],
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1n,
    finalizedFeatures: [],
    zkMigrationReady: false,
  };
  const frame = Buffer.concat(encodeResponseFrame('ApiVersions', 3, 42, body));
  t.equal(frame.readInt32BE(0), frame.byteLength - 4, 'size prefix');
  t.equal(frame.readInt32BE(4), 42, 'correlation id');
  t.equal(frame[8], 0, 'then the body (error code), no header tagged fields');
  t.strictSame(decodeResponseFrame('ApiVersions', 3, frame.subarray(4)), { correlationId: 42, body });
  t.end();
});

void t.test('a Fetch response hands large record batches to the socket as they are stored', (t) => {
  const stored = new Uint8Array(16 * 1024).fill(9);
  const partition = {
    partitionIndex: 0,
    errorCode: 0,
    highWatermark: 10n,
    lastStableOffset: 10n,
    logStartOffset: 0n,
    divergingEpoch: { epoch: -1, endOffset: -1n },
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
    snapshotId: { endOffset: -1n, epoch: -1 },
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: stored,
  };
  const body = { throttleTimeMs: 0, errorCode: 0, sessionId: 0, nodeEndpoints: [], responses: [] };
  const topic = { topic: 'orders', topicId: ZERO_UUID, partitions: [partition] };
  const parts = encodeResponseFrame('Fetch', 11, 7, { ...body, responses: [topic] });
  t.ok(
    parts.some((p) => p === stored),
    'the stored bytes are one of the parts, not a copy',
  );
  const decoded = decodeResponseFrame('Fetch', 11, Buffer.concat(parts).subarray(4));
  t.equal(decoded.body.responses[0]?.partitions[0]?.records?.byteLength, stored.byteLength);
  t.end();
});
