/**
 * The outbound half of a peer link: dials one peer, greets it, and from then on only writes to it. When the
 * connection fails or closes it redials after a jittered, growing delay until {@link PeerLink.close}.
 */
import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { Clock, TimerHandle, Timers } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Backoff } from './peer-backoff.js';
import { LengthPrefixSplitter } from '../../protocol/length-prefix.js';
import { decodeChallenge, encodeHello, encodeProof, type PeerChallenge } from './peer-codec.js';
import { handshakeProof, newNonce, proofMatches, type HandshakeFacts } from './peer-secret.js';
import type { PeerTransportStats } from './peer-stats.js';
import { peerDialOptions, type PeerTls } from './peer-tls.js';

/** Where a broker listens for its peers. */
export interface PeerAddress {
  readonly id: number;
  readonly host: string;
  readonly port: number;
}

/** Options of {@link PeerLink}. */
export interface PeerLinkOptions {
  readonly selfId: number;
  /** This broker's cluster id now, read at each dial (empty while not learned yet: cluster-id.ts). */
  readonly clusterId: () => string;
  readonly address: PeerAddress;
  readonly backoff: Backoff;
  /** A dial that has not connected after this long (ms) is abandoned and retried. */
  readonly connectTimeoutMs: number;
  /**
   * A connection that stayed up this long (ms) resets the backoff. A peer that accepts and then closes at once
   * (say, it rejects our hello) so keeps being retried ever more slowly instead of every `minMs`.
   */
  readonly stableAfterMs: number;
  /** Where written bytes and frames are counted. */
  readonly stats: PeerTransportStats;
  /** Monotonic time (how long a connection stayed up). */
  readonly clock: Clock;
  /** Schedules redials. */
  readonly timers: Timers;
  /** Dial over mutual TLS with this material; the peer's certificate must name it. Default: plaintext. */
  readonly tls?: PeerTls | undefined;
  /** Prove, and make the peer prove, that both hold this cluster secret (peer-secret.ts). Default: none. */
  readonly secret?: Uint8Array | undefined;
  readonly logger?: Logger | undefined;
}

/** The largest challenge frame a dialler reads (a challenge is two short byte strings). */
const CHALLENGE_MAX_BYTES = 1024;

export class PeerLink {
  private socket: Socket | undefined;
  private connected = false;
  private closed = false;
  private connectedAtMs = 0;
  private retryTimer: TimerHandle | undefined;

  constructor(private readonly options: PeerLinkOptions) {}

  get address(): PeerAddress {
    return this.options.address;
  }

  /** Connected and greeted: writes now reach the peer (unless the link breaks before they are flushed). */
  get isConnected(): boolean {
    return this.connected;
  }

  /** Bytes written but not yet taken by the kernel. */
  bufferedBytes(): number {
    return this.socket?.writableLength ?? 0;
  }

  /** Starts dialling. */
  start(): void {
    if (!this.closed && this.socket === undefined && this.retryTimer === undefined) this.dial();
  }

  /** Writes frames; the caller checks {@link isConnected} first. Several frames go out in one system call. */
  write(frames: readonly Uint8Array[]): void {
    const socket = this.socket;
    if (socket === undefined || !this.connected) return;
    let bytes = 0;
    if (frames.length > 1) socket.cork();
    for (const frame of frames) {
      socket.write(frame);
      bytes += frame.byteLength;
    }
    if (frames.length > 1) socket.uncork();
    this.options.stats.bytesSent += bytes;
    this.options.stats.framesSent += frames.length;
  }

  /**
   * Stops for good: cancels a pending redial and destroys the socket (queued bytes are abandoned). Resolves once
   * the socket has released its handle.
   */
  close(): Promise<void> {
    this.closed = true;
    this.connected = false;
    if (this.retryTimer !== undefined) this.options.timers.clear(this.retryTimer);
    this.retryTimer = undefined;
    const socket = this.socket;
    this.socket = undefined;
    if (socket === undefined) return Promise.resolve();
    const closed = new Promise<void>((resolve) => {
      socket.once('close', () => {
        resolve();
      });
    });
    socket.destroy();
    return closed;
  }

