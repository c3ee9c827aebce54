// Many concurrent open streams from one machine: STREAMS streams opened over RAMP
// seconds and held for HOLD seconds, each quiet but for a heartbeat every 15 s (a
// reply whose first token is 10 minutes away). The harness runs as `sse-soak run
// --workers WORKERS` with its connections spread over the source addresses
// 127.0.0.2–127.0.0.9; the built-in target runs as TARGETS processes (one process
// holds at most `ulimit -n` connections). HTTP=2: h2c, up to 100 streams a connection.
//
// First the same processes hold one stream per worker for a few seconds: their RSS is the
// fixed cost, stated apart. Then the load; printed: the whole harness's RSS (every process,
// sampled each second) at the end of the hold and at its peak (the run's end, aborting every
// stream at once, is in the peak), what it costs per stream with and without the fixed cost,
// and what the workers' JS heap held at the end of the hold (timeseries.csv).
//
//   npm run bench:concurrent     (STREAMS=50000 WORKERS=3 TARGETS=4 RAMP=40 HOLD=40 HTTP=1.1)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnTarget, type ChildTarget } from '../src/target/child.js';
import { processTree } from './proc-cpu.js';
import { SHIPPED_CLI } from '../src/util/paths.js';

const STREAMS = Number(process.env.STREAMS ?? 50_000);
const WORKERS = Number(process.env.WORKERS ?? 3);
const TARGETS = Number(process.env.TARGETS ?? 4);
const RAMP = Number(process.env.RAMP ?? 40);
const HOLD = Number(process.env.HOLD ?? 40);
const HTTP = process.env.HTTP === '2' ? '2' : '1.1';
// The bundle, as `sse-soak` runs.
const CLI = SHIPPED_CLI;

const dir = mkdtempSync(join(tmpdir(), 'sse-soak-concurrent-'));
const targets: ChildTarget[] = [];
for (let i = 0; i < TARGETS; i++) targets.push(await spawnTarget({ http2: HTTP === '2' }));
const knobs = 'firstTokenDelay=10m&heartbeat=15s&tokens=1';
const variants = targets.map((t, i) => `    - { name: t${i + 1}, weight: 1, url: "${t.origin}/stream?${knobs}" }`).join('\n');

interface Held {
  code: number | null;
  out: string;
  /** The whole harness's RSS (coordinator and workers) at its highest, sampled every second. */
  peakTreeRss: number;
  /** The whole harness's RSS at the end of the hold: the last sample before the last second with every stream open. */
  heldTreeRss: number;
  /** The workers' figures in that second (timeseries.csv): RSS, JS heap used, what the last full GC kept (MiB). */
  held: { open: number; rssMib: number; heapUsedMib: number; heapAfterGcMib: number };
}

/** `sse-soak run --workers WORKERS` holding `streams` streams; its exit code, report folder and memory. */
async function hold(name: string, streams: number, rampS: number, holdS: number): Promise<Held> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}
target:
  http: "${HTTP}"
  maxStreamsPerConnection: 100
  sourceAddresses: 127.0.0.2-127.0.0.9
  connectTimeout: 30s
  variants:
${variants}
stream: { idleTimeout: 60s }
load:
  stages:
    - { duration: ${rampS}s, target: ${streams} }
    - { duration: ${holdS}s, target: ${streams} }
  drain: 0s
output: { streamsCsv: false }
`,
  );
  const out = join(dir, name);
  const child = spawn(process.execPath, [CLI, 'run', file, '--workers', String(WORKERS), '--out', out, '--progress-interval', '10s'], {
    stdio: ['ignore', name === 'idle' ? 'ignore' : 'inherit', 'inherit'],
  });
  const samples: { atMs: number; rss: number }[] = [];
  const sampler = setInterval(() => {
    let sum = 0;
    for (const pid of processTree(child.pid as number)) {
      try {
        sum += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
      } catch {
        // ended meanwhile
      }
    }
    samples.push({ atMs: Date.now(), rss: sum });
  }, 1000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(sampler);
  const rows = readFileSync(join(out, 'timeseries.csv'), 'utf8').trim().split('\n');
  const cols = (rows[0] ?? '').split(',');
  const cell = (row: string, col: string): string => row.split(',')[cols.indexOf(col)] ?? '';
  const open = Math.max(...rows.slice(1).map((r) => Number(cell(r, 'active_streams'))));
  // Streams held, before the run's end aborts them all (which makes garbage, and the peak).
  const last = rows.slice(1).findLast((r) => Number(cell(r, 'active_streams')) === open) ?? '';
  const endMs = Date.parse(cell(last, 'time'));
  return {
    code,
    out,
    peakTreeRss: Math.max(...samples.map((x) => x.rss)),
    heldTreeRss: samples.findLast((x) => x.atMs <= endMs)?.rss ?? NaN,
    held: {
      open,
      rssMib: Number(cell(last, 'rss_mib')),
      heapUsedMib: Number(cell(last, 'heap_used_mib')),
      heapAfterGcMib: Number(cell(last, 'heap_after_gc_mib')),
    },
  };
}

const t0 = performance.now();
const idle = await hold('idle', WORKERS, 2, 8);
const run = await hold('held-open', STREAMS, RAMP, HOLD);
for (const t of targets) await t.stop();

const s = JSON.parse(readFileSync(join(run.out, 'summary.json'), 'utf8')) as {
  outcomes: Record<string, number>;
  errorCodes: Record<string, number>;
  harness: { maxRssBytes: number; processes: number };
};
const open = run.held.open;
const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
const perStream = (bytes: number): string => `${(bytes / Math.max(1, open) / 1024).toFixed(1)} KiB`;
console.log(
  `\nconcurrent benchmark: ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, node ${process.version}, HTTP/${HTTP}${HTTP === '2' ? ' (h2c, up to 100 streams a connection)' : ''}, exit code ${run.code}, ${((performance.now() - t0) / 1000).toFixed(0)} s`,
);
console.log(
  `  most streams open at once        ${open.toLocaleString('en-US')} (asked for ${STREAMS.toLocaleString('en-US')}, ${WORKERS} workers, ${TARGETS} target processes)`,
);
console.log(
  `  outcomes                         ${JSON.stringify(Object.fromEntries(Object.entries(s.outcomes).filter(([, n]) => n > 0)))} ${JSON.stringify(s.errorCodes)}`,
);
console.log(
  `  fixed cost                       ${mib(idle.heldTreeRss)}: the same processes holding ${WORKERS} streams (whole process tree; exit code ${idle.code})`,
);
console.log(
  `  whole tree, streams held         ${mib(run.heldTreeRss)} at the end of the hold: ${perStream(run.heldTreeRss)} per stream with the fixed cost, ${perStream(run.heldTreeRss - idle.heldTreeRss)} beyond it`,
);
console.log(
  `  whole tree, peak                 ${mib(run.peakTreeRss)} (the run's end aborting every stream included): ${perStream(run.peakTreeRss)} per stream with the fixed cost, ${perStream(run.peakTreeRss - idle.heldTreeRss)} beyond it`,
);
console.log(
  `  workers at the end of the hold   RSS ${run.held.rssMib.toFixed(0)} MiB, JS heap used ${run.held.heapUsedMib.toFixed(0)} MiB, kept at the last full GC ${run.held.heapAfterGcMib.toFixed(0)} MiB (${perStream(run.held.heapAfterGcMib * 2 ** 20)} per stream; timeseries.csv)`,
);
console.log(`  workers' peak RSS, added up      ${mib(s.harness.maxRssBytes)} (${s.harness.processes} processes)`);
