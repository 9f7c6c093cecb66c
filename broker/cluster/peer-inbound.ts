/**
 * The inbound half of a peer link: an accepted socket that must greet with a {@link PeerHello} and then only
 * delivers envelope frames. Nothing is ever written back. Anything malformed closes this socket alone; envelopes the
 * greeted broker may not send (see peer-admission.ts) are dropped, counted, and logged once per connection.
 */
import type { Socket } from 'node:net';
import type { Logger } from '../logger.js';
import { LengthPrefixSplitter } from '../../protocol/length-prefix.js';
import { admitEnvelopes } from './peer-admission.js';
import { decodeEnvelopes, decodeHello, decodeProof, encodeChallenge, type PeerEnvelope } from './peer-codec.js';
import { NONCE_BYTES, handshakeProof, newNonce, proofMatches, type HandshakeFacts } from './peer-secret.js';
import { clusterIdsAgree } from './cluster-id.js';
import { peerIdentityRefusal } from './peer-tls.js';
import type { PeerTransportStats } from './peer-stats.js';

/** Bytes a connection may send before its hello is accepted (a hello is tens of bytes). */
export const PEER_PRE_HELLO_BYTES = 64 * 1024;

/** What an accepted socket needs from the transport. */
export interface PeerInboundContext {
  /** This broker's cluster id now (empty while not learned yet: cluster-id.ts). */
  readonly clusterId: () => string;
  readonly maxFrameBytes: number;
  /** A connection that has not greeted after this long (ms) is closed. */
  readonly helloTimeoutMs: number;
  /** Whether `id` is one of the cluster's brokers now (not this one). Asked per frame: membership changes. */
  isKnownPeer(id: number): boolean;
  /** Whether a broker that is not a member may greet (to ask to join: nothing else it sends is delivered). */
  readonly acceptsStrangers: boolean;
  /** The socket greeted as broker `from`. */
  onGreeted(from: number, inbound: PeerInbound): void;
  onEnvelopes(from: number, envelopes: readonly PeerEnvelope[]): void;
  /** Where received bytes and frames are counted. */
  readonly stats: PeerTransportStats;
  /** The cluster secret a dialler must prove it holds before its hello counts (peer-secret.ts); undefined: none. */
  readonly secret?: Uint8Array | undefined;
  readonly logger?: Logger | undefined;
}

export class PeerInbound {
  private readonly splitter: LengthPrefixSplitter;
  /** The greeting broker's id; 0 until the hello is accepted. */
  private fromId = 0;
  private closed = false;
  /** Under a cluster secret: the hello was accepted and the challenge sent; the dialler's proof is awaited. */
  private challenged: HandshakeFacts | undefined;
  /** Whether a refused envelope was logged: once per connection, so a hostile peer cannot flood the log. */
  private refusalLogged = false;
  private readonly socketClosed: Promise<void>;

  constructor(
    readonly socket: Socket,
    private readonly context: PeerInboundContext,
  ) {
    this.splitter = new LengthPrefixSplitter(context.maxFrameBytes);
    socket.setNoDelay(true);
    socket.setTimeout(context.helloTimeoutMs, () => {
      this.reject('no hello in time');
    });
    socket.on('error', (err) => context.logger?.debug({ err, peer: this.fromId }, 'peer inbound socket error'));
    socket.on('data', (chunk: Buffer) => {
      this.receive(chunk);
    });
    this.socketClosed = new Promise((resolve) => {
      socket.once('close', () => {
        this.closed = true;
        resolve();
      });
    });
  }

  /** The greeting broker's id, or 0 before the hello. */
  get from(): number {
    return this.fromId;
  }

  /** Destroys the socket; nothing more is delivered from it. Resolves once the socket has released its handle. */
  close(): Promise<void> {
    this.closed = true;
    this.socket.destroy();
    return this.socketClosed;
  }

  private isClosed(): boolean {
    return this.closed;
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    const { context } = this;
    let frames: Uint8Array[];
    try {
      frames = this.splitter.push(chunk);
    } catch (err: unknown) {
      this.reject('bad length prefix', err);
      return;
    }
    context.stats.bytesReceived += chunk.byteLength;
    for (const frame of frames) {
      // A frame may close the connection; the bytes behind it are then dropped.
      if (this.isClosed()) return;
      if (this.fromId !== 0) this.deliver(frame);
      else if (this.challenged === undefined) this.greet(frame);
      else this.checkProof(frame, this.challenged);
    }
    // Before the hello nobody is known: a stranger may not make the broker hold up to maxFrameBytes of a frame.
    if (this.fromId === 0 && !this.isClosed() && this.splitter.bufferedBytes > PEER_PRE_HELLO_BYTES) {
      this.reject('too many bytes before hello');
    }
  }

