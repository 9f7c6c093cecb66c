/**
 * The cluster's ACL bindings, in the broker's metadata database beside the users: changed only by applying metadata
 * log entries in a cluster (in place on a broker without peers), so every broker authorizes alike.
 */
import type Database from 'better-sqlite3';
import type { AclBinding, AclFilter } from '../../protocol/index.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS acls (
  principal TEXT NOT NULL,
  resource_type TEXT NOT NULL,
  resource_name TEXT NOT NULL,
  pattern_type TEXT NOT NULL,
  operation TEXT NOT NULL,
  permission TEXT NOT NULL,
  PRIMARY KEY (principal, resource_type, resource_name, pattern_type, operation, permission)
);
`;

const COLUMNS = 'principal, resource_type, resource_name, pattern_type, operation, permission';
type AclRow = [string, string, string, string, string, string];

export class AclStore {
  private bindings: readonly AclBinding[];
  private readonly insertStmt;
  private readonly deleteStmt;

  /** Creates the table if missing and loads the bindings. Writes happen inside the caller's transactions. */
  constructor(db: Database.Database) {
    db.exec(SCHEMA);
    this.insertStmt = db.prepare<AclRow>(`INSERT OR IGNORE INTO acls (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`);
    this.deleteStmt = db.prepare<AclRow>(
      'DELETE FROM acls WHERE principal = ? AND resource_type = ? AND resource_name = ? AND pattern_type = ? ' +
        'AND operation = ? AND permission = ?',
    );
    // The columns hold what the schema of AclBinding let in (only applied entries are stored).
    const rows = db.prepare<[], AclRow>(`SELECT ${COLUMNS} FROM acls`).raw(true).all();
    this.bindings = Object.freeze(rows.map(fromRow));
  }

  /** Every binding (the authorizer reads this on each check: it is replaced, never changed in place). */
  all(): readonly AclBinding[] {
    return this.bindings;
  }

  /** Adds bindings (one already there stays once). */
  add(acls: readonly AclBinding[]): void {
    const added = acls.filter((a) => !this.bindings.some((b) => same(a, b)));
    for (const acl of added) this.insertStmt.run(...toRow(acl));
    this.bindings = Object.freeze([...this.bindings, ...added.map((a) => Object.freeze({ ...a }))]);
  }

  /** Removes the bindings `filter` matches; returns them. */
  remove(filter: AclFilter): AclBinding[] {
    const removed = this.bindings.filter((b) => matches(filter, b));
    for (const acl of removed) this.deleteStmt.run(...toRow(acl));
    this.bindings = Object.freeze(this.bindings.filter((b) => !matches(filter, b)));
    return removed;
  }
}

/** Whether `acl` has every field that `filter` gives. */
export function matches(filter: AclFilter, acl: AclBinding): boolean {
  return (Object.keys(filter) as (keyof AclFilter)[]).every((k) => filter[k] === undefined || filter[k] === acl[k]);
}

function same(a: AclBinding, b: AclBinding): boolean {
  return toRow(a).every((v, i) => v === toRow(b)[i]);
}

function toRow(acl: AclBinding): AclRow {
  return [acl.principal, acl.resourceType, acl.resourceName, acl.patternType, acl.operation, acl.permission];
}

function fromRow(row: AclRow): AclBinding {
  const [principal, resourceType, resourceName, patternType, operation, permission] = row;
  return Object.freeze({ principal, resourceType, resourceName, patternType, operation, permission } as AclBinding);
}
