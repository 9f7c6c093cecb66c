/**
 * The Brook client for Node: Producer, Consumer and Admin over TCP (`host:port`) or WebSocket (`ws://`, `wss://`,
 * through the `ws` package). For browsers import `brook/browser`, which has the same API over WebSocket only.
 */
import { AdminCore } from './admin.js';
import { ConsumerCore } from './consumer/consumer.js';
import type { ConsumerOptions } from './consumer/options.js';
import type { ClientOptions } from './options.js';
import { nodePlatform } from './platform-node.js';
import type { ProducerOptions } from './producer/options.js';
import { ProducerCore } from './producer/producer.js';

export * from './exports.js';
export { openTcpTransport } from './transport/tcp.js';

/** Sends records of type T (encoded by `options.codec`, JSON by default). See {@link ProducerOptions}. */
export class Producer<T = unknown> extends ProducerCore<T> {
  constructor(options: ProducerOptions<T>) {
    super(options, nodePlatform);
  }
}

/** Reads records of type T (decoded by `options.codec`, JSON by default). See {@link ConsumerOptions}. */
export class Consumer<T = unknown> extends ConsumerCore<T> {
  constructor(options: ConsumerOptions<T>) {
    super(options, nodePlatform);
  }
}

/** Creates, deletes, lists and describes topics; looks up offsets. */
export class Admin extends AdminCore {
  constructor(options: ClientOptions) {
    super(options, nodePlatform);
  }
}
