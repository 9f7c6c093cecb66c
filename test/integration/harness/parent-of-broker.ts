/**
 * A parent process for exit-with-parent.test.ts: starts a broker through the harness (with its data in argv[2]),
 * prints the broker's pid, then waits until it is killed.
 */
import { BrokerProcess } from '../../../bench/harness/broker-process.js';
import { sourceLaunch } from '../../helpers/broker-process.js';

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: parent-of-broker.ts <data dir>');
const broker = await BrokerProcess.start(sourceLaunch(), { dataDir });
process.stdout.write(`${String(broker.pid)}\n`);
// Stays alive (the broker's pipes keep the event loop busy) until the test kills this process.
