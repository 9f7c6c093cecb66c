/**
 * A TCP proxy for ONE directed peer link (broker i dials broker j through it), with faults switchable at run time:
 * pass, drop (blackhole), delay, reset. The chaos suite puts one on every peer link and partitions the network by
 * setting their modes.
 *
 * Streams stay whole or die: a peer link carries length-prefixed frames, and a real network never loses bytes from
 * the middle of a TCP stream. So a connection that had bytes discarded (drop) is destroyed when the proxy heals,
 * and a delayed connection whose queue would pass `maxQueuedBytes` is reset; what reaches the target is always a
 * prefix of what was sent. Memory is bounded in every mode: pass mode keeps TCP backpressure (the source is paused
 * while the destination is full), drop discards, delay caps its queue.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

/** What the proxy does with traffic (both directions of every connection). */
export type ProxyMode =
  | { readonly kind: 'pass' }
  /** Accept and read, forward nothing (a blackhole). New connections are accepted and never reach the target. */
  | { readonly kind: 'drop' }
  /** Forward each chunk `delayMs` after it arrived, in order. */
  | { readonly kind: 'delay'; readonly delayMs: number }
  /** Destroy current connections (TCP RST) and reset new ones at once, until healed. */
  | { readonly kind: 'reset' };

/** Options of {@link FaultProxy.start}. */
export interface FaultProxyOptions {
  /** The port connections are forwarded to (on `targetHost`). */
  readonly targetPort: number;
  /** Default `127.0.0.1`. */
  readonly targetHost?: string;
  /**
   * Most bytes a delayed direction of one connection may hold; one more chunk resets the connection. Default 8 MiB.
   */
  readonly maxQueuedBytes?: number;
  /** A name for diagnostics, e.g. `1->2`. Default `proxy`. */
  readonly name?: string;
}

/** Counters since the proxy started. */
export interface ProxyStats {
  /** Connections accepted on the listening port. */
  accepted: number;
  /** Connections destroyed by the proxy (reset mode, heal after drop, queue over its cap). */
  resets: number;
  /** Bytes written to either side. */
  forwardedBytes: number;
  /** Bytes read and discarded in drop mode. */
  droppedBytes: number;
}

const DEFAULT_MAX_QUEUED_BYTES = 8 * 1024 * 1024;

interface Delayed {
  readonly dueMs: number;
  readonly chunk: Buffer;
}

/** One direction of a proxied connection: bytes read from `from` are written to `to`. */
class Direction {
  readonly queue: Delayed[] = [];
  queuedBytes = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly link: ProxiedConnection,
  ) {
    from.on('data', (chunk: Buffer) => {
      this.onChunk(chunk);
    });
    // Writes before the target accepted are buffered by Node, bounded like any other by the pause in write().
    to.on('drain', () => {
      from.resume();
    });
  }

  private onChunk(chunk: Buffer): void {
    const proxy = this.link.proxy;
    const mode = proxy.mode;
    if (mode.kind === 'reset') return; // the connection is being destroyed
    if (mode.kind === 'drop' || this.link.blackholed) {
      this.link.tainted = true;
      proxy.stats.droppedBytes += chunk.byteLength;
      return;
    }
    const delayMs = mode.kind === 'delay' ? mode.delayMs : 0;
    // Once anything is queued, later chunks queue behind it whatever the mode: order is kept.
    if (delayMs === 0 && this.queue.length === 0) {
      this.write(chunk);
      return;
    }
    // What the destination has not taken yet counts too: a delayed stream to a reader that stopped stays bounded.
    if (this.queuedBytes + this.to.writableLength + chunk.byteLength > proxy.maxQueuedBytes) {
      this.link.destroy();
      return;
    }
    this.queue.push({ dueMs: Date.now() + delayMs, chunk });
    this.queuedBytes += chunk.byteLength;
    this.schedule();
  }

  private write(chunk: Buffer): void {
    this.link.proxy.stats.forwardedBytes += chunk.byteLength;
    if (!this.to.write(chunk)) this.from.pause();
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    const head = this.queue[0];
    if (head === undefined) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.flushDue();
      },
      Math.max(0, head.dueMs - Date.now()),
    );
  }

  private flushDue(): void {
    const nowMs = Date.now();
    for (;;) {
      const head = this.queue[0];
      if (head === undefined || head.dueMs > nowMs) break;
      this.queue.shift();
      this.queuedBytes -= head.chunk.byteLength;
      this.write(head.chunk);
    }
    if (this.queue.length > 0) this.schedule();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    this.queuedBytes = 0;
  }
}

/** A client connection and its connection to the target. */
class ProxiedConnection {
  /** Set when bytes were discarded: the streams have a hole, so the connection must not carry data again. */
  tainted = false;
  /** Accepted in drop mode: never connected to the target. */
  readonly blackholed: boolean;
  private readonly directions: Direction[] = [];
  private destroyed = false;

