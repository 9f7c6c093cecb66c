/**
 * The Brook client for browsers: the same Producer, Consumer and Admin as the Node entry point, over the global
 * WebSocket only (`ws://` or `wss://` bootstraps). Imports no Node built-ins.
 */
import { AdminCore } from './admin.js';
import { ConsumerCore } from './consumer/consumer.js';
import type { ConsumerOptions } from './consumer/options.js';
import type { ClientOptions } from './options.js';
import { browserPlatform } from './platform-browser.js';
import type { ProducerOptions } from './producer/options.js';
import { ProducerCore } from './producer/producer.js';

export * from './exports.js';

/** Sends records of type T (encoded by `options.codec`, JSON by default). See {@link ProducerOptions}. */
export class Producer<T = unknown> extends ProducerCore<T> {
  constructor(options: ProducerOptions<T>) {
    super(options, browserPlatform);
  }
}

/** Reads records of type T (decoded by `options.codec`, JSON by default). See {@link ConsumerOptions}. */
export class Consumer<T = unknown> extends ConsumerCore<T> {
  constructor(options: ConsumerOptions<T>) {
    super(options, browserPlatform);
  }
}

/** Creates, deletes, lists and describes topics; looks up offsets. */
export class Admin extends AdminCore {
  constructor(options: ClientOptions) {
    super(options, browserPlatform);
  }
}
