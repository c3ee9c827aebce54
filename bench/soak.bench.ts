// Does the harness hold flat over a long soak? One process runs what `run --workers 1`
// runs (a LoadRun with streams.csv at 10 % and timeseries.csv written as it goes)
// against the built-in target in a child process, with streams that end and start
// all the time, and samples its own memory: RSS, and the JS heap after a forced GC,
// which is what the process really keeps. A leak shows as heap after GC growing with
// the streams that ended; allocator growth shows as RSS rising over a flat heap.
//
// The verdict compares every sample after the settling time (the first minutes, while
// V8 and the allocator size their heaps to the load) with the sample at its end.
//
//   npm run bench:soak                         (an hour: SOAK_MINUTES=60)
//   SOAK_MINUTES=20 npm run bench:soak         (shorter; the settling time stays 5 min, or a quarter of the run if less)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportCsv } from '../src/run/report-csv.js';
import { streamsSample } from '../src/run/streams-sample.js';
import { LoadRun } from '../src/driver/load-run.js';
import { SECOND_COLUMNS, secondRow, STREAM_COLUMNS } from '../src/report/csv-rows.js';
import { parseScenario } from '../src/scenario/load.js';
import { spawnTarget } from '../src/target/child.js';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 60);
const SESSIONS = Number(process.env.SOAK_SESSIONS ?? 200);
const SAMPLE_S = Number(process.env.SOAK_SAMPLE_S ?? (MINUTES >= 20 ? 60 : 15));
/** The first minutes are V8 and the allocator sizing themselves to the load, not growth. */
const SETTLE_MIN = Math.min(5, MINUTES / 4);
/**
 * The bounds, after the settling time. Heap after GC: what the harness keeps must not
 * grow with the streams that ended (about 115,000 streams an hour here: a leak of 64
 * bytes per stream would already show as 7 MiB). RSS: a little room for the allocator's
 * fragmentation and the OS's lazy return of pages, nothing like the +2.2 MiB/min
 * (+132 MiB/h) of the report that asked for this benchmark.
 */
const BOUND_HEAP_MIB = 4;
const BOUND_RSS_MIB = 16;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

// Replies of 2.5–7.5 s (100 ± 50 % tokens at 20/s) with a heartbeat, 1 s think time:
// about 33 streams end and start every second at 200 sessions, 4,000 events/s.
const replyQuery = process.env.SOAK_REPLY ?? 'firstTokenDelay=200ms&tokenInterval=50ms&tokens=100&tokensSpread=0.5&heartbeat=2s';
const target = await spawnTarget();
const scenario = parseScenario(
  `name: soak-bench
load: { model: closed, sessions: ${SESSIONS}, duration: ${MINUTES * 60}s, thinkTime: 1s }
stream: { idleTimeout: 60s, lifetime: 10m }
output: { streamsCsv: 10% }`,
  'soak.bench.yaml',
  {},
);
const dir = mkdtempSync(join(tmpdir(), 'sse-soak-soak-bench-'));
const streamRow = streamsSample(scenario, 0);
const streamsCsv = reportCsv(join(dir, 'streams.csv'), STREAM_COLUMNS);
const timeseries = reportCsv(join(dir, 'timeseries.csv'), SECOND_COLUMNS);
let ended = 0;
const run = new LoadRun(scenario, `${target.origin}/stream?${replyQuery}`, {
  hooks: {
    onStreamEnd: (r) => {
      ended++;
      const row = streamRow?.(r);
      if (row) streamsCsv.write(row);
    },
    onSecond: (s) => timeseries.write(secondRow(s, startEpochMs)),
  },
});

