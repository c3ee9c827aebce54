// Is the built-in target cheap enough not to be the bottleneck? Holds STREAMS
// concurrent streams at 20 tokens/s against it (in its own process, as `run` starts
// it) and prints the CPU each side used, as a share of one core.
//
//   npm run build && node dist/bench/target.bench.js      (STREAMS=3000 SECONDS=15)
import { statsMs } from '../src/aggregate/histogram.js';
import { LoadRun } from '../src/driver/load-run.js';
import { parseScenario } from '../src/scenario/load.js';
import { spawnTarget } from '../src/target/child.js';
import { procCpuSeconds } from './proc-cpu.js';

const STREAMS = Number(process.env.STREAMS ?? 3000);
const SECONDS = Number(process.env.SECONDS ?? 15);

const target = await spawnTarget();
// Replies longer than the run, so every stream stays open at 20 tokens/s throughout.
const tokens = (SECONDS + 10) * 20;
const scenario = parseScenario(`load: { sessions: ${STREAMS}, duration: ${SECONDS}s }\nstream: { idleTimeout: 60s }`, 'bench.yaml', {});
const url = `${target.origin}/stream?firstTokenDelay=0ms&tokenInterval=50ms&tokens=${tokens}`;

const targetCpu0 = procCpuSeconds(target.pid);
const run = new LoadRun(scenario, url);
const result = await run.run();
const targetCpu = procCpuSeconds(target.pid) - targetCpu0;
await target.stop();

const seconds = result.durationMs / 1000;
const agg = result.overall;
const h = result.harness;
const harnessCpu = (h.cpuUserMs + h.cpuSystemMs) / 1000;
console.log(`target benchmark: ${STREAMS} streams × 20 tokens/s for ${seconds.toFixed(1)} s, node ${process.version}`);
console.log(`  events received        ${agg.events} (${Math.round(agg.events / seconds)}/s)`);
console.log(`  outcomes               ${JSON.stringify(Object.fromEntries(Object.entries(agg.outcomes).filter(([, n]) => n > 0)))}`);
console.log(`  target CPU             ${(targetCpu / seconds).toFixed(2)} of one core (${((targetCpu / agg.events) * 1e6).toFixed(1)} µs per event)`);
console.log(`  harness CPU            ${(harnessCpu / seconds).toFixed(2)} of one core (${((harnessCpu / agg.events) * 1e6).toFixed(1)} µs per event)`);
console.log(`  harness event-loop lag p99 ${h.eventLoopDelayMs.p99} ms, max ${h.eventLoopDelayMs.max} ms; max RSS ${(h.maxRssBytes / 2 ** 20).toFixed(0)} MiB`);
const itl = statsMs(agg.histograms.itl);
const lag = statsMs(agg.histograms.deliveryLag);
console.log(`  itl p50/p99            ${itl.p50} / ${itl.p99} ms (configured 50 ms)`);
console.log(`  delivery lag p50/p99   ${lag.p50} / ${lag.p99} ms`);