  private dial(): void {
    this.retryTimer = undefined;
    if (this.closed) return;
    const { address, logger } = this.options;
    const { tls } = this.options;
    const socket =
      tls === undefined
        ? connect({ host: address.host, port: address.port, noDelay: true })
        : connectTls({ ...peerDialOptions(tls, address.id), host: address.host, port: address.port });
    this.socket = socket;
    socket.setNoDelay(true);
    // Covers a peer address that swallows SYNs (a blackholed link); cleared once connected.
    socket.setTimeout(this.options.connectTimeoutMs, () => socket.destroy());
    socket.on('error', (err) => logger?.debug({ err, peer: address.id }, 'peer link error'));
    // Over TLS, the hello waits for the handshake (the peer's certificate checked).
    socket.once(tls === undefined ? 'connect' : 'secureConnect', () => {
      const { secret, selfId } = this.options;
      const clusterId = this.options.clusterId();
      const nonce = secret === undefined ? undefined : newNonce();
      const hello = encodeHello({ clusterId, from: selfId, nonce });
      socket.write(hello);
      this.options.stats.bytesSent += hello.byteLength;
      if (secret === undefined || nonce === undefined) this.up(socket);
      else this.awaitChallenge(socket, secret, { clusterId, from: selfId, dialerNonce: nonce });
    });
    socket.once('close', () => {
      this.onSocketClosed(socket);
    });
  }

  /** Greeted (and, under a secret, both proofs checked): writes reach the peer from now on. */
  private up(socket: Socket): void {
    socket.setTimeout(0);
    this.connected = true;
    this.connectedAtMs = this.options.clock.nowMs();
    const { address, logger } = this.options;
    logger?.info({ peer: address.id, host: address.host, port: address.port }, 'peer link up');
  }

  /**
   * Under a cluster secret, the acceptor answers our hello with its nonce and proof: a peer that cannot prove it
   * holds the secret gets nothing (not even our proof) and the link redials later. The connect timeout still runs.
   */
  private awaitChallenge(socket: Socket, secret: Uint8Array, greeted: Omit<HandshakeFacts, 'acceptorNonce'>): void {
    const { address, logger } = this.options;
    const splitter = new LengthPrefixSplitter(CHALLENGE_MAX_BYTES);
    socket.on('data', (chunk: Buffer) => {
      if (this.connected || this.socket !== socket) return;
      let challenge: PeerChallenge;
      try {
        const [frame] = splitter.push(chunk);
        if (frame === undefined) return;
        challenge = decodeChallenge(frame);
      } catch (err: unknown) {
        logger?.warn({ err, peer: address.id }, 'bad peer challenge');
        socket.destroy();
        return;
      }
      const facts = { ...greeted, acceptorNonce: challenge.nonce };
      if (!proofMatches(secret, 'acceptor', facts, challenge.proof)) {
        logger?.warn({ peer: address.id }, 'peer does not hold the cluster secret');
        socket.destroy();
        return;
      }
      const proof = encodeProof(handshakeProof(secret, 'dialer', facts));
      socket.write(proof);
      this.options.stats.bytesSent += proof.byteLength;
      this.up(socket);
    });
  }

  private onSocketClosed(socket: Socket): void {
    if (this.socket !== socket || this.closed) return;
    const wasConnected = this.connected;
    this.socket = undefined;
    this.connected = false;
    if (wasConnected && this.options.clock.nowMs() - this.connectedAtMs >= this.options.stableAfterMs) {
      this.options.backoff.reset();
    }
    const delayMs = this.options.backoff.nextDelayMs();
    const { address, logger } = this.options;
    if (wasConnected) logger?.warn({ peer: address.id, retryInMs: delayMs }, 'peer link down');
    this.retryTimer = this.options.timers.setTimeout(() => {
      this.dial();
    }, delayMs);
  }
}
