// Many concurrent open streams from one machine: STREAMS streams opened over RAMP
// seconds and held for HOLD seconds, each quiet but for a heartbeat every 15 s (a
// reply whose first token is 10 minutes away). The harness runs as `sse-soak run
// --workers WORKERS` with its connections spread over the source addresses
// 127.0.0.2–127.0.0.9; the built-in target runs as TARGETS processes (one process
// holds at most `ulimit -n` connections). Prints the harness's memory (every
// worker's peak RSS added up, and the coordinator's) and what it costs per stream.
//
//   npm run bench:concurrent     (STREAMS=50000 WORKERS=3 TARGETS=4 RAMP=40 HOLD=40)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnTarget, type ChildTarget } from '../src/target/child.js';
import { processTree } from './proc-cpu.js';

const STREAMS = Number(process.env.STREAMS ?? 50_000);
const WORKERS = Number(process.env.WORKERS ?? 3);
const TARGETS = Number(process.env.TARGETS ?? 4);
const RAMP = Number(process.env.RAMP ?? 40);
const HOLD = Number(process.env.HOLD ?? 40);
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'sse-soak-concurrent-'));
const targets: ChildTarget[] = [];
for (let i = 0; i < TARGETS; i++) targets.push(await spawnTarget());
const knobs = 'firstTokenDelay=10m&heartbeat=15s&tokens=1';
const variants = targets.map((t, i) => `    - { name: t${i + 1}, weight: 1, url: "${t.origin}/stream?${knobs}" }`).join('\n');
writeFileSync(
  join(dir, 'held.yaml'),
  `name: held-open
target:
  sourceAddresses: 127.0.0.2-127.0.0.9
  connectTimeout: 30s
  variants:
${variants}
stream: { idleTimeout: 60s }
load:
  stages:
    - { duration: ${RAMP}s, target: ${STREAMS} }
    - { duration: ${HOLD}s, target: ${STREAMS} }
output: { streamsCsv: false }
`,
);
const out = join(dir, 'out');
const t0 = performance.now();
const child = spawn(process.execPath, [CLI, 'run', join(dir, 'held.yaml'), '--workers', String(WORKERS), '--out', out, '--progress-interval', '10s'], {
  stdio: ['ignore', 'inherit', 'inherit'],
});
// The whole harness's RSS (coordinator and workers) every second: its real peak together.
let peakTreeRss = 0;
const sampler = setInterval(() => {
  let sum = 0;
  for (const pid of processTree(child.pid as number)) {
    try {
      sum += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
    } catch {
      // ended meanwhile
    }
  }
  peakTreeRss = Math.max(peakTreeRss, sum);
}, 1000);
const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
clearInterval(sampler);
for (const t of targets) await t.stop();

const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
  streams: { started: number };
  outcomes: Record<string, number>;
  errorCodes: Record<string, number>;
  harness: { maxRssBytes: number; processes: number };
};
const rows = readFileSync(join(out, 'timeseries.csv'), 'utf8').trim().split('\n');
const cols = (rows[0] ?? '').split(',');
const open = Math.max(...rows.slice(1).map((r) => Number(r.split(',')[cols.indexOf('active_streams')])));
const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
console.log(
  `\nconcurrent benchmark: ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, node ${process.version}, exit code ${code}, ${((performance.now() - t0) / 1000).toFixed(0)} s`,
);
console.log(
  `  most streams open at once        ${open.toLocaleString('en-US')} (asked for ${STREAMS.toLocaleString('en-US')}, ${WORKERS} workers, ${TARGETS} target processes)`,
);
console.log(
  `  outcomes                         ${JSON.stringify(Object.fromEntries(Object.entries(s.outcomes).filter(([, n]) => n > 0)))} ${JSON.stringify(s.errorCodes)}`,
);
console.log(
  `  harness RSS, whole process tree  ${mib(peakTreeRss)} at its peak (${(peakTreeRss / Math.max(1, open) / 1024).toFixed(1)} KiB per open stream, fixed costs included)`,
);
console.log(`  workers' peak RSS, added up      ${mib(s.harness.maxRssBytes)} (${s.harness.processes} processes)`);
