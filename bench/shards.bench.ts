// Several shards holding streams at once, as the pods of `sse-soak k8s` do, simulated on one
// machine: SHARDS processes of `sse-soak run --shard i/SHARDS --workers 1 --start-at +Ns`,
// each holding its share of STREAMS quiet streams (a heartbeat every 15 s) against TARGETS
// built-in targets, over HTTP/1.1 or HTTP/2 (HTTP=2: h2c, up to 100 streams a connection).
// Then `sse-soak merge` joins their reports, and the merge is checked exactly: streams, events
// and every histogram's count add up to the shards'. Prints each shard's peak RSS and what a
// held stream costs (the fixed cost of an idle shard measured apart), and the memory
// `sse-soak k8s` would request for a pod holding one such shard (docs/scale.md), to set against
// the peak.
//
//   npm run bench:shards     (SHARDS=4 STREAMS=8000 TARGETS=2 HTTP=1.1 RAMP=10 HOLD=20)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { podMemory } from '../src/k8s/pod-memory.js';
import { spawnTarget, type ChildTarget } from '../src/target/child.js';
import { SHIPPED_CLI as CLI_MAIN } from '../src/util/paths.js';
import { processTree } from './proc-cpu.js';

const SHARDS = Number(process.env.SHARDS ?? 4);
const STREAMS = Number(process.env.STREAMS ?? 8000);
const TARGETS = Number(process.env.TARGETS ?? 2);
const HTTP = process.env.HTTP === '2' ? '2' : '1.1';
const RAMP = Number(process.env.RAMP ?? 10);
const HOLD = Number(process.env.HOLD ?? 20);

interface Summary {
  streams: { started: number };
  totals: { events: number };
  metrics: Record<string, { count: number }>;
  harness: { maxRssBytes: number };
  run: { mergedFrom: number; start?: { spreadMs?: number } };
}

const dir = mkdtempSync(join(tmpdir(), 'sse-soak-shards-'));
const targets: ChildTarget[] = [];
for (let i = 0; i < TARGETS; i++) targets.push(await spawnTarget({ http2: HTTP === '2' }));
const knobs = 'firstTokenDelay=10m&heartbeat=15s&tokens=1';
const variants = targets.map((t, i) => `    - { name: t${i + 1}, weight: 1, url: "${t.origin}/stream?${knobs}" }`).join('\n');
const scenario = (streams: number): string => `name: shard-held
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
    - { duration: ${RAMP}s, target: ${streams} }
    - { duration: ${HOLD}s, target: ${streams} }
  drain: 0s
output: { streamsCsv: false }
`;
writeFileSync(join(dir, 'held.yaml'), scenario(STREAMS));
writeFileSync(join(dir, 'idle.yaml'), scenario(SHARDS));

/** Runs `count` shards of `file` at once; the peak RSS of each shard's whole process tree. */
async function shards(file: string, count: number, tag: string): Promise<{ outs: string[]; peakRss: number[]; codes: (number | null)[] }> {
  const outs: string[] = [];
  const peakRss: number[] = [];
  const children = Array.from({ length: count }, (_, i) => {
    const out = join(dir, `${tag}-${i + 1}`);
    outs.push(out);
    peakRss.push(0);
    return spawn(process.execPath, [CLI_MAIN, 'run', file, '--shard', `${i + 1}/${count}`, '--workers', '1', '--start-at', '+5s', '--out', out, '--quiet'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  });
  const sampler = setInterval(() => {
    children.forEach((c, i) => {
      let sum = 0;
      for (const pid of processTree(c.pid as number)) {
        try {
          sum += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
        } catch {
          // ended meanwhile
        }
      }
      peakRss[i] = Math.max(peakRss[i] as number, sum);
    });
  }, 500);
  const codes = await Promise.all(children.map((c) => new Promise<number | null>((resolve) => c.once('exit', resolve))));
  clearInterval(sampler);
  return { outs, peakRss, codes };
}

const t0 = performance.now();
const idle = await shards(join(dir, 'idle.yaml'), SHARDS, 'idle');
const held = await shards(join(dir, 'held.yaml'), SHARDS, 'held');
const merged = join(dir, 'merged');
const mergeCode = await new Promise<number | null>((resolve) =>
  spawn(process.execPath, [CLI_MAIN, 'merge', ...held.outs, '--out', merged, '--quiet'], { stdio: 'ignore' }).once('exit', resolve),
);
for (const t of targets) await t.stop();

const read = (out: string): Summary => JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
const parts = held.outs.map(read);
const whole = read(merged);
const sum = (f: (s: Summary) => number): number => parts.reduce((n, s) => n + f(s), 0);
const exact =
  whole.streams.started === sum((s) => s.streams.started) &&
  whole.totals.events === sum((s) => s.totals.events) &&
  Object.keys(whole.metrics).every((m) => whole.metrics[m]?.count === sum((s) => s.metrics[m]?.count ?? 0));

const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
const perShard = STREAMS / SHARDS;
console.log(
  `\nshards benchmark: ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, node ${process.version}, HTTP/${HTTP}, ${((performance.now() - t0) / 1000).toFixed(0)} s`,
);
console.log(
  `  shards                           ${SHARDS} processes at once, ${perShard.toLocaleString('en-US')} streams each (${STREAMS.toLocaleString('en-US')} in all), exit codes ${held.codes.join(' ')}`,
);
console.log(
  `  merge                            exit code ${mergeCode}, mergedFrom ${whole.run.mergedFrom}, starts spread ${whole.run.start?.spreadMs ?? '?'} ms; streams, events and every histogram's count ${exact ? 'add up exactly' : 'DO NOT add up'}`,
);
console.log(`  streams started                  ${whole.streams.started.toLocaleString('en-US')} (${parts.map((s) => s.streams.started).join(' + ')})`);
for (let i = 0; i < SHARDS; i++) {
  const fixed = idle.peakRss[i] as number;
  const peak = held.peakRss[i] as number;
  console.log(
    `  shard ${i + 1}: peak RSS ${mib(peak)}, idle ${mib(fixed)}: ${((peak - fixed) / perShard / 1024).toFixed(1)} KiB per held stream beyond the fixed cost`,
  );
}
const together = (held.peakRss.reduce((a, b) => a + b, 0) - idle.peakRss.reduce((a, b) => a + b, 0)) / STREAMS / 1024;
console.log(`  all shards together: ${together.toFixed(1)} KiB per held stream beyond the fixed cost`);
// What `sse-soak k8s` would give a pod holding one of these shards (one worker: one process), against its peak.
const pod = podMemory({ workers: 1, streams: perShard, http2: HTTP === '2', streamsPerConnection: 100, tls: false, datasetBytes: 0, tokenizer: false });
console.log(
  `  sse-soak k8s's default for a pod of one such shard: ${pod.quantity} (${pod.reason}); the shards' highest peak ${mib(Math.max(...held.peakRss))}`,
);
