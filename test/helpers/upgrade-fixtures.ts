/**
 * What the upgrade tests share: where the committed data directories of older releases are (test/fixtures/data-v<n>,
 * each with a README saying what was written), and reading a whole topic back from a broker started on a copy.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Consumer, stringCodec, type ConsumerRecord } from '../../client/index.js';
import { consumeToOffsets } from './consume.js';

/** The fixture directory of storage schema `version` (`test/fixtures/data-v<version>`). */
export function fixturesOf(version: number): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', `data-v${String(version)}`);
}

/** Reads every record of `topic` from the earliest offset until each partition's position reaches `ends[partition]`. */
export async function readTopic(
  bootstrap: string,
  topic: string,
  ends: readonly number[],
): Promise<ConsumerRecord<string>[]> {
  const consumer = new Consumer<string>({ bootstrap, codec: stringCodec(), from: 'earliest' });
  try {
    await consumer.assign(topic);
    return await consumeToOffsets(consumer, topic, ends);
  } finally {
    await consumer.close();
  }
}
