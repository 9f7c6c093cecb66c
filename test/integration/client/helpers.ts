/** A real embedded broker on 127.0.0.1 port 0 in a temp dir, closed in teardown, and a condition waiter. */
import type { Test } from 'tap';
import { startBroker, type Broker, type BrokerConfigInput } from '../../../broker/index.js';
export { tempDir } from '../../helpers/temp-dir.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** Starts a broker (closed in teardown). */
export async function startTestBroker(t: Test, config: BrokerConfigInput = {}): Promise<Broker> {
  const broker = await startBroker({
    dataDir: tempDir(t),
    port: 0,
    wsPort: 0,
    kafkaPort: 0,
    logLevel: 'silent',
    ...config,
  });
  t.teardown(() => broker.close());
  return broker;
}

/** Registers `close` of each client for teardown. */
export function closeAtEnd(t: Test, ...clients: { close(): Promise<void> }[]): void {
  t.teardown(() => Promise.all(clients.map((c) => c.close())).then(() => undefined));
}
