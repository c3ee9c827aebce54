// Memory must not grow with run length or event count: runs many short streams
// (many events and many stream records) and prints the heap after a forced GC at
// every sample. Flat heap = nothing kept per stream or per event.
//
//   npm run bench:memory        (SECONDS=30 SESSIONS=200)
import { LoadRun } from '../src/driver/load-run.js';
import { parseScenario } from '../src/scenario/load.js';
import { spawnTarget } from '../src/target/child.js';

const SECONDS = Number(process.env.SECONDS ?? 30);
const SESSIONS = Number(process.env.SESSIONS ?? 200);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

const target = await spawnTarget();
const scenario = parseScenario(`load: { sessions: ${SESSIONS}, duration: ${SECONDS}s }`, 'bench.yaml', {});
const run = new LoadRun(scenario, `${target.origin}/stream?firstTokenDelay=5ms&tokenInterval=5ms&tokens=20`);

const samples: { s: number; streams: number; events: number; heapMiB: number }[] = [];
const t0 = performance.now();
const sampler = setInterval(() => {
  gc();
  const agg = run.overall();
  samples.push({ s: Math.round((performance.now() - t0) / 1000), streams: agg.started, events: agg.events, heapMiB: process.memoryUsage().heapUsed / 2 ** 20 });
}, 5000);
await run.run();
clearInterval(sampler);
await target.stop();

console.log(`memory benchmark: ${SESSIONS} sessions of 20-token replies at 200 tokens/s for ${SECONDS} s, node ${process.version}`);
console.log('    t  streams started     events   heap after GC');
for (const x of samples)
  console.log(`${String(x.s).padStart(4)}s ${String(x.streams).padStart(15)} ${String(x.events).padStart(10)} ${x.heapMiB.toFixed(1).padStart(10)} MiB`);
const first = samples[1] ?? samples[0];
const last = samples[samples.length - 1];
if (first && last && last.events > first.events) {
  const perMillion = ((last.heapMiB - first.heapMiB) / (last.events - first.events)) * 1e6;
  console.log(
    `heap growth from ${first.s}s to ${last.s}s: ${(last.heapMiB - first.heapMiB).toFixed(2)} MiB over ${last.events - first.events} events (${perMillion.toFixed(2)} MiB per million events)`,
  );
}
