// What a workload costs the harness per stream, next to today's one fixed body: the same closed
// load (SESSIONS sessions back to back, replies of TOKENS tokens every INTERVAL ms, SECONDS
// long) run three ways against one built-in target in its own process:
//
//   fixed body     every stream sends the scenario's one body (no workload)
//   dataset        a JSONL file of LINES chat bodies, shuffled
//   conversations  synthetic multi-turn conversations, 3–8 turns, prompts of ~500 tokens, each
//                  turn resending the history with the replies as streamed
//
// Each way runs in a fresh process of its own (this file, forked), so the tokenizer's module
// and one way's heap do not show in another's figures. Printed per way: the harness's CPU
// (process.cpuUsage, the whole process) per stream and per event over the run, heap and RSS
// after a forced GC once the workload is prepared and at the end, the preparation's time (the
// scenario's file check and LoadRun.prepare: datasets read, prompts tokenized), streams done.
// And, in-process, free of the machine's noise: what the workload's own request source costs a
// stream (next() and ended() called REQUESTS times, as SESSIONS sessions would, with a 20-token reply).
// Not a test: numbers depend on the machine; bench/RESULTS.md keeps the ones we quote.
//
//   npm run bench:workload     (SESSIONS=200 SECONDS=10 TOKENS=20 INTERVAL=10 LINES=100000 ROUNDS=1)
//
// ROUNDS > 1 runs the three ways again, in turn (fixed, dataset, conversations, fixed, …), so that
// a shared machine's noise shows as the spread between rounds.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { treeCpuSeconds } from './proc-cpu.js';

const SESSIONS = Number(process.env.SESSIONS ?? 200);
const SECONDS = Number(process.env.SECONDS ?? 10);
const TOKENS = Number(process.env.TOKENS ?? 20);
const INTERVAL = Number(process.env.INTERVAL ?? 10);
const LINES = Number(process.env.LINES ?? 100_000);
const ROUNDS = Number(process.env.ROUNDS ?? 1);

const WAYS = ['fixed body', 'dataset', 'conversations'] as const;
type Way = (typeof WAYS)[number];

interface Figures {
  way: Way;
  prepMs: number;
  prepCpuMs: number;
  /** After a forced GC: at start (modules loaded), once prepared, at the end. */
  heapMiB: { start: number; prepared: number; end: number };
  /** Buffers outside the JS heap (a dataset's bodies live there), after the same GCs. */
  buffersMiB: { start: number; prepared: number; end: number };
  rssMiB: { start: number; prepared: number; end: number; peak: number };
  runCpuMs: number;
  streams: number;
  completed: number;
  events: number;
  requestBytes: number;
  lagP99Ms: number;
  saturatedSeconds: number;
  /** CPU of the request source alone per stream, µs (next + ended); null: no workload. */
  sourceUs: number | null;
}

const TOPICS = [
  'a reverse proxy',
  'TCP slow start',
  'HTTP/2 flow control',
  'prefix caching',
  'a B-tree',
  'Server-Sent Events',
  'TLS session resumption',
  'backpressure',
];
/** Line i of the dataset: a chat body of one to four messages, 80–400 characters of content (as bench/dataset.bench.ts). */
function line(i: number): string {
  const topic = TOPICS[i % TOPICS.length] as string;
  const messages = [{ role: 'user', content: `Request ${i}: explain ${topic} to a new engineer. ${'Give an example and a pitfall. '.repeat(1 + (i % 9))}` }];
  if (i % 3 === 0) messages.unshift({ role: 'system', content: 'You are a precise, terse teacher. Answer in plain English.' });
  if (i % 5 === 0) messages.push({ role: 'assistant', content: `Sure — ${topic} in short:` }, { role: 'user', content: 'Go on, in more depth.' });
  return JSON.stringify({ model: 'gpt-4o-mini', stream: true, max_tokens: TOKENS, temperature: 0.7, messages });
}

