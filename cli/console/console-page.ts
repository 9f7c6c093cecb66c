/**
 * The browser console (served by the broker at `/` on its WebSocket/HTTP port): connects with Brook's browser client
 * to the broker that served it (or another, over ws:// or wss://, with a SCRAM user if the cluster asks for one) and
 * shows brokers, partitions and consumer groups, refreshed every few seconds; tails a topic and produces test
 * records. Plain DOM: the page is small enough not to need a framework. Bundled by build.ts into dist/console/.
 */
import { Admin, Consumer, Producer, stringCodec, type ClientOptions } from '@brook/client/browser';
import { brokerTable, groupTable, ownBootstrap, partitionTable, type Table } from './console-rows.js';

/** How often the tables are read again. */
const REFRESH_MS = 3_000;
/** Most records the tail keeps on the page. */
const TAIL_ROWS = 200;

interface Session {
  /** The one broker the page was told to connect to. */
  readonly bootstrap: string;
  readonly options: ClientOptions;
  readonly admin: Admin;
  readonly producer: Producer<string>;
  tail: Consumer<string> | undefined;
  timer: ReturnType<typeof setInterval> | undefined;
}

let session: Session | undefined;

function element(id: string): HTMLElement {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found;
}

function form(id: string): HTMLFormElement {
  const found = element(id);
  if (!(found instanceof HTMLFormElement)) throw new Error(`#${id} is not a form`);
  return found;
}

function field(form: HTMLFormElement, name: string): string {
  const value = new FormData(form).get(name);
  return typeof value === 'string' ? value.trim() : '';
}

function say(id: string, text: string, isError = false): void {
  const target = element(id);
  target.textContent = text;
  target.classList.toggle('error', isError);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Replaces the contents of `#id` with `table`. */
function show(id: string, table: Table): void {
  const html = document.createElement('table');
  const head = html.createTHead().insertRow();
  for (const text of table.headers) {
    const th = document.createElement('th');
    th.textContent = text;
    head.append(th);
  }
  const body = html.createTBody();
  for (const row of table.rows) {
    const tr = body.insertRow();
    for (const text of row) tr.insertCell().textContent = text;
  }
  element(id).replaceChildren(html);
}

async function refresh(current: Session): Promise<void> {
  const [cluster, topics, listed] = await Promise.all([
    current.admin.describeCluster(),
    current.admin.describeTopics(),
    current.admin.listGroups(),
  ]);
  const groups = await Promise.all(listed.map((g) => current.admin.describeGroup(g.groupId)));
  show('brokers', brokerTable(cluster, topics));
  show('topics', partitionTable(topics));
  show('groups', groupTable(groups));
  say('status', `Connected to ${current.bootstrap} (cluster ${cluster.clusterId}).`);
}

async function disconnect(): Promise<void> {
  const previous = session;
  session = undefined;
  if (previous === undefined) return;
  clearInterval(previous.timer);
  await Promise.allSettled([previous.tail?.close(), previous.producer.close(), previous.admin.close()]);
}

async function connect(login: HTMLFormElement): Promise<void> {
  await disconnect();
  const username = field(login, 'username');
  const bootstrap = field(login, 'bootstrap') || ownBootstrap(window.location);
  const options: ClientOptions = {
    bootstrap,
    clientId: 'brook-console',
    ...(username === '' ? {} : { username, password: field(login, 'password') }),
  };
  const current: Session = {
    bootstrap,
    options,
    admin: new Admin(options),
    producer: new Producer<string>({ ...options, codec: stringCodec() }),
    tail: undefined,
    timer: undefined,
  };
  session = current;
  say('status', `Connecting to ${bootstrap}...`);
  try {
    await refresh(current);
  } catch (err) {
    say('status', `Could not connect to ${bootstrap}: ${messageOf(err)}`, true);
    await disconnect();
    return;
  }
  element('views').hidden = false;
  current.timer = setInterval(() => {
    refresh(current).catch((err: unknown) => {
      say('status', `Refresh failed: ${messageOf(err)}`, true);
    });
  }, REFRESH_MS);
}

/** Shows records of every partition of `topic` from now on, newest first, until another topic is tailed. */
async function tail(topic: string): Promise<void> {
  const current = session;
  if (current === undefined) return;
  await current.tail?.close();
  const consumer = new Consumer<string>({ ...current.options, codec: stringCodec(), from: 'latest' });
  current.tail = consumer;
  const rows: string[][] = [];
  const render = (): void => {
    show('tail-records', { headers: ['Partition', 'Offset', 'Timestamp', 'Key', 'Value'], rows });
  };
  render();
  try {
    await consumer.assign(topic);
    say('tail-status', `Tailing ${topic}: records produced from now on appear here, newest first.`);
    const keys = new TextDecoder();
    for await (const record of consumer) {
      rows.unshift([
        String(record.partition),
        String(record.offset),
        new Date(record.timestamp).toISOString(),
        record.key === null ? '' : keys.decode(record.key),
        record.value ?? '(null: a tombstone)',
      ]);
      rows.length = Math.min(rows.length, TAIL_ROWS);
      render();
    }
  } catch (err) {
    if (current.tail === consumer) say('tail-status', `Tail of ${topic} stopped: ${messageOf(err)}`, true);
  }
}

async function produce(record: HTMLFormElement): Promise<void> {
  const current = session;
  if (current === undefined) return;
  const topic = field(record, 'topic');
  const key = field(record, 'key');
  try {
    const sent = await current.producer.send({
      topic,
      value: field(record, 'value'),
      ...(key === '' ? {} : { key }),
    });
    say('produced', `Sent to ${topic} partition ${String(sent.partition)} at offset ${String(sent.offset)}.`);
  } catch (err) {
    say('produced', `Not sent: ${messageOf(err)}`, true);
  }
}

function onSubmit(id: string, handle: (form: HTMLFormElement) => Promise<void>): void {
  const target = form(id);
  target.addEventListener('submit', (event) => {
    event.preventDefault();
    void handle(target);
  });
}

form('login').querySelector('[name=bootstrap]')?.setAttribute('value', ownBootstrap(window.location));
onSubmit('login', connect);
onSubmit('tail', (asked) => tail(field(asked, 'topic')));
onSubmit('produce', produce);
