/**
 * Cluster membership bodies on the wire: removing a broker from the cluster (docs/security.md, "Removing a
 * broker"), so that a bad join can be undone.
 */
import { array, bool, int, object, optional, str } from './schema.js';

/**
 * Removes broker `brokerId` from the metadata voters and from replica placement. Without `force` the broker must host
 * no partition replica; with `force` the controller moves its replicas to other brokers (or shrinks them).
 */
export const removeBrokerRequest = object({ brokerId: int({ min: 1 }), force: optional(bool) });
/** The partition moves the removal started (with `force`), each with its new replicas, preferred leader first. */
export const removeBrokerResponse = object({
  partitions: array(object({ topic: str(), partition: int(), replicas: array(int()) })),
});
