/**
 * The generated Kafka codecs, every message at every version its definition declares: random messages (built from
 * the JSON by the tests' own walker) encode and decode back to the same message, and decoding then re-encoding gives
 * the same bytes. Truncated and random bytes fail with a ProtocolError, never a RangeError or another throw.
 */
import t from 'tap';
import { ProtocolError } from '../../../protocol/errors.js';
import { KafkaReader } from '../../../protocol/kafka-reader.js';
import { KafkaWriter } from '../../../protocol/kafka-writer.js';
import { KAFKA_APIS, REQUEST_CODECS, RESPONSE_CODECS, type KafkaApiName } from '../../../broker/kafka/messages/apis.js';
import { readRequestHeader, writeRequestHeader } from '../../../broker/kafka/messages/request-header.js';
import { readResponseHeader, writeResponseHeader } from '../../../broker/kafka/messages/response-header.js';
import { SampleMaker, comparable, loadSpecs } from './sample-messages.js';
import { SeededRandom } from '../client/helpers/manual-clock.js';

const specs = loadSpecs();
const SAMPLES_PER_VERSION = 25;

/** A generated codec seen from the tests, whose random messages are checked by shape rather than by type. */
interface AnyCodec {
  read: (r: KafkaReader, v: number) => unknown;
  write: (w: KafkaWriter, v: number, m: never) => void;
}

/** Every generated codec by message name. */
const codecs = new Map<string, AnyCodec>([
  ['RequestHeader', { read: readRequestHeader, write: writeRequestHeader }],
  ['ResponseHeader', { read: readResponseHeader, write: writeResponseHeader }],
]);
for (const api of Object.keys(KAFKA_APIS) as KafkaApiName[]) {
  codecs.set(`${api}Request`, REQUEST_CODECS[api]);
  codecs.set(`${api}Response`, RESPONSE_CODECS[api]);
}

function encode(codec: AnyCodec, v: number, message: unknown): Uint8Array {
  const w = new KafkaWriter();
  codec.write(w, v, message as never);
  return w.toBytes().slice();
}

function decode(codec: AnyCodec, v: number, bytes: Uint8Array): { message: unknown; left: number } {
  const r = new KafkaReader(bytes);
  const message: unknown = codec.read(r, v);
  return { message, left: r.remaining };
}

function versions(name: string): number[] {
  const spec = specs.get(name);
  if (spec === undefined) throw new Error(name);
  const out: number[] = [];
  for (let v = spec.validVersions.lowest; v <= spec.validVersions.highest; v++) out.push(v);
  return out;
}

void t.test('a codec exists for every vendored definition and every API has a request and a response', (t) => {
  t.strictSame([...codecs.keys()].sort(), [...specs.keys()].sort());
  t.equal(Object.keys(KAFKA_APIS).length, 27, 'the 27 APIs of issue 12');
  t.end();
});

void t.test('every message at every version: encode -> decode -> encode', async (t) => {
  let seed = 1;
  for (const [name, codec] of codecs) {
    const spec = specs.get(name);
    if (spec === undefined) throw new Error(name);
    await t.test(name, (t) => {
      const failures: string[] = [];
      for (const v of versions(name)) {
        const maker = new SampleMaker(spec, seed++);
        for (let i = 0; i < SAMPLES_PER_VERSION; i++) {
          const message = maker.message(v);
          const bytes = encode(codec, v, message);
          const { message: decoded, left } = decode(codec, v, bytes);
          if (left !== 0) failures.push(`v${String(v)}: ${String(left)} bytes left after decoding`);
          const same = JSON.stringify(comparable(decoded), bigints) === JSON.stringify(comparable(message), bigints);
          if (!same) failures.push(`v${String(v)} sample ${String(i)}: decoded message differs`);
          const again = encode(codec, v, decoded);
          if (Buffer.compare(again, bytes) !== 0) failures.push(`v${String(v)} sample ${String(i)}: bytes differ`);
        }
      }
      t.strictSame(failures, [], `${String(versions(name).length)} versions round-trip`);
      t.end();
    });
  }
});

void t.test('a field a version lacks cannot be sent with a non-default value (as Kafka refuses)', (t) => {
  const codec = REQUEST_CODECS.Produce;
  const m = { transactionalId: 'tx', acks: -1, timeoutMs: 1000, topicData: [] };
  t.throws(() => encode(codec, 2, m), ProtocolError, 'TransactionalId is v3+');
  t.doesNotThrow(() => encode(codec, 3, m), 'v3 carries it');
  t.end();
});

void t.test('every strict prefix of a message fails with a ProtocolError', async (t) => {
  let seed = 1000;
  for (const [name, codec] of codecs) {
    const spec = specs.get(name);
    if (spec === undefined) throw new Error(name);
    await t.test(name, (t) => {
      const wrong: string[] = [];
      for (const v of versions(name)) {
        const bytes = encode(codec, v, new SampleMaker(spec, seed++).message(v));
        for (let n = 0; n < bytes.byteLength; n += n < 200 ? 1 : 61) {
          try {
            decode(codec, v, bytes.subarray(0, n));
            wrong.push(`v${String(v)}: ${String(n)} of ${String(bytes.byteLength)} bytes decoded`);
          } catch (err) {
            if (!(err instanceof ProtocolError)) wrong.push(`v${String(v)}: ${String(n)} bytes threw ${String(err)}`);
          }
        }
      }
      t.strictSame(wrong, []);
      t.end();
    });
  }
});

void t.test('random bytes decode or fail with a ProtocolError, for every message and version', (t) => {
  const rng = new SeededRandom(7);
  const wrong: string[] = [];
  for (const [name, codec] of codecs) {
    for (const v of versions(name)) {
      for (let i = 0; i < 40; i++) {
        const bytes = Uint8Array.from({ length: Math.floor(rng.next() * 64) }, () => Math.floor(rng.next() * 256));
        try {
          decode(codec, v, bytes);
        } catch (err) {
          if (!(err instanceof ProtocolError)) wrong.push(`${name} v${String(v)}: ${String(err)}`);
        }
      }
    }
  }
  t.strictSame(wrong, [], 'no RangeError, TypeError or other throw');
  t.end();
});

function bigints(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `${value.toString()}n` : value;
}