function scenarioYaml(way: Way, url: string, dir: string): string {
  const common = `name: workload-bench
target:
  url: "${url}"
${way === 'fixed body' ? `  body: ${JSON.stringify(line(7))}\n` : ''}stream: { tokens: { jsonPath: choices.0.delta.content } }
load: { model: closed, sessions: ${SESSIONS}, duration: ${SECONDS}s, drain: 10s }
`;
  if (way === 'dataset') return `${common}workload: { dataset: { file: ${JSON.stringify(join(dir, 'bodies.jsonl'))}, order: shuffle } }\n`;
  if (way === 'conversations') {
    return `${common}workload:
  synthetic: { inputTokens: { mean: 500, stddev: 100, min: 200, max: 800 }, pool: 1000 }
  model: bench
  outputTokens: ${TOKENS}
  conversation: { turns: { min: 3, max: 8 } }
`;
  }
  return common;
}

// ── one way, in a process of its own ──
async function runWay(way: Way, url: string, dir: string): Promise<Figures> {
  const { LoadRun } = await import('../src/driver/load-run.js');
  const { parseScenario } = await import('../src/scenario/load.js');
  const { checkWorkloadFiles } = await import('../src/scenario/workload-files.js');
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  const mem = async (): Promise<{ heap: number; buffers: number; rss: number }> => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    gc();
    gc();
    const m = process.memoryUsage();
    return { heap: m.heapUsed / 2 ** 20, buffers: m.arrayBuffers / 2 ** 20, rss: m.rss / 2 ** 20 };
  };
  const start = await mem();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // As `run` does: the scenario loaded (its files read and checked), then the run prepared.
  const scenario = await checkWorkloadFiles(parseScenario(scenarioYaml(way, url, dir), join(dir, 'bench.yaml'), {}));
  // The request bytes each stream sends, from undici's own diagnostics channel (no hot-path hook of ours).
  const { subscribe } = await import('node:diagnostics_channel');
  let requestBytes = 0;
  subscribe('undici:request:bodySent', (m) => {
    const body = (m as { request?: { body?: unknown } }).request?.body;
    if (typeof body === 'string') requestBytes += Buffer.byteLength(body);
    else if (body instanceof Uint8Array) requestBytes += body.byteLength;
  });
  const run = new LoadRun(scenario, url);
  await run.prepare();
  const prepMs = performance.now() - t0;
  const prepCpu = process.cpuUsage(cpu0);
  const prepared = await mem();
  const cpu1 = process.cpuUsage();
  const result = await run.run();
  const runCpu = process.cpuUsage(cpu1);
  const end = await mem();
  const o = result.overall;
  const saturatedSeconds = result.harness.saturated.reduce((sum, s) => sum + s.toSecond - s.fromSecond + 1, 0);
  const sourceUs = scenario.workload === null ? null : await sourceCost(scenario.workload, scenario.seed);
  return {
    way,
    prepMs,
    prepCpuMs: (prepCpu.user + prepCpu.system) / 1000,
    heapMiB: { start: start.heap, prepared: prepared.heap, end: end.heap },
    buffersMiB: { start: start.buffers, prepared: prepared.buffers, end: end.buffers },
    rssMiB: { start: start.rss, prepared: prepared.rss, end: end.rss, peak: process.resourceUsage().maxRSS / 1024 },
    runCpuMs: (runCpu.user + runCpu.system) / 1000,
    streams: o.ended,
    completed: o.outcomes.completed,
    events: o.events,
    requestBytes,
    lagP99Ms: result.harness.eventLoopDelayMs.p99,
    saturatedSeconds,
    sourceUs,
  };
}

const REQUESTS = 50_000;
/** A reply of 20 tokens as a conversation's history keeps it. */
const REPLY = 'Sure: a short answer of about twenty tokens, enough to show what a reply costs to keep in the history.';

/** The request source's own CPU per stream: next() and ended() for REQUESTS streams of SESSIONS sessions, in turn. */
async function sourceCost(workload: NonNullable<import('../src/scenario/types.js').Scenario['workload']>, seed: number): Promise<number> {
  const { prepareRequestSource } = await import('../src/workload/source.js');
  const source = await prepareRequestSource(workload, { shard: { index: 0, count: 1 }, seed, model: 'closed' });
  let bytes = 0;
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < REQUESTS; i++) {
    const session = i % SESSIONS;
    bytes += source.next(session).body.length;
    source.ended(session, true, REPLY, 20);
  }
  const cpu = process.cpuUsage(cpu0);
  if (bytes === 0) throw new Error('no body');
  return (cpu.user + cpu.system) / REQUESTS;
}