interface Sample {
  minute: number;
  ended: number;
  open: number;
  rssMiB: number;
  heapMiB: number;
  externalMiB: number;
}
const mib = (b: number): number => Math.round((b / 2 ** 20) * 10) / 10;
const samples: Sample[] = [];
const t0 = performance.now();
const startEpochMs = Date.now();
console.log(
  `soak benchmark: ${MINUTES} min, ${SESSIONS} sessions, /stream?${replyQuery}, think 1 s; one process, node ${process.version}; sample every ${SAMPLE_S} s`,
);
console.log('| minute | streams ended | open | RSS MiB | heap after GC MiB | external MiB |');
console.log('|---:|---:|---:|---:|---:|---:|');
const sample = (): void => {
  gc();
  const m = process.memoryUsage();
  const s: Sample = {
    minute: Math.round((performance.now() - t0) / 600) / 100,
    ended,
    open: run.inFlight,
    rssMiB: mib(m.rss),
    heapMiB: mib(m.heapUsed),
    externalMiB: mib(m.external),
  };
  samples.push(s);
  console.log(`| ${s.minute.toFixed(1)} | ${s.ended} | ${s.open} | ${s.rssMiB} | ${s.heapMiB} | ${s.externalMiB} |`);
};
sample();
const sampler = setInterval(sample, SAMPLE_S * 1000);
await run.run();
clearInterval(sampler);
sample();
await Promise.all([streamsCsv.close(), timeseries.close()]);
await target.stop();
rmSync(dir, { recursive: true, force: true });

// The last sample is taken after the run ended (its streams closed); the figures use the ones during it.
const during = samples.slice(0, -1);
const settled = during.filter((s) => s.minute >= SETTLE_MIN);
const first = settled[0];
const last = settled[settled.length - 1];
if (first === undefined || last === undefined || settled.length < 2) {
  console.log('too short to judge: no two samples after the settling time');
  process.exit(1);
}
const range = (f: (s: Sample) => number): { min: number; max: number; growth: number; perHour: number } => {
  const v = settled.map(f);
  // Least-squares slope over the settled samples, per hour.
  const xs = settled.map((s) => s.minute);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = v.reduce((a, b) => a + b, 0) / v.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < v.length; i++) {
    num += ((xs[i] as number) - mx) * ((v[i] as number) - my);
    den += ((xs[i] as number) - mx) ** 2;
  }
  return {
    min: Math.min(...v),
    max: Math.max(...v),
    growth: Math.round((f(last) - f(first)) * 10) / 10,
    perHour: den === 0 ? 0 : Math.round((num / den) * 60 * 10) / 10,
  };
};
const heap = range((s) => s.heapMiB);
const rss = range((s) => s.rssMiB);
const streamsPerMin = Math.round(((last.ended - first.ended) / Math.max(1e-9, last.minute - first.minute)) * 10) / 10;
console.log('');
console.log(
  `after minute ${SETTLE_MIN} (${first.minute.toFixed(1)} → ${last.minute.toFixed(1)} min, ${last.ended - first.ended} streams ended, ${streamsPerMin}/min):`,
);
console.log(
  `  heap after GC: ${heap.min}–${heap.max} MiB, ${heap.growth >= 0 ? '+' : ''}${heap.growth} MiB first to last, trend ${heap.perHour} MiB/h (bound: growth ≤ ${BOUND_HEAP_MIB} MiB)`,
);
console.log(
  `  RSS:           ${rss.min}–${rss.max} MiB, ${rss.growth >= 0 ? '+' : ''}${rss.growth} MiB first to last, trend ${rss.perHour} MiB/h (bound: growth ≤ ${BOUND_RSS_MIB} MiB)`,
);
const heapOk = heap.max - first.heapMiB <= BOUND_HEAP_MIB;
const rssOk = rss.max - first.rssMiB <= BOUND_RSS_MIB;
console.log(
  `verdict: ${heapOk && rssOk ? 'FLAT' : 'GROWS'} — heap after GC ${heapOk ? 'within' : 'past'} its bound, RSS ${rssOk ? 'within' : 'past'} its bound (highest sample vs the first settled one)`,
);
process.exit(heapOk && rssOk ? 0 : 1);
