/**
 * The browser console in a real browser (issue 14): Debian's Chromium, driven by playwright-core, opens the page a
 * real broker serves at `/` on its WebSocket/HTTP port; the brokers, partitions and consumer groups tables show the
 * broker's real values, and a record produced from the page shows up in the page's live tail. Skipped, saying so,
 * where Chromium is not installed (`apt-get install -y chromium`).
 */
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { chromium, type Page } from 'playwright-core';
import { Admin, Producer, stringCodec } from '../../../client/index.js';
import { buildConsole } from '../../../cli/console/build.js';
import { startBrokerProcess } from '../../helpers/broker-process.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { makeCertificates, opensslMissing } from '../../helpers/tls-certs.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((file) => fs.existsSync(file));
const TOPIC = 'clicks';
const GROUP = 'click-counters';
/** Generous: the page refreshes every 3 s and the machine is shared. */
const PAGE_TIMEOUT_MS = 30_000;

/** The text of every cell of the table in `#id`, row by row (header row first). */
function tableText(page: Page, id: string): Promise<string[][]> {
  return page.$$eval(`#${id} tr`, (rows) =>
    rows.map((row) => Array.from(row.querySelectorAll('th, td'), (cell) => cell.textContent)),
  );
}

const skip =
  CHROMIUM === undefined
    ? 'Chromium is not installed (apt-get install -y chromium): no browser to test the console'
    : false;

/** Opens `url` in a fresh Chromium page (closed when `t` ends); collects the page's uncaught errors. */
async function openPage(t: Test, url: string): Promise<{ page: Page; pageErrors: string[] }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM ?? 'chromium', args: ['--no-sandbox'] });
  t.teardown(() => browser.close());
  // The test CA is not the browser's: accept the broker's certificate for the page and its wss:// connection alike.
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(url);
  return { page, pageErrors };
}

/** The console built into a temp dir, for --console-dir. */
async function builtConsole(t: Test): Promise<string> {
  const dir = tempDir(t, 'brook-console-');
  await buildConsole(dir);
  return dir;
}

void t.test('the console shows the broker and tails a record produced from the page', { skip }, async (t) => {
  const broker = await startBrokerProcess(t, { args: ['--console-dir', await builtConsole(t)] });
  const admin = new Admin({ bootstrap: broker.bootstrap });
  t.teardown(() => admin.close());
  await admin.createTopic(TOPIC, { partitions: 2 });
  const producer = new Producer<string>({ bootstrap: broker.bootstrap, codec: stringCodec() });
  t.teardown(() => producer.close());
  for (let i = 0; i < 5; i++) await producer.send({ topic: TOPIC, partition: 0, value: `before ${String(i)}` });
  // A group with a committed offset behind the log end: its lag on partition 0 is 5 - 2 = 3.
  await admin.resetOffsets(GROUP, TOPIC, { offset: 2 });
  const [described] = await admin.describeTopics([TOPIC]);
  const end0 = described?.partitions[0]?.highWatermark ?? -1;

  const { page, pageErrors } = await openPage(t, `http://127.0.0.1:${String(broker.wsPort)}/`);
  t.equal(
    await page.inputValue('#login [name=bootstrap]'),
    `ws://127.0.0.1:${String(broker.wsPort)}`,
    'the page offers the broker that served it',
  );
  await page.click('#login button');
  await page.waitForSelector('#brokers td');
  t.match(await page.textContent('#status'), /^Connected to ws:\/\/127\.0\.0\.1:\d+ \(cluster .+\)\.$/);

  const brokers = await tableText(page, 'brokers');
  t.strictSame(brokers[0], ['Broker', 'Address', 'Live', 'Controller', 'Partitions led']);
  t.match(brokers[1], [
    '1',
    `127.0.0.1:${String(broker.tcpPort)} (ws ${String(broker.wsPort)})`,
    'yes',
    'yes',
    /^\d+$/,
  ]);
  t.ok(Number(brokers[1]?.[4]) >= 2, 'broker 1 leads the partitions of clicks');

  const partitions = await tableText(page, 'topics');
  const clicks0 = partitions.find((row) => row[0] === TOPIC && row[1] === '0');
  t.ok(clicks0, 'clicks-0 is listed');
  t.strictSame(clicks0?.slice(0, 7), [TOPIC, '0', '1', '1', '1', '0', String(end0)], 'leader, replicas, ISR, offsets');
  t.ok(Number(clicks0?.[7]) > 0, `clicks-0 holds bytes (${String(clicks0?.[7])})`);

  await page.waitForFunction((group) => document.querySelector('#groups')?.textContent.includes(group), GROUP);
  const groups = await tableText(page, 'groups');
  const lagRow = groups.find((row) => row[0] === GROUP && row[3] === TOPIC && row[4] === '0');
  t.strictSame(lagRow?.slice(6), ['2', String(end0), String(end0 - 2)], 'committed offset, log end and lag');

  await page.fill('#tail [name=topic]', TOPIC);
  await page.click('#tail button');
  await page.waitForFunction(() => document.querySelector('#tail-status')?.textContent.startsWith('Tailing'));
  await page.fill('#produce [name=topic]', TOPIC);
  await page.fill('#produce [name=key]', 'k1');
  await page.fill('#produce [name=value]', 'hello from the page');
  await page.click('#produce button');
  await page.waitForFunction(() => document.querySelector('#produced')?.textContent.startsWith('Sent to'));
  await page.waitForFunction(() => document.querySelector('#tail-records')?.textContent.includes('hello from'));
  const tail = await tableText(page, 'tail-records');
  t.match(tail[1], [/^[01]$/, /^\d+$/, /^\d{4}-\d\d-\d\dT/, 'k1', 'hello from the page'], 'the tail shows the record');
  t.strictSame(pageErrors, [], 'no uncaught errors on the page');
});

