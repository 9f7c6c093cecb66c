/**
 * Inter-broker transport for Raft messages, on its own listener (never the client port).
 *
 * Every broker dials every other broker and only SENDS on that connection; it only RECEIVES on connections it
 * accepted. A link i->j therefore carries i's messages to j alone, and cutting it one way is just dropping it.
 * The driver queues envelopes of all its groups with {@link PeerTransport.send} during a tick and calls
 * {@link PeerTransport.flush} once: each peer gets one frame holding everything queued for it.
 *
 * Nothing is buffered for a peer that cannot take it: at flush, the queue of a peer that is not connected, or
 * whose socket already holds more than `maxBufferedBytes`, is dropped and `onUnreachable` reports it. Raft
 * retransmits what matters, and a broker never grows memory for a peer that is away.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { systemRuntime, type Runtime } from '../clock.js';
import type { Logger } from '../logger.js';
import { LENGTH_PREFIX_BYTES } from '../../protocol/frame.js';
import { Backoff } from './peer-backoff.js';
import { encodeEnvelopes, type PeerEnvelope } from './peer-codec.js';
import { PeerInbound } from './peer-inbound.js';
import { PeerLink, type PeerAddress } from './peer-link.js';
import { PeerOutbox, splitIntoFrames } from './peer-outbox.js';
import { emptyPeerStats, type PeerTransportStats } from './peer-stats.js';
import { peerServerOptions, type PeerTls } from './peer-tls.js';

export type { OpaquePayload, PeerEnvelope, PeerHello } from './peer-codec.js';
export type { PeerAddress } from './peer-link.js';
export type { PeerTransportStats } from './peer-stats.js';

/** Options of {@link PeerTransport}. */
export interface PeerTransportOptions {
  /** This broker's id (a positive integer). */
  readonly selfId: number;
  /**
   * This broker's cluster id, asked at each hello: it is learned after start in a new cluster (cluster-id.ts).
   * Connections greeting with another id are closed.
   */
  readonly clusterId: () => string;
  /** Every broker of the cluster; an entry for `selfId` is ignored. */
  readonly peers: readonly PeerAddress[];
  /** Address the peer listener binds. */
  readonly listenHost: string;
  /** Port the peer listener binds; 0 picks a free one (read it back from {@link PeerTransport.start}). */
  readonly listenPort: number;
  /**
   * Accept connections from brokers not in `peers` (with the right cluster id): a broker joining the cluster
   * greets before anyone knows its address. Until it is in `peers`, only its `join` requests are delivered.
   * Default false.
   */
  readonly acceptUnknownPeers?: boolean | undefined;
  /** Called once per received frame with its envelopes, in the order the sender queued them. */
  onEnvelopes(from: number, envelopes: readonly PeerEnvelope[]): void;
  /** Called at flush for each peer whose queued envelopes were dropped (not connected, or backpressure). */
  onUnreachable?: ((peer: number) => void) | undefined;
  /** Largest frame payload sent or accepted, in bytes. Default 64 MiB. */
  readonly maxFrameBytes?: number | undefined;
  /** A peer socket holding more unsent bytes than this drops further flushes until it drains. Default 32 MiB. */
  readonly maxBufferedBytes?: number | undefined;
  /** First redial delay after a link fails, in ms (jittered down to half). Default 50. */
  readonly reconnectMinMs?: number | undefined;
  /** Largest redial delay, in ms (jittered down to half). Default 1000. */
  readonly reconnectMaxMs?: number | undefined;
  /** A dial not connected after this long is retried, in ms. Default 2000. */
  readonly connectTimeoutMs?: number | undefined;
  /** An accepted connection that sends no hello for this long is closed, in ms. Default 10 000. */
  readonly helloTimeoutMs?: number | undefined;
  /**
   * Monotonic time (how long a link stayed up), redial timers and the jitter of redial delays. Default: the real
   * clock and timers, and a randomly seeded source.
   */
  readonly runtime?: Runtime | undefined;
  /**
   * Mutual TLS on both halves: the listener requires a certificate from the CA naming the broker a connection greets
   * as, and links check that the peer's names the broker dialled (peer-tls.ts). Default: plaintext.
   */
  readonly tls?: PeerTls | undefined;
  /**
   * A cluster secret both ends of every connection prove they hold, by HMAC over nonces from both sides, before
   * anything else is delivered or sent (peer-secret.ts). Default: none.
   */
  readonly secret?: Uint8Array | undefined;
  readonly logger?: Logger | undefined;
}

