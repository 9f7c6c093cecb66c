/** ACL administration: the cluster's ACL bindings (Kafka's model), changed through the controller. */
import type { AclBinding, AclFilter } from '../protocol/index.js';
import type { Connection } from './connection.js';

/** Sends an admin request to the controller, retrying retriable errors (AdminCore's). */
type ControllerRequest = <R>(send: (connection: Connection) => Promise<R>) => Promise<R>;

export class AclAdmin {
  constructor(private readonly controllerRequest: ControllerRequest) {}

  /** Adds bindings (one that exists already is kept once). */
  async createAcls(acls: readonly AclBinding[]): Promise<void> {
    await this.controllerRequest((c) => c.request('createAcls', { acls: [...acls] }));
  }

  /** The bindings that match every field `filter` gives (all of them for `{}`). */
  async listAcls(filter: AclFilter = {}): Promise<AclBinding[]> {
    return (await this.controllerRequest((c) => c.request('listAcls', filter))).acls;
  }

  /** Deletes the bindings `filter` matches; resolves with them. */
  async deleteAcls(filter: AclFilter): Promise<AclBinding[]> {
    return (await this.controllerRequest((c) => c.request('deleteAcls', filter))).acls;
  }
}
