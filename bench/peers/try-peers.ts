/**
 * Smoke run of the peer systems on their own (not part of the test suite): starts each available peer, produces
 * and reads back 100-byte records, runs a short open-loop latency test, and prints what it saw.
 *
 *   node dist/bench/peers/try-peers.js [--full] [--only NAME] [--records N] [--producers N] [--rate N] [--seconds N]
 */
import { loadPeers, type LatencySample, type PeerSystem } from './peer.js';

function option(flag: string, fallback: number): number {
  const at = process.argv.indexOf(flag);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

function percentile(sortedMs: readonly number[], p: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  return sortedMs[Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1)] ?? Number.NaN;
}

function latencySummary(samples: readonly LatencySample[]): string {
  const sorted = samples.map((s) => s.deliverMs - s.sendMs).sort((a, b) => a - b);
  const f = (ms: number): string => ms.toFixed(2);
  return `n=${String(sorted.length)} p50=${f(percentile(sorted, 50))} p99=${f(percentile(sorted, 99))} p99.9=${f(percentile(sorted, 99.9))} max=${f(sorted[sorted.length - 1] ?? Number.NaN)} ms`;
}

const perSec = (records: number, seconds: number): string => Math.round(records / seconds).toLocaleString('en-US');

async function tryPeer(
  peer: PeerSystem,
  records: number,
  producers: number,
  rate: number,
  seconds: number,
): Promise<void> {
  const started = performance.now();
  await peer.start();
  console.log(
    `${peer.name} ${peer.version} started in ${((performance.now() - started) / 1000).toFixed(1)} s: ${peer.durability}`,
  );
  try {
    for (const count of [1, producers]) {
      const topic = `try-100b-${String(count)}p`;
      const produced = await peer.produce(topic, { records, recordBytes: 100, producers: count });
      console.log(
        `  produce 100 B x ${String(records)}, ${String(count)} producer(s): ${perSec(produced.records, produced.seconds)} records/s`,
      );
      const consumed = await peer.consume(topic, records);
      console.log(
        `  consume catch-up: ${perSec(consumed.records, consumed.seconds)} records/s (${String(consumed.records)} records, ${String(consumed.bytes)} bytes)`,
      );
    }
    const samples = await peer.latency('try-latency', { ratePerSec: rate, seconds, recordBytes: 1024 });
    console.log(`  latency 1 KiB at ${String(rate)}/s for ${String(seconds)} s: ${latencySummary(samples)}`);
    console.log(`  server RSS ${(peer.rssBytes() / 2 ** 20).toFixed(0)} MiB`);
  } finally {
    await peer.stop();
  }
}

async function main(): Promise<void> {
  const records = option('--records', 200_000);
  const producers = option('--producers', 4);
  const rate = option('--rate', 10_000);
  const seconds = option('--seconds', 3);
  const { peers, unavailable } = await loadPeers(process.argv.includes('--full'));
  for (const { name, reason } of unavailable) console.log(`${name}: skipped (${reason})`);
  const onlyAt = process.argv.indexOf('--only');
  const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;
  for (const peer of peers) {
    if (only !== undefined && peer.name !== only) continue;
    try {
      await tryPeer(peer, records, producers, rate, seconds);
    } catch (err) {
      console.log(`${peer.name}: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exitCode = 1;
    }
  }
}

await main();
