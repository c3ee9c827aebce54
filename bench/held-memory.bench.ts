// Where the memory of a held-open stream goes. The load holds FIRST streams open (a heartbeat
// every 15 s), then STREAMS: what grows between the two plateaus is what a held stream costs,
// with the fixed costs (code, the run's aggregates, V8's young generation) left out and
// stated apart. Two passes in one process:
//
// 1. memory: after a forced GC at each plateau, the JS heap (used, and committed with V8's young
//    generation aside: its size follows how fast the process allocates at the moment, not what
//    it holds), external memory and RSS; per added stream, and the fixed part (the value at 0
//    streams). The heap used is the figure to compare: RSS also moves with how V8 sizes and fills
//    its pages, by several KiB a stream between runs of the same code (bench/RESULTS.md §3);
// 2. where it is: a heap snapshot at each plateau, summed by constructor (or kind), and the
//    difference per added stream. Writing a snapshot takes ~100 MiB of malloc'd memory that the
//    process keeps, so this pass comes after the memory pass, whose RSS it would spoil.
//
//   npm run bench:held-memory                    (HTTP/1.1: FIRST=2000 STREAMS=6000 RAMP=8)
//   HTTP=2 npm run bench:held-memory             (h2c, up to 100 streams a connection)
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { LoadRun } from '../src/driver/load-run.js';
import { parseScenario } from '../src/scenario/load.js';
import { spawnTarget } from '../src/target/child.js';

const FIRST = Number(process.env.FIRST ?? 2000);
const STREAMS = Number(process.env.STREAMS ?? 6000);
const HTTP = process.env.HTTP === '2' ? '2' : '1.1';
/** Seconds to open each plateau's new streams, and to hold each before it is read. */
const RAMP_S = Number(process.env.RAMP ?? 8);
const SETTLE_S = 6;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
const collect = gc;

interface Plateau {
  open: number;
  memory: NodeJS.MemoryUsage;
  /** What V8's young generation has committed: its size follows the allocation rate, not the streams held. */
  youngBytes: number;
}

const youngBytes = (): number =>
  getHeapSpaceStatistics()
    .filter((s) => s.space_name === 'new_space' || s.space_name === 'new_large_object_space')
    .reduce((sum, s) => sum + s.space_size, 0);

const target = await spawnTarget({ http2: HTTP === '2' });
const url = `${target.origin}/stream?firstTokenDelay=10m&heartbeat=15s&tokens=1`;

/** One pass: the two plateaus, `at` called at each once its streams have settled. */
async function pass(at: (plateau: Plateau, index: number) => void): Promise<void> {
  const hold = 2 * SETTLE_S;
  const scenario = parseScenario(
    `load:
  stages:
    - { duration: ${RAMP_S}s, target: ${FIRST} }
    - { duration: ${hold}s, target: ${FIRST} }
    - { duration: ${RAMP_S}s, target: ${STREAMS} }
    - { duration: ${hold}s, target: ${STREAMS} }
  drain: 0s
stream: { idleTimeout: 60s }
target: { http: "${HTTP}", maxStreamsPerConnection: 100, sourceAddresses: 127.0.0.2-127.0.0.5 }`,
    'held.yaml',
    {},
  );
  const run = new LoadRun(scenario, url);
  const read = (index: number): void => {
    collect();
    collect();
    at({ open: run.inFlight, memory: process.memoryUsage(), youngBytes: youngBytes() }, index);
  };
  const first = setTimeout(() => read(0), (RAMP_S + SETTLE_S) * 1000);
  const second = setTimeout(() => read(1), (2 * RAMP_S + hold + SETTLE_S) * 1000);
  await run.run();
  clearTimeout(first);
  clearTimeout(second);
}

const plateaus: Plateau[] = [];
await pass((p) => plateaus.push(p));
const files: string[] = [];
await pass((_p, i) => {
  const file = join(tmpdir(), `sse-soak-held-${process.pid}-${i}.heapsnapshot`);
  writeHeapSnapshot(file);
  files.push(file);
});
await target.stop();

const [a, b] = plateaus as [Plateau, Plateau];
const added = b.open - a.open;
const kib = (bytes: number): string => (bytes / 1024).toFixed(1);
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
const line = (name: string, f: (p: Plateau) => number): string => {
  const slope = (f(b) - f(a)) / added;
  return `  ${name.padEnd(34)} ${kib(slope).padStart(6)} KiB per stream; fixed ${mib(f(b) - slope * b.open).padStart(6)} MiB`;
};
console.log(
  `held-memory benchmark: HTTP/${HTTP}${HTTP === '2' ? ' (h2c, up to 100 streams a connection)' : ''}, streams held open in one process: ${a.open} then ${b.open}, node ${process.version}`,
);
console.log(
  `  per stream (the growth from ${a.open} to ${b.open} streams, after a forced GC), and the fixed part (at 0 streams); V8's young generation ${mib(a.youngBytes)} then ${mib(b.youngBytes)} MiB:`,
);
console.log(line('JS heap used', (p) => p.memory.heapUsed));
console.log(line('JS heap committed, young gen. aside', (p) => p.memory.heapTotal - p.youngBytes));
console.log(line('external', (p) => p.memory.external));
console.log(line('RSS', (p) => p.memory.rss));
console.log(line('RSS, young generation aside', (p) => p.memory.rss - p.youngBytes));
const sums = files.map(summarize);
for (const f of files) rmSync(f);
const [sa, sb] = sums as [Map<string, Sum>, Map<string, Sum>];
const rows = [...new Set([...sa.keys(), ...sb.keys()])].map((name) => {
  const x = sa.get(name) ?? { count: 0, bytes: 0 };
  const y = sb.get(name) ?? { count: 0, bytes: 0 };
  return { name, bytes: (y.bytes - x.bytes) / added, count: (y.count - x.count) / added };
});
const total = rows.reduce((s, r) => s + r.bytes, 0);
console.log(`  heap snapshot by constructor, per added stream (bytes, objects; ${Math.round(total)} B in all, native objects Node reports included):`);
for (const r of rows.sort((p, q) => q.bytes - p.bytes).slice(0, 25)) {
  console.log(`    ${String(Math.round(r.bytes)).padStart(6)} B ${r.count.toFixed(1).padStart(6)}  ${r.name.slice(0, 60)}`);
}

interface Sum {
  count: number;
  bytes: number;
}

/** Self sizes in a heap snapshot, summed by constructor (or kind). */
function summarize(file: string): Map<string, Sum> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const kinds = snap.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const sums = new Map<string, Sum>();
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const kind = kinds[snap.nodes[i + iType] as number] as string;
    const name = snap.strings[snap.nodes[i + iName] as number] as string;
    const key = kind === 'object' ? name : kind === 'closure' ? `${name || '(anonymous)'} (closure)` : `(${kind})`;
    const s = sums.get(key) ?? { count: 0, bytes: 0 };
    s.count++;
    s.bytes += snap.nodes[i + iSize] as number;
    sums.set(key, s);
  }
  return sums;
}
