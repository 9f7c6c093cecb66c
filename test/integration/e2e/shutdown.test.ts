/**
 * Stopping a broker process: SIGTERM and SIGINT stop it cleanly (exit code 0), also when whoever read its log
 * (stdout) has gone away, as happens when a log collector dies or with `brook broker | head -1`.
 */
import t from 'tap';
import { startBrokerProcess } from '../../helpers/broker-process.js';

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  void t.test(`${signal} stops the broker with exit code 0`, async (t) => {
    const broker = await startBrokerProcess(t);
    t.same(await broker.stop(15_000, signal), { code: 0, signal: null });
  });
}

void t.test('SIGTERM stops the broker when its stdout reader has gone away', async (t) => {
  const broker = await startBrokerProcess(t);
  broker.closeOutput();
  const exit = await broker
    .stop(10_000)
    .catch((err: unknown) => (err instanceof Error ? err.message.split('\n')[0] : err));
  t.same(exit, { code: 0, signal: null }, 'exits within 10 s with code 0');
});