const MIB = 1024 * 1024;

function checkPositiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** Peers other than `selfId`, by id; throws on invalid or duplicate ids. */
function peersById(peers: readonly PeerAddress[], selfId: number): Map<number, PeerAddress> {
  const byId = new Map<number, PeerAddress>();
  for (const peer of peers) {
    checkPositiveInteger('peer id', peer.id);
    if (byId.has(peer.id)) throw new RangeError(`peer ${String(peer.id)} listed twice`);
    if (peer.id !== selfId) byId.set(peer.id, { id: peer.id, host: peer.host, port: peer.port });
  }
  return byId;
}

export class PeerTransport {
  /** Counters for metrics; updated in place. */
  readonly stats: Readonly<PeerTransportStats> = emptyPeerStats();
  private readonly counters = this.stats as PeerTransportStats;
  private readonly maxFrameBytes: number;
  private readonly maxBufferedBytes: number;
  private readonly runtime: Runtime;
  private peers: Map<number, PeerAddress>;
  private readonly links = new Map<number, PeerLink>();
  private readonly accepted = new Set<PeerInbound>();
  /** The live accepted connection of each greeted peer. */
  private readonly inboundByPeer = new Map<number, PeerInbound>();
  private readonly outbox = new PeerOutbox();
  private server: Server | undefined;
  private started = false;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: PeerTransportOptions) {
    checkPositiveInteger('selfId', options.selfId);
    this.maxFrameBytes = checkPositiveInteger('maxFrameBytes', options.maxFrameBytes ?? 64 * MIB);
    this.maxBufferedBytes = checkPositiveInteger('maxBufferedBytes', options.maxBufferedBytes ?? 32 * MIB);
    this.runtime = options.runtime ?? systemRuntime();
    this.peers = peersById(options.peers, options.selfId);
    for (const address of this.peers.values()) this.links.set(address.id, this.createLink(address));
  }

  /** Starts the listener, then dials every peer. Resolves with the listening port. */
  async start(): Promise<number> {
    if (this.closing !== undefined) throw new Error('peer transport is closed');
    if (this.started) throw new Error('peer transport already started');
    this.started = true;
    const { tls } = this.options;
    const server =
      tls === undefined
        ? createServer({ noDelay: true })
        : createTlsServer({ ...peerServerOptions(tls), noDelay: true });
    this.server = server;
    if (tls !== undefined) {
      server.on('tlsClientError', (err: Error, socket: Socket) => {
        this.options.logger?.warn(
          { err, remote: `${socket.remoteAddress ?? 'unknown'}:${String(socket.remotePort ?? 0)}` },
          'peer TLS handshake failed',
        );
      });
    }
    server.on(tls === undefined ? 'connection' : 'secureConnection', (socket: Socket) => {
      if (this.closing !== undefined) {
        socket.destroy();
        return;
      }
      const inbound = new PeerInbound(socket, {
        clusterId: this.options.clusterId,
        maxFrameBytes: this.maxFrameBytes,
        helloTimeoutMs: this.options.helloTimeoutMs ?? 10_000,
        isKnownPeer: (id) => this.peers.has(id),
        acceptsStrangers: this.options.acceptUnknownPeers === true,
        onGreeted: (from, greeted) => {
          this.onGreeted(from, greeted);
        },
        onEnvelopes: (from, envelopes) => {
          this.options.onEnvelopes(from, envelopes);
        },
        stats: this.counters,
        secret: this.options.secret,
        logger: this.options.logger,
      });
      this.accepted.add(inbound);
      socket.once('close', () => {
        this.accepted.delete(inbound);
        if (this.inboundByPeer.get(inbound.from) === inbound) this.inboundByPeer.delete(inbound.from);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.listenPort, this.options.listenHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.options.logger?.error({ err }, 'peer listener error'));
    const port = (server.address() as AddressInfo).port;
    // close() may have been called while binding: its server.close() found nothing to close yet.
    if (this.isClosing()) server.close();
    else for (const link of this.links.values()) link.start();
    return port;
  }

  /** Queues `envelope` for peer `to` until the next {@link flush}. Never throws. */
  send(to: number, envelope: PeerEnvelope): void {
    if (this.closing !== undefined) {
      this.counters.dropped++;
      return;
    }
    this.outbox.add(to, envelope);
  }

  /**
   * Sends everything queued since the last flush: one frame per peer (more only if a peer's envelopes exceed
   * maxFrameBytes). Queues of peers that cannot take them are dropped and reported to `onUnreachable`, once per
   * peer, after every reachable peer was written to.
   */
  flush(): void {
    const unreachable: number[] = [];
    for (const [to, envelopes] of this.outbox.takeAll()) {
      const link = this.links.get(to);
      if (link?.isConnected !== true || link.bufferedBytes() > this.maxBufferedBytes) {
        this.counters.dropped += envelopes.length;
        unreachable.push(to);
        continue;
      }
      const { frames, oversized } = splitIntoFrames(envelopes, this.maxFrameBytes);
      if (oversized.length > 0) {
        // Raft's per-message size limit is meant to stay far below maxFrameBytes: this is a configuration bug.
        this.counters.dropped += oversized.length;
        this.options.logger?.error(
          { peer: to, envelopes: oversized.length, maxFrameBytes: this.maxFrameBytes },
          'peer envelope larger than a frame dropped',
        );
      }
      const encoded: Uint8Array[] = [];
      for (const frame of frames) {
        const bytes = encodeEnvelopes(frame);
        // Only an opaque payload far above its expected size can get here; the receiver would close the link.
        if (bytes.byteLength - LENGTH_PREFIX_BYTES <= this.maxFrameBytes) encoded.push(bytes);
        else {
          this.counters.dropped += frame.length;
          this.options.logger?.error(
            { peer: to, frameBytes: bytes.byteLength },
            'peer frame above maxFrameBytes dropped',
          );
        }
      }
      link.write(encoded);
    }
    for (const peer of unreachable) this.options.onUnreachable?.(peer);
  }

  /**
   * Replaces the set of brokers (a broker joined, left or moved). New peers are dialled; links to removed or
   * moved peers are closed, and so are accepted connections from removed ones. Throws on invalid or duplicate ids.
   */
  setPeers(peers: readonly PeerAddress[]): void {
    const next = peersById(peers, this.options.selfId);
    if (this.closing !== undefined) return;
    for (const [id, link] of this.links) {
      const address = next.get(id);
      if (address?.host !== link.address.host || address.port !== link.address.port) {
        void link.close();
        this.links.delete(id);
      }
    }
    for (const [id, inbound] of this.inboundByPeer) if (!next.has(id)) void inbound.close();
    this.peers = next;
    for (const address of next.values()) {
      if (this.links.has(address.id)) continue;
      const link = this.createLink(address);
      this.links.set(address.id, link);
      if (this.started) link.start();
    }
  }

  /** Ids of peers whose outbound link is connected, ascending. */
  connectedPeers(): number[] {
    const ids: number[] = [];
    for (const [id, link] of this.links) if (link.isConnected) ids.push(id);
    return ids.sort((a, b) => a - b);
  }

  /** Closes the listener and every socket, cancels redials; queued envelopes are dropped. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.counters.dropped += this.outbox.size;
    this.outbox.takeAll();
    const socketsClosed = [...this.links.values()].map((link) => link.close());
    for (const inbound of this.accepted) socketsClosed.push(inbound.close());
    const server = this.server;
    if (server !== undefined) {
      socketsClosed.push(
        new Promise<void>((resolve) => {
          server.close(() => {
            resolve();
          });
        }),
      );
    }
    await Promise.all(socketsClosed);
  }

  private isClosing(): boolean {
    return this.closing !== undefined;
  }

  private onGreeted(from: number, inbound: PeerInbound): void {
    const previous = this.inboundByPeer.get(from);
    // A peer dials one connection at a time: a new hello means it gave up on the old one, which may be half-open.
    if (previous !== undefined && previous !== inbound) void previous.close();
    this.inboundByPeer.set(from, inbound);
  }

  private createLink(address: PeerAddress): PeerLink {
    const minMs = this.options.reconnectMinMs ?? 50;
    const maxMs = this.options.reconnectMaxMs ?? 1000;
    return new PeerLink({
      selfId: this.options.selfId,
      clusterId: this.options.clusterId,
      address,
      backoff: new Backoff({ minMs, maxMs, rng: this.runtime.rng }),
      connectTimeoutMs: this.options.connectTimeoutMs ?? 2000,
      stableAfterMs: maxMs,
      stats: this.counters,
      clock: this.runtime.monotonic,
      timers: this.runtime.timers,
      tls: this.options.tls,
      secret: this.options.secret,
      logger: this.options.logger,
    });
  }
}
