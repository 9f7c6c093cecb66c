/**
 * Cluster ids. A broker alone makes its id on first start; the brokers of a new cluster (without `--cluster-id`) start
 * without one, and the first controller makes it and commits it in the metadata log, so every broker, a joiner too,
 * learns the same id from the log and keeps it in its data dir (metadata-group.ts). Until a broker has learned it, its
 * peer hello carries no id and it accepts peers whatever id they greet with: what admits a peer is the peer credential
 * (mutual TLS or the cluster secret), checked as always. Once both sides know an id, they must agree, so a broker of
 * one cluster is refused by another.
 *
 * Ids are random (128 bits, base64url: 22 characters, as Kafka's), not derived from anything guessable.
 */
import { randomBytes } from 'node:crypto';

/** The id of a broker that has not learned its cluster's yet (in the peer hello: "no id"). */
export const UNKNOWN_CLUSTER_ID = '';

/** A new random cluster id. */
export function newClusterId(): string {
  return randomBytes(16).toString('base64url');
}

/** Whether a peer greeting with `theirs` may belong to this broker's cluster `ours` (either may be unknown). */
export function clusterIdsAgree(ours: string, theirs: string): boolean {
  return ours === UNKNOWN_CLUSTER_ID || theirs === UNKNOWN_CLUSTER_ID || ours === theirs;
}
