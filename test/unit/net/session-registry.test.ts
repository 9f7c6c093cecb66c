import t from 'tap';
import { BrookError } from '../../../protocol/index.js';
import { SessionRegistry, sweepIntervalMs } from '../../../broker/net/session-registry.js';
import { errorCodeOf } from '../../helpers/raw-connection.js';
import { produceRequest } from '../../helpers/opaque-batches.js';
import { FakeCore, limits, ManualClock, MemoryConnection, requestFrame, settle } from './fakes.js';

function registry() {
  const core = new FakeCore();
  const clock = new ManualClock();
  return { core, clock, registry: new SessionRegistry({ core, limits, clock, defer: () => undefined }) };
}

function connect(reg: SessionRegistry): MemoryConnection {
  const conn = new MemoryConnection();
  conn.session = reg.open(conn);
  return conn;
}

void t.test('a connection beyond maxConnections gets TOO_MANY_CONNECTIONS and is closed at once', (t) => {
  const { registry: reg, core } = registry(); // maxConnections 2
  const a = connect(reg);
  connect(reg);
  const extra = connect(reg);
  t.equal(extra.session, undefined);
  const [frame] = extra.take();
  t.equal(errorCodeOf(frame), 'TOO_MANY_CONNECTIONS');
  t.equal(frame?.correlationId, 0);
  t.ok(extra.closed);
  t.equal(reg.size, 2);
  t.same(core.metrics.of('connectionOpened').length, 2, 'the refused one was never opened');

  a.session?.close();
  t.equal(reg.size, 1, 'an ended session frees its place');
  t.not(connect(reg).session, undefined);
  t.end();
});

void t.test('the sweep applies handshake and idle deadlines to every session', (t) => {
  const { registry: reg, clock } = registry();
  const silent = connect(reg);
  const greeted = connect(reg);
  greeted.session?.receive(requestFrame('hello', 1, { protocolVersion: 1, clientId: 'c' }));
  greeted.take();
  reg.sweep(clock.now + limits.handshakeTimeoutMs);
  t.equal(errorCodeOf(silent.take()[0]), 'HANDSHAKE_TIMEOUT');
  t.notOk(greeted.closed);
  reg.sweep(clock.now + limits.idleTimeoutMs);
  t.equal(errorCodeOf(greeted.take()[0]), 'IDLE_TIMEOUT');
  t.equal(reg.size, 0);
  t.end();
});

void t.test('closeAll sends the error to every session and closes them', (t) => {
  const { registry: reg } = registry();
  const conns = [connect(reg), connect(reg)];
  reg.closeAll(new BrookError('SHUTTING_DOWN'));
  for (const c of conns) {
    t.equal(errorCodeOf(c.take()[0]), 'SHUTTING_DOWN');
    t.ok(c.closed);
  }
  t.equal(reg.size, 0);
  t.end();
});

void t.test('drain waits for the produces of sessions that ended meanwhile', async (t) => {
  const { registry: reg, core } = registry();
  const conn = connect(reg);
  conn.session?.receive(requestFrame('hello', 1, { protocolVersion: 1, clientId: 'c' }));
  conn.session?.receive(requestFrame('produce', 2, produceRequest([10])));
  t.equal(core.produces.length, 1);
  conn.session?.handleClosed(); // the peer went away
  t.equal(reg.size, 0);
  let drained = false;
  const drain = reg.drain().then(() => {
    drained = true;
  });
  await settle();
  t.notOk(drained, 'the append is still running');
  core.produces[0]?.done.resolve({ partitions: [] });
  await drain;
  t.ok(drained);
});

void t.test('sweep interval: a tenth of the shortest deadline, within [5 ms, 1 s]', (t) => {
  t.equal(sweepIntervalMs({ handshakeTimeoutMs: 10_000, idleTimeoutMs: 60_000 }), 1000);
  t.equal(sweepIntervalMs({ handshakeTimeoutMs: 10_000, idleTimeoutMs: 3000 }), 300);
  t.equal(sweepIntervalMs({ handshakeTimeoutMs: 2000, idleTimeoutMs: 0 }), 200, 'idle 0 is disabled');
  t.equal(sweepIntervalMs({ handshakeTimeoutMs: 10, idleTimeoutMs: 10 }), 5);
  t.end();
});
