/** Client options wired to a fake broker and a manual clock. */
import { crc32c } from '../../../../protocol/index.js';
import {
  resolveClientOptions,
  type ClientOptions,
  type Platform,
  type ResolvedClientOptions,
} from '../../../../client/options.js';
import { nodePlatform } from '../../../../client/platform-node.js';
import type { FakeBroker } from './fake-broker.js';
import { fixedRandom, type ManualClock } from './manual-clock.js';

/** A platform that must never be asked for a transport: tests always pass one. */
export const noPlatform: Platform = {
  transportFor: () => {
    throw new Error('tests must pass a transport');
  },
  checksum: crc32c,
  compression: nodePlatform.compression,
};

/** ClientOptions for a fake broker: no jitter (random 0.5), the manual clock. */
export function clientOptions(
  broker: FakeBroker,
  clock: ManualClock,
  extra: Partial<ClientOptions> = {},
): ClientOptions {
  return { bootstrap: 'fake:1', transport: broker.factory, clock, random: fixedRandom(0.5), ...extra };
}

export function resolved(
  broker: FakeBroker,
  clock: ManualClock,
  extra: Partial<ClientOptions> = {},
): ResolvedClientOptions {
  return resolveClientOptions(clientOptions(broker, clock, extra), noPlatform);
}