if (process.env.BENCH_WAY !== undefined) {
  const figures = await runWay(process.env.BENCH_WAY as Way, process.env.BENCH_URL as string, process.env.BENCH_DIR as string);
  process.send?.(figures);
  process.exit(0);
}

// ── the parent: the data, the target, each way in turn, the table ──
const { spawnTarget } = await import('../src/target/child.js');
const dir = mkdtempSync(join(tmpdir(), 'sse-soak-workload-bench-'));
const t0 = performance.now();
writeFileSync(join(dir, 'bodies.jsonl'), `${Array.from({ length: LINES }, (_, i) => line(i)).join('\n')}\n`);
const target = await spawnTarget();
const url = `${target.origin}/v1/chat/completions?format=openai&firstTokenDelay=${INTERVAL}ms&tokenInterval=${INTERVAL}ms&tokens=${TOKENS}`;
const rows: (Figures & { targetCpuS: number; load1: number })[] = [];
for (const way of Array.from({ length: ROUNDS }, () => WAYS).flat()) {
  const targetCpu0 = treeCpuSeconds(target.pid);
  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--expose-gc'],
    env: { ...process.env, BENCH_WAY: way, BENCH_URL: url, BENCH_DIR: dir },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const figures = await new Promise<Figures>((resolve, reject) => {
    child.once('message', (m) => resolve(m as Figures));
    child.once('exit', (code) => reject(new Error(`the ${way} run ended with ${code} before its figures`)));
  });
  await new Promise((resolve) => child.once('exit', resolve));
  rows.push({ ...figures, targetCpuS: treeCpuSeconds(target.pid) - targetCpu0, load1: loadavg()[0] ?? 0 });
}
await target.stop();
rmSync(dir, { recursive: true });

const f1 = (n: number): string => n.toFixed(1);
const f0 = (n: number): string => n.toFixed(0);
console.log(
  `\nworkload benchmark: ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}; ${SESSIONS} sessions back to back for ${SECONDS} s, ` +
    `replies of ${TOKENS} tokens every ${INTERVAL} ms; dataset ${LINES.toLocaleString('en-US')} lines; ${f0((performance.now() - t0) / 1000)} s in all`,
);
console.log(
  '\n| way | streams done | events | CPU µs/stream | CPU µs/event | request KiB/stream | prep ms (CPU ms) | heap MiB start → prepared → end | buffers MiB prepared | RSS MiB start → prepared → end (peak) | lag p99 ms | saturated s | target cores | load avg | source alone µs/stream |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---|---:|---|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.way} | ${r.completed} | ${r.events} | ${f0((r.runCpuMs * 1000) / Math.max(1, r.streams))} | ${f1((r.runCpuMs * 1000) / Math.max(1, r.events))} | ${f1(r.requestBytes / 1024 / Math.max(1, r.streams))} | ` +
      `${f0(r.prepMs)} (${f0(r.prepCpuMs)}) | ${f1(r.heapMiB.start)} → ${f1(r.heapMiB.prepared)} → ${f1(r.heapMiB.end)} | ${f1(r.buffersMiB.prepared)} | ${f0(r.rssMiB.start)} → ${f0(r.rssMiB.prepared)} → ${f0(r.rssMiB.end)} (${f0(r.rssMiB.peak)}) | ` +
      `${f1(r.lagP99Ms)} | ${r.saturatedSeconds} | ${(r.targetCpuS / (SECONDS + 1)).toFixed(2)} | ${r.load1.toFixed(1)} | ${r.sourceUs === null ? '–' : f1(r.sourceUs)} |`,
  );
}
// Medians over the rounds, against the fixed body's.
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] as number;
const perStream = (x: Figures): number => (x.runCpuMs * 1000) / Math.max(1, x.streams);
const perEvent = (x: Figures): number => (x.runCpuMs * 1000) / Math.max(1, x.events);
const of = (way: Way): Figures[] => rows.filter((r) => r.way === way);
const base = { stream: median(of('fixed body').map(perStream)), event: median(of('fixed body').map(perEvent)) };
for (const way of WAYS.slice(1)) {
  const stream = median(of(way).map(perStream));
  const event = median(of(way).map(perEvent));
  console.log(
    `${way}: ${f0(stream)} µs CPU per stream, ${(stream / base.stream).toFixed(2)}× the fixed body's; ${f1(event)} µs per event, ${(event / base.event).toFixed(2)}×`,
  );
}
