import t from 'tap';
import {
  BrookError,
  decodeFrame,
  encodeFrame,
  ERROR_OP,
  ErrorCodes,
  ProtocolError,
  wireError,
  type ErrorName,
} from '../../../protocol/index.js';

const names = Object.keys(ErrorCodes) as ErrorName[];

void t.test('the error table is the documented one', (t) => {
  // docs/protocol.md lists this table; a change here is a wire change.
  const table = Object.fromEntries(names.map((n) => [n, [ErrorCodes[n].code, ErrorCodes[n].retriable]]));
  t.strictSame(table, {
    UNKNOWN: [1, false],
    INVALID_REQUEST: [2, false],
    UNSUPPORTED_VERSION: [3, false],
    UNKNOWN_TOPIC: [4, false],
    UNKNOWN_PARTITION: [5, false],
    TOPIC_EXISTS: [6, false],
    INVALID_TOPIC: [7, false],
    OFFSET_OUT_OF_RANGE: [8, false],
    MESSAGE_TOO_LARGE: [9, false],
    FRAME_TOO_LARGE: [10, false],
    CORRUPT_BATCH: [11, true],
    NOT_LEADER: [12, true],
    NOT_ENOUGH_REPLICAS: [13, true],
    THROTTLED: [14, true],
    UNAUTHORIZED: [15, false],
    REQUEST_TIMED_OUT: [16, true],
    STORAGE_ERROR: [17, true],
    SHUTTING_DOWN: [18, true],
    HANDSHAKE_REQUIRED: [19, false],
    UNKNOWN_SUBSCRIPTION: [20, false],
    TOO_MANY_CONNECTIONS: [21, true],
    HANDSHAKE_TIMEOUT: [22, true],
    IDLE_TIMEOUT: [23, true],
    OUT_OF_ORDER_SEQUENCE: [24, false],
    INVALID_PRODUCER_EPOCH: [25, false],
    NOT_COORDINATOR: [26, true],
    COORDINATOR_LOAD_IN_PROGRESS: [27, true],
    UNKNOWN_MEMBER_ID: [28, false],
    FENCED_MEMBER_EPOCH: [29, false],
    GROUP_NOT_EMPTY: [30, false],
    UNKNOWN_GROUP: [31, false],
    UNRELEASED_INSTANCE_ID: [32, false],
    INVALID_REPLICA_ASSIGNMENT: [33, false],
    INVALID_RECORD: [34, false],
    UNKNOWN_USER: [35, false],
    QUOTA_EXCEEDED: [36, true],
    LIMIT_EXCEEDED: [37, false],
    INVALID_REPLICATION_FACTOR: [38, false],
    UNKNOWN_BROKER: [60, false],
    BROKER_HAS_REPLICAS: [61, false],
    WOULD_LOSE_QUORUM: [62, false],
    UNKNOWN_QUOTA: [63, false],
    NETWORK_ERROR: [100, true],
    CLOSED: [101, false],
  });
  t.equal(new Set(names.map((n) => ErrorCodes[n].code)).size, names.length, 'codes are unique');
  t.ok(
    names.every((n) => ErrorCodes[n].message.length > 0),
    'every code has a default message',
  );
  t.end();
});

void t.test('every code round-trips through toWire/fromWire and an error frame', (t) => {
  for (const name of names) {
    const original = new BrookError(name);
    t.equal(original.code, name);
    t.equal(original.message, ErrorCodes[name].message, `${name}: default message`);
    t.equal(original.retriable, ErrorCodes[name].retriable, `${name}: retriable`);
    t.ok(original instanceof Error);
    t.equal(original.name, 'BrookError');
    const wire = original.toWire();
    t.strictSame(
      wire,
      { code: ErrorCodes[name].code, message: ErrorCodes[name].message },
      `${name}: wire form has no leaderId`,
    );
    const frame = decodeFrame(encodeFrame(ERROR_OP, 7, wire, false), 1024);
    const back = BrookError.fromWire(wireError.parse(frame.body, ''));
    t.equal(back.code, name, `${name}: name survives`);
    t.equal(back.retriable, ErrorCodes[name].retriable, `${name}: retriable survives`);
    t.equal(back.message, original.message);
    t.equal(back.leaderId, undefined);
  }
  t.end();
});

void t.test('leaderId and custom messages survive', (t) => {
  const err = new BrookError('NOT_LEADER', 'partition orders-3 moved', { leaderId: 2 });
  t.strictSame(err.toWire(), { code: 12, message: 'partition orders-3 moved', leaderId: 2 });
  const back = BrookError.fromWire(err.toWire());
  t.strictSame(
    [back.code, back.message, back.leaderId, back.retriable],
    ['NOT_LEADER', 'partition orders-3 moved', 2, true],
  );
  t.equal(BrookError.fromWire({ code: 12, message: 'm', leaderId: 0 }).leaderId, 0, 'broker id 0 is a leader id');
  t.end();
});

void t.test('a cause is kept on the local error but never sent', (t) => {
  const cause = new Error('SQLITE_FULL');
  const err = new BrookError('STORAGE_ERROR', undefined, { cause });
  t.equal(err.cause, cause);
  t.strictSame(err.toWire(), { code: 17, message: 'storage failed (disk full or I/O error)' });
  t.end();
});

void t.test('unknown codes become UNKNOWN and keep the code in the message', (t) => {
  for (const code of [0, 39, 99, 102, 999, -5]) {
    const err = BrookError.fromWire({ code, message: 'from the future' });
    t.equal(err.code, 'UNKNOWN');
    t.equal(err.retriable, false);
    t.equal(err.message, `error code ${String(code)}: from the future`);
  }
  t.end();
});

void t.test('ProtocolError is an INVALID_REQUEST BrookError', (t) => {
  const err = new ProtocolError('partitions[0].batch.crc: expected integer, got string');
  t.ok(err instanceof BrookError);
  t.equal(err.name, 'ProtocolError');
  t.equal(err.code, 'INVALID_REQUEST');
  t.equal(err.retriable, false);
  t.strictSame(err.toWire(), { code: 2, message: 'partitions[0].batch.crc: expected integer, got string' });
  const back = BrookError.fromWire(err.toWire());
  t.equal(back.code, 'INVALID_REQUEST');
  t.notOk(back instanceof ProtocolError, 'the peer rebuilds a plain BrookError');
  t.end();
});

void t.test('the table says which errors send the client to refresh metadata or find the coordinator', (t) => {
  const names = (Object.keys(ErrorCodes) as ErrorName[]).sort();
  const refresh = names.filter((n) => new BrookError(n).refreshMetadata);
  const coordinator = names.filter((n) => new BrookError(n).findCoordinator);
  t.strictSame(refresh, ['NETWORK_ERROR', 'NOT_LEADER', 'REQUEST_TIMED_OUT', 'UNKNOWN_PARTITION', 'UNKNOWN_TOPIC']);
  t.strictSame(coordinator, [
    'COORDINATOR_LOAD_IN_PROGRESS',
    'NETWORK_ERROR',
    'NOT_COORDINATOR',
    'NOT_LEADER',
    'REQUEST_TIMED_OUT',
    'SHUTTING_DOWN',
  ]);
  t.ok(
    coordinator.every((n) => ErrorCodes[n].retriable),
    'a coordinator move is always worth retrying',
  );
  const rebuilt = BrookError.fromWire(new BrookError('NOT_COORDINATOR', 'moved', { leaderId: 2 }).toWire());
  t.equal(rebuilt.findCoordinator, true, 'the columns survive the wire, since they come from the code');
  t.end();
});
