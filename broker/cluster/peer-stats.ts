/** Counters of a peer transport, for metrics. */

/** Totals since the transport was created. Envelope frames only count as frames; hellos count only as bytes. */
export interface PeerTransportStats {
  /** Envelope frames written to peers. */
  framesSent: number;
  /** Envelope frames received and decoded. */
  framesReceived: number;
  /** Bytes written to peer sockets (length prefixes and hellos included). */
  bytesSent: number;
  /** Bytes read from accepted peer sockets. */
  bytesReceived: number;
  /** Envelopes dropped: peer not connected, its socket over maxBufferedBytes, or an envelope too large to frame. */
  dropped: number;
  /** Envelopes received but refused: a Raft message naming another sender, or anything but a join from a non-member. */
  refused: number;
}

/** All counters at zero. */
export function emptyPeerStats(): PeerTransportStats {
  return { framesSent: 0, framesReceived: 0, bytesSent: 0, bytesReceived: 0, dropped: 0, refused: 0 };
}
