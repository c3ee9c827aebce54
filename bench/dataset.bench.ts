// What a request dataset costs to hold and to load: 100,000 synthetic chat bodies (or
// LINES) read by readDataset, memory measured after a forced GC, beside the two obvious
// alternatives (every body parsed, every body a string) for scale. Not a test: numbers
// depend on the machine and Node; bench/RESULTS.md keeps the ones we quote.
//
//   npm run bench:dataset        (LINES=100000)
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDataset, type BodyDataset } from '../src/workload/dataset.js';

const LINES = Number(process.env.LINES ?? 100_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

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
/** Line i: a chat body of varied length (one to four messages, 80–400 characters of content). */
function line(i: number): string {
  const topic = TOPICS[i % TOPICS.length] as string;
  const messages = [{ role: 'user', content: `Request ${i}: explain ${topic} to a new engineer. ${'Give an example and a pitfall. '.repeat(1 + (i % 9))}` }];
  if (i % 3 === 0) messages.unshift({ role: 'system', content: 'You are a precise, terse teacher. Answer in plain English.' });
  if (i % 5 === 0) messages.push({ role: 'assistant', content: `Sure — ${topic} in short:` }, { role: 'user', content: 'Go on, in more depth.' });
  return JSON.stringify({ model: 'gpt-4o-mini', stream: true, max_tokens: 64 + (i % 512), temperature: 0.7, messages });
}

/**
 * JS heap plus ArrayBuffer memory (Buffers live outside the heap), after a full GC taken on
 * a fresh turn of the event loop: right after an await, the finished promise chain still
 * holds the file's text and a GC then frees nothing.
 */
async function usedBytes(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const dir = await mkdtemp(join(tmpdir(), 'sse-soak-dataset-'));
const file = join(dir, 'bodies.jsonl');
const lines = Array.from({ length: LINES }, (_, i) => line(i));
await writeFile(file, `${lines.join('\n')}\n`);
const fileBytes = lines.reduce((sum, l) => sum + Buffer.byteLength(l) + 1, 0);
const lastLine = lines[LINES - 1];
lines.length = 0;

const measure = async <T>(label: string, make: () => Promise<T> | T): Promise<{ kept: T; bytes: number; ms: number }> => {
  const before = await usedBytes();
  const t0 = performance.now();
  const kept = await make();
  const ms = performance.now() - t0;
  const bytes = (await usedBytes()) - before;
  console.log(
    `${label.padEnd(34)} ${(bytes / LINES).toFixed(0).padStart(6)} B/request ${(bytes / 2 ** 20).toFixed(1).padStart(7)} MiB ${ms.toFixed(0).padStart(6)} ms`,
  );
  return { kept, bytes, ms };
};

console.log(
  `dataset benchmark: ${LINES} JSONL request bodies, ${(fileBytes / LINES).toFixed(0)} bytes per line on average (${(fileBytes / 2 ** 20).toFixed(1)} MiB), node ${process.version}`,
);
console.log(`${'held as'.padEnd(34)} ${'memory'.padStart(17)} ${'total'.padStart(11)} ${'load'.padStart(9)}`);
const packed = await measure('readDataset (one Buffer + offsets)', () => readDataset(file));
const dataset = packed.kept as BodyDataset;
console.log(`  of which body bytes: ${(dataset.bodies.byteLength / LINES).toFixed(0)} B/request; offsets and line numbers 8 B/request`);
const { readFile } = await import('node:fs/promises');
// Each string re-made: split() alone returns slices that keep the whole file's text alive.
const asStrings = await measure('for scale: an array of strings', async () =>
  (await readFile(file, 'utf8'))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.stringify(JSON.parse(l))),
);
const asObjects = await measure('for scale: an array of parsed bodies', async () =>
  (await readFile(file, 'utf8'))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown),
);
console.log(
  `parsed bodies take ${(asObjects.bytes / packed.bytes).toFixed(1)}× the memory of readDataset, strings ${(asStrings.bytes / packed.bytes).toFixed(1)}×; last body intact: ${dataset.bodies.textAt(LINES - 1) === lastLine}`,
);
await rm(dir, { recursive: true });
