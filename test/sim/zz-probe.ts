import { runSim } from './scenario.js';
const from = Number(process.argv[2] ?? 1), to = Number(process.argv[3] ?? 1000);
let fails = 0; const t0 = performance.now(); let maxRec = 0;
for (let seed = from; seed < to; seed++) {
  try {
    const r = runSim(seed, { nodeCount: seed % 2 === 0 ? 3 : 5, chaosTicks: 300, livenessElectionTimeouts: 30, catchUpTicks: 1000 });
    maxRec = Math.max(maxRec, r.recoveryTicks);
  } catch (e) { fails++; if (fails < 4) console.log('FAIL', seed, String(e).slice(0, 200)); }
}
console.log('fails', fails, 'ms', Math.round(performance.now() - t0), 'maxRec', maxRec);
