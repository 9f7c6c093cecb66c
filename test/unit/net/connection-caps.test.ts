import t from 'tap';
import { SessionRegistry } from '../../../broker/net/session-registry.js';
import type { SessionLimits } from '../../../broker/net/broker-api.js';
import { errorCodeOf } from '../../helpers/raw-connection.js';
import { FakeCore, limits, ManualClock, MemoryConnection, requestFrame } from './fakes.js';

function registry(over: Partial<SessionLimits>): SessionRegistry {
  return new SessionRegistry({
    core: new FakeCore(),
    limits: { ...limits, ...over },
    clock: new ManualClock(),
    defer: () => undefined,
  });
}

/** Opens a connection from `address`; whether it was admitted. */
function connect(reg: SessionRegistry, address: string, greet = false): MemoryConnection {
  const conn = new MemoryConnection();
  conn.sourceAddress = address;
  conn.session = reg.open(conn);
  if (greet) conn.session?.receive(requestFrame('hello', 1, { protocolVersion: 1, clientId: 'c' }));
  return conn;
}

void t.test('connections in their handshake do not take the places of maxConnections', (t) => {
  const reg = registry({ maxConnections: 2, maxUnauthenticatedConnections: 5, maxUnauthenticatedConnectionsPerIp: 5 });
  for (let i = 0; i < 4; i++) t.ok(connect(reg, 'stranger').session, `silent stranger ${String(i + 1)} admitted`);
  t.ok(connect(reg, 'user', true).session?.isGreeted, 'a user still gets in');
  t.end();
});

void t.test('connections in their handshake are capped in all and per source address', (t) => {
  const reg = registry({ maxConnections: 10, maxUnauthenticatedConnections: 3, maxUnauthenticatedConnectionsPerIp: 2 });
  connect(reg, 'a');
  connect(reg, 'a');
  const third = connect(reg, 'a');
  t.equal(third.session, undefined, 'a third from the same address is refused');
  t.equal(errorCodeOf(third.take()[0]), 'TOO_MANY_CONNECTIONS');
  t.ok(connect(reg, 'b').session, 'another address is admitted');
  const fourth = connect(reg, 'c');
  t.equal(fourth.session, undefined, 'past the total cap every address is refused');
  t.match(fourth.take()[0]?.body, { message: /connections in their handshake reached/ });
  t.end();
});

void t.test('past maxConnections completed handshakes, new connections are refused', (t) => {
  const reg = registry({ maxConnections: 1, maxUnauthenticatedConnections: 5, maxUnauthenticatedConnectionsPerIp: 5 });
  t.ok(connect(reg, 'a', true).session?.isGreeted);
  const next = connect(reg, 'b');
  t.equal(next.session, undefined);
  t.match(next.take()[0]?.body, { message: /broker limit of 1 connections reached/ });
  t.end();
});
