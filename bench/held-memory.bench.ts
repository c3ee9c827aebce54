// Where the memory of a held-open stream goes: STREAMS streams held open in this
// process (heartbeat every 15 s), then the heap after a forced GC per open stream,
// and a heap snapshot summed by constructor, largest first.
//
//   npm run bench:held-memory        (STREAMS=3000)
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { LoadRun } from '../src/driver/load-run.js';
import { parseScenario } from '../src/scenario/load.js';
import { spawnTarget } from '../src/target/child.js';

const STREAMS = Number(process.env.STREAMS ?? 3000);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

const target = await spawnTarget();
const scenario = parseScenario(
  `load: { stages: [{ duration: 6s, target: ${STREAMS} }, { duration: 10s, target: ${STREAMS} }] }\nstream: { idleTimeout: 60s }\ntarget: { sourceAddresses: 127.0.0.2-127.0.0.5 }`,
  'held.yaml',
  {},
);
const run = new LoadRun(scenario, `${target.origin}/stream?firstTokenDelay=10m&heartbeat=15s&tokens=1`);
gc();
const before = process.memoryUsage();
const measured = new Promise<void>((resolve) =>
  setTimeout(() => {
    gc();
    const m = process.memoryUsage();
    const open = run.inFlight;
    const kib = (a: number, b: number): string => ((a - b) / open / 1024).toFixed(1);
    console.log(`held-memory benchmark: ${open} streams held open in one process, node ${process.version}`);
    console.log(
      `  per open stream: RSS ${kib(m.rss, before.rss)} KiB, JS heap ${kib(m.heapUsed, before.heapUsed)} KiB, external ${kib(m.external, before.external)} KiB`,
    );
    const file = join(tmpdir(), `sse-soak-held-${process.pid}.heapsnapshot`);
    writeHeapSnapshot(file);
    summarizeRun(file, open);
    rmSync(file);
    resolve();
  }, 12_000),
);
await Promise.all([run.run(), measured]);
await target.stop();

/** Self sizes in a heap snapshot, summed by constructor (or kind), per open stream. */
function summarizeRun(file: string, open: number): void {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const kinds = snap.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const sums = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const kind = kinds[snap.nodes[i + iType] as number] as string;
    const key = kind === 'object' ? (snap.strings[snap.nodes[i + iName] as number] as string) : `(${kind})`;
    const s = sums.get(key) ?? { count: 0, bytes: 0 };
    s.count++;
    s.bytes += snap.nodes[i + iSize] as number;
    sums.set(key, s);
  }
  console.log('  heap by constructor, per open stream (bytes, objects):');
  for (const [name, s] of [...sums].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 20)) {
    console.log(`    ${String(Math.round(s.bytes / open)).padStart(6)} B ${(s.count / open).toFixed(1).padStart(6)}  ${name.slice(0, 60)}`);
  }
}
