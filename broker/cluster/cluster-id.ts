/**
 * The cluster id brokers of a new cluster make on first start without `--cluster-id` (it is kept in `meta.db`
 * afterwards, so data directories made with an earlier default keep theirs). The founding brokers must agree on it
 * without talking, since a peer's hello is checked against it before anything else: each derives it from what they
 * already share, the founding ids and the peer credential. With a cluster secret or a peer CA the id is a keyed hash,
 * random-looking and different for every cluster (two clusters of brokers 1-3 no longer share `brook-1-2-3`, so a
 * broker pointed at the wrong cluster is refused); without either the peer port authenticates nothing anyway, and the
 * id stays `brook-<sorted ids>`.
 */
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import type { BrokerConfig } from '../config.js';
import { readClusterSecret } from './peer-secret.js';

/** Base64url characters of a derived id: 132 bits of the hash. */
const DERIVED_ID_CHARS = 22;

/**
 * The default cluster id: the same on every founding broker of one peer list and credential (a joining broker leaves
 * itself out: it was not there when the cluster formed).
 */
export function defaultClusterId(
  config: Pick<Readonly<BrokerConfig>, 'peers' | 'join' | 'brokerId' | 'clusterSecretFile' | 'peerTlsCa'>,
): string {
  const founders = config.peers
    .map((p) => p.id)
    .filter((id) => !config.join || id !== config.brokerId)
    .sort((a, b) => a - b)
    .join('-');
  const key = readClusterSecret(config.clusterSecretFile) ?? peerCa(config.peerTlsCa);
  if (key === undefined) return `brook-${founders}`;
  const digest = createHmac('sha256', key).update(`brook cluster id ${founders}`).digest('base64url');
  return `brook-${digest.slice(0, DERIVED_ID_CHARS)}`;
}

function peerCa(file: string | undefined): Buffer | undefined {
  // The peer TLS files are checked, with a clear error, when the peer transport starts; an unreadable CA here only
  // means the id cannot be keyed by it.
  if (file === undefined) return undefined;
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}