  private greet(frame: Uint8Array): void {
    const { context } = this;
    let from: number;
    let nonce: Uint8Array | undefined;
    let clusterId: string;
    try {
      const hello = decodeHello(frame);
      if (!clusterIdsAgree(context.clusterId(), hello.clusterId)) {
        this.reject(`hello for cluster ${JSON.stringify(hello.clusterId)}`);
        return;
      }
      from = hello.from;
      nonce = hello.nonce;
      clusterId = hello.clusterId;
    } catch (err: unknown) {
      this.reject('bad hello', err);
      return;
    }
    if (!context.acceptsStrangers && !context.isKnownPeer(from)) {
      this.reject(`hello from unknown broker ${String(from)}`);
      return;
    }
    // Over mutual TLS, the certificate says which broker the connection may speak for.
    const impostor = peerIdentityRefusal(this.socket, from);
    if (impostor !== undefined) {
      this.reject(impostor);
      return;
    }
    if (context.secret !== undefined) {
      this.challenge(context.secret, clusterId, from, nonce);
      return;
    }
    this.admit(from);
  }

  /** Answers a hello under a cluster secret: our nonce and proof; the dialler's proof must follow. */
  private challenge(secret: Uint8Array, clusterId: string, from: number, dialerNonce: Uint8Array | undefined): void {
    if (dialerNonce?.byteLength !== NONCE_BYTES) {
      this.reject(`hello from broker ${String(from)} without a nonce: this cluster authenticates peers by its secret`);
      return;
    }
    // The proofs cover the id the dialler greeted with (it may not know the cluster's yet).
    const facts = { clusterId, from, dialerNonce, acceptorNonce: newNonce() };
    this.challenged = facts;
    this.socket.write(
      encodeChallenge({ nonce: facts.acceptorNonce, proof: handshakeProof(secret, 'acceptor', facts) }),
    );
  }

  private checkProof(frame: Uint8Array, facts: HandshakeFacts): void {
    const { secret } = this.context;
    let proof: Uint8Array;
    try {
      proof = decodeProof(frame);
    } catch (err: unknown) {
      this.reject('bad proof frame', err);
      return;
    }
    if (secret === undefined || !proofMatches(secret, 'dialer', facts, proof)) {
      this.reject(`broker ${String(facts.from)} does not hold the cluster secret`);
      return;
    }
    this.admit(facts.from);
  }

  /** The connection speaks for broker `from` from now on. */
  private admit(from: number): void {
    const { context } = this;
    this.fromId = from;
    this.socket.setTimeout(0);
    context.logger?.debug({ peer: from }, 'peer inbound greeted');
    context.onGreeted(from, this);
  }

  private deliver(frame: Uint8Array): void {
    let envelopes: PeerEnvelope[];
    try {
      envelopes = decodeEnvelopes(frame);
    } catch (err: unknown) {
      this.reject('malformed frame', err);
      return;
    }
    this.context.stats.framesReceived++;
    const { admitted, refused, reason } = admitEnvelopes(envelopes, this.fromId, this.context.isKnownPeer(this.fromId));
    if (refused > 0) this.refuse(refused, reason);
    if (admitted.length === 0) return;
    try {
      this.context.onEnvelopes(this.fromId, admitted);
    } catch (err: unknown) {
      // The handler's bug is not the peer's fault: log it loudly but keep the link.
      this.context.logger?.error({ err, peer: this.fromId }, 'peer envelope handler threw');
    }
  }

  /**
   * Drops `count` envelopes the peer may not send. The link stays: a broker not yet added by every member, or one of
   * another version, is no attacker, and Raft retransmits what it needs.
   */
  private refuse(count: number, reason: string | undefined): void {
    this.context.stats.refused += count;
    if (this.refusalLogged) return;
    this.refusalLogged = true;
    this.context.logger?.warn(
      { remote: this.remote(), peer: this.fromId, reason },
      'peer envelopes refused (logged once per connection)',
    );
  }

  private reject(reason: string, err?: unknown): void {
    this.context.logger?.warn({ err, remote: this.remote(), peer: this.fromId, reason }, 'closing peer connection');
    void this.close();
  }

  private remote(): string {
    return `${this.socket.remoteAddress ?? 'unknown'}:${String(this.socket.remotePort ?? 0)}`;
  }
}
