/**
 * The embedded broker is silent unless asked (issue 14: its JSON logs ended up in the output of the user's tests),
 * while `brook broker` keeps logging at info (every process-based test waits for its "broker started" line).
 */
import t from 'tap';
import { startBroker } from '../../../broker/index.js';
import { startBrokerProcess } from '../../helpers/broker-process.js';
import { tempDir } from '../../helpers/temp-dir.js';

void t.test('startBroker logs nothing by default, and at the level asked for', async (t) => {
  const quiet = await startBroker({ dataDir: tempDir(t), port: 0, wsPort: 0, kafkaPort: 0 });
  t.teardown(() => quiet.close());
  t.equal(quiet.logger.level, 'silent', 'silent without logLevel');
  const chatty = await startBroker({ dataDir: tempDir(t), port: 0, wsPort: 0, kafkaPort: 0, logLevel: 'warn' });
  t.teardown(() => chatty.close());
  t.equal(chatty.logger.level, 'warn', 'an explicit logLevel wins');
});

void t.test('brook broker still logs at info', async (t) => {
  const broker = await startBrokerProcess(t);
  t.equal(broker.logged('broker started').length, 1, 'it logged "broker started"');
});
