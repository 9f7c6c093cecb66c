/**
 * A group consumer in its own process, for consumer-group.test.ts (which kills one with SIGKILL). Arguments:
 * `<bootstrap> <topic> <groupId> <name> [sessionTimeoutMs]`. It prints one JSON line per event on stdout, written
 * synchronously (stdout is a pipe: Linux writes those at once, so a record printed is a record processed even if the
 * process is killed right after):
 *
 * - `{"k":"r","p":3,"o":17,"t":1700000000000}`: a record processed (partition, offset, wall-clock ms);
 * - `{"k":"a","ps":[0,4]}` / `{"k":"v","ps":[0],"lost":false}`: partitions assigned / revoked;
 * - `{"k":"e","m":"..."}`: an error; `{"k":"closed"}`: close() finished (then it exits 0).
 *
 * A line `close` on stdin closes the consumer cleanly (commit, leave).
 */
import { createInterface } from 'node:readline';
import { Consumer } from '../../../client/index.js';

const [bootstrap = '', topic = '', groupId = '', name = 'consumer', session = '6000'] = process.argv.slice(2);

function emit(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

const consumer = new Consumer<number>({
  bootstrap,
  clientId: name,
  groupId,
  sessionTimeoutMs: Number(session),
  autoCommitIntervalMs: 1_000,
  onAssigned: (tps) => {
    emit({ k: 'a', ps: tps.map((tp) => tp.partition) });
  },
  onRevoked: (tps, info) => {
    emit({ k: 'v', ps: tps.map((tp) => tp.partition), lost: info.lost });
  },
});

let closing: Promise<void> | undefined;
function close(): Promise<void> {
  closing ??= consumer.close().then(() => {
    emit({ k: 'closed' });
  });
  return closing;
}

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'close') void close();
});

consumer.subscribe(topic);
try {
  for await (const record of consumer) {
    emit({ k: 'r', p: record.partition, o: record.offset, t: Date.now() });
  }
} catch (err: unknown) {
  emit({ k: 'e', m: err instanceof Error ? err.message : String(err) });
}
await close();
process.exit(0);
