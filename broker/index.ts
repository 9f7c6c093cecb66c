/**
 * Embedded mode (`import { startBroker } from 'brook/broker'`): run a broker inside your own Node process. It logs
 * nothing unless asked (`logLevel: 'info'` for the JSON lines `brook broker` prints), so it stays out of the
 * output of the tests and programs that embed it.
 *
 * ```ts
 * const broker = await startBroker({ dataDir: '/var/lib/brook', port: 0, wsPort: 0, kafkaPort: 0 });
 * console.log(broker.tcpPort, broker.wsPort);
 * await broker.close();
 * ```
 */
import { Broker, type BrokerDeps } from './broker.js';
import type { BrokerConfigInput } from './config.js';

export { Broker, type BrokerDeps } from './broker.js';
export {
  ConfigError,
  DEFAULT_CONFIG,
  resolveConfig,
  sessionLimits,
  type BrokerConfig,
  type BrokerConfigInput,
  type FlushSetting,
  type LogLevel,
} from './config.js';

/** The embedded broker's default log level: a library does not write to its host program's stdout unasked. */
const EMBEDDED_LOG_LEVEL = 'silent';

/**
 * Starts a broker with `options` over the defaults (see BrokerConfig) and resolves once it listens.
 * Without `dataDir` the broker keeps its data in `./data` under the current working directory; pass a directory
 * of your own (tests: a temp dir, with `port: 0`, `wsPort: 0` and `kafkaPort: 0` for free ports). Call `close()` to stop it.
 * Unlike `brook broker` (default `info`), the embedded broker's `logLevel` defaults to `'silent'`.
 */
export function startBroker(options: BrokerConfigInput = {}, deps: BrokerDeps = {}): Promise<Broker> {
  return Broker.start({ ...options, logLevel: options.logLevel ?? EMBEDDED_LOG_LEVEL }, deps);
}