void t.test(
  'over https:// with SCRAM users the page connects over wss:// with the user of its form',
  { skip: skip || (opensslMissing() ? 'openssl is not installed: no test certificates' : false) },
  async (t) => {
    const certs = makeCertificates(t);
    const usersFile = path.join(tempDir(t, 'brook-console-users-'), 'users');
    fs.writeFileSync(usersFile, 'operator:s3cret-pass\n');
    const broker = await startBrokerProcess(t, {
      args: [
        '--console-dir',
        await builtConsole(t),
        '--tls-cert',
        certs.broker.cert,
        '--tls-key',
        certs.broker.key,
        '--users-file',
        usersFile,
      ],
    });
    const wss = `wss://127.0.0.1:${String(broker.wsPort)}`;
    const admin = new Admin({
      bootstrap: wss,
      tls: { ca: fs.readFileSync(certs.caCert) },
      username: 'operator',
      password: 's3cret-pass',
    });
    t.teardown(() => admin.close());
    await admin.createTopic('secured', { partitions: 1 });

    const { page, pageErrors } = await openPage(t, `https://127.0.0.1:${String(broker.wsPort)}/`);
    t.equal(await page.inputValue('#login [name=bootstrap]'), wss, 'a page served over https offers wss://');
    await page.fill('#login [name=username]', 'operator');
    await page.fill('#login [name=password]', 'wrong');
    await page.click('#login button');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent.startsWith('Could not connect'));
    t.match(await page.textContent('#status'), /UNAUTHORIZED|authentication/i, 'a wrong password is reported');

    await page.fill('#login [name=password]', 's3cret-pass');
    await page.click('#login button');
    await page.waitForFunction(() => document.querySelector('#topics')?.textContent.includes('secured'));
    t.match(await page.textContent('#status'), /^Connected to wss:\/\//);
    await page.fill('#produce [name=topic]', 'secured');
    await page.fill('#produce [name=value]', 'over wss');
    await page.click('#produce button');
    await page.waitForFunction(() => document.querySelector('#produced')?.textContent.startsWith('Sent to'));
    const [described] = await admin.describeTopics(['secured']);
    t.ok((described?.partitions[0]?.highWatermark ?? 0) > 0, 'the record reached the broker');
    t.strictSame(pageErrors, [], 'no uncaught errors on the page');
  },
);