  constructor(
    readonly proxy: FaultProxy,
    private readonly client: Socket,
    private readonly upstream: Socket | undefined,
  ) {
    this.blackholed = upstream === undefined;
    for (const socket of [client, upstream]) {
      if (socket === undefined) continue;
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.destroy(false);
      });
    }
    if (upstream === undefined) {
      client.on('data', (chunk: Buffer) => {
        this.tainted = true;
        proxy.stats.droppedBytes += chunk.byteLength;
      });
      return;
    }
    this.directions.push(new Direction(client, upstream, this), new Direction(upstream, client, this));
  }

  /** Bytes this connection holds: its delay queues and what its sockets have not written yet. */
  heldBytes(): number {
    let total = 0;
    for (const direction of this.directions) total += direction.queuedBytes;
    for (const socket of [this.client, this.upstream]) total += socket?.writableLength ?? 0;
    return total;
  }

  /** Closes both sides; `reset` sends a TCP RST instead of a FIN (what a broken network looks like to a peer). */
  destroy(reset = true): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (reset) this.proxy.stats.resets++;
    for (const direction of this.directions) direction.stop();
    for (const socket of [this.client, this.upstream]) {
      if (socket === undefined || socket.destroyed) continue;
      if (reset) socket.resetAndDestroy();
      else socket.destroy();
    }
    this.proxy.forget(this);
  }
}

/** A fault-injecting TCP proxy for one directed link. Create with {@link FaultProxy.start}. */
export class FaultProxy {
  /** Counters since start. */
  readonly stats: ProxyStats = { accepted: 0, resets: 0, forwardedBytes: 0, droppedBytes: 0 };
  /** See {@link FaultProxyOptions.maxQueuedBytes}. */
  readonly maxQueuedBytes: number;
  /** See {@link FaultProxyOptions.name}. */
  readonly name: string;
  private currentMode: ProxyMode = { kind: 'pass' };
  private readonly connections = new Set<ProxiedConnection>();
  private targetPort: number;
  private readonly targetHost: string;
  private closed = false;

  private constructor(
    private readonly server: Server,
    /** The port the proxy listens on (127.0.0.1). */
    readonly port: number,
    options: FaultProxyOptions,
  ) {
    this.targetPort = options.targetPort;
    this.targetHost = options.targetHost ?? '127.0.0.1';
    this.maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
    this.name = options.name ?? 'proxy';
    server.on('connection', (socket) => {
      this.accept(socket);
    });
  }

  /** Listens on 127.0.0.1, port 0, in pass mode. */
  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy: no TCP address');
    return new FaultProxy(server, address.port, options);
  }

  /** `127.0.0.1:<port>`: the address the dialing side uses. */
  get address(): string {
    return `127.0.0.1:${String(this.port)}`;
  }

  /** The current mode. */
  get mode(): ProxyMode {
    return this.currentMode;
  }

  /** Open proxied connections. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Bytes the proxy holds right now (delay queues and socket write buffers): what bounded memory bounds. */
  get heldBytes(): number {
    let total = 0;
    for (const connection of this.connections) total += connection.heldBytes();
    return total;
  }

  /** Forwards new connections to another target port (existing connections keep theirs). */
  retarget(port: number): void {
    this.targetPort = port;
  }

  /** Switches mode. Connections that lost bytes to drop mode are destroyed when the mode forwards again. */
  setMode(mode: ProxyMode): void {
    if (mode.kind === 'delay' && !(Number.isFinite(mode.delayMs) && mode.delayMs >= 0)) {
      throw new RangeError(`delayMs must be a finite number >= 0, got ${String(mode.delayMs)}`);
    }
    this.currentMode = mode;
    if (mode.kind === 'reset') {
      for (const connection of [...this.connections]) connection.destroy();
    }
    // Any mode that forwards again must not forward a stream with a hole in it.
    if (mode.kind !== 'drop') this.destroyTainted();
  }

  /** Forwards everything (backpressure kept). */
  pass(): void {
    this.setMode({ kind: 'pass' });
  }

  /** Blackhole: reads and discards both directions; nothing reaches the target. */
  drop(): void {
    this.setMode({ kind: 'drop' });
  }

  /** Delays every chunk by `delayMs`, in order. */
  delay(delayMs: number): void {
    this.setMode({ kind: 'delay', delayMs });
  }

  /** Resets every connection now and every new one until healed. */
  reset(): void {
    this.setMode({ kind: 'reset' });
  }

  /**
   * Back to pass. Connections that lost bytes to drop mode are destroyed (their streams have a hole); chunks still
   * in a delay queue are delivered at their due time, before anything newer.
   */
  heal(): void {
    this.pass();
  }

  /** Stops listening and destroys every connection and timer. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const connection of [...this.connections]) connection.destroy(false);
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  /** Called by a connection once it is gone. */
  forget(connection: ProxiedConnection): void {
    this.connections.delete(connection);
  }

  private destroyTainted(): void {
    for (const connection of [...this.connections]) {
      if (connection.tainted || connection.blackholed) connection.destroy();
    }
  }

  private accept(client: Socket): void {
    this.stats.accepted++;
    client.setNoDelay(true);
    if (this.closed || this.currentMode.kind === 'reset') {
      this.stats.resets++;
      client.on('error', () => undefined);
      client.resetAndDestroy();
      return;
    }
    const upstream =
      this.currentMode.kind === 'drop'
        ? undefined
        : connect({ port: this.targetPort, host: this.targetHost, noDelay: true });
    this.connections.add(new ProxiedConnection(this, client, upstream));
  }
}
