// Where the bytes a running harness allocates per event come from. Allocation rate
// sets how often V8's young-generation GC pauses the event loop, and an event that
// arrives during a pause is measured late: that is what a delivery-lag p99 is made of.
//
// STREAMS streams of 50-token replies at 20 tokens/s (the peers benchmark's load) run
// in this process against the built-in target, each second handed on as `run --workers 1`
// does in its one process: the worker's message, the coordinator's second made from it, and
// its timeseries.csv row. After a warm-up, V8's sampling heap
// profiler records every allocation site for WINDOW seconds, including objects that
// were already collected, and the bytes are divided by the events the target sent in
// that window. Each site is charged to the innermost frame that is sse-soak's or
// undici's code, otherwise to Node itself.
//
// The profiler sees V8's heap only. HDR histograms keep their counts, and build their
// encodings, in typed arrays whose memory is outside it, so those are counted apart:
// hdr-histogram-js makes them with `new Uint32Array(length)` and `new Uint8Array(length)`
// through the globals, which this benchmark replaces with subclasses that add up the bytes
// (Node's own code uses the constructors it captured at start-up, and undici's HTTP/1.1 path
// makes only views of existing memory). Not counted: the buffers zlib returns when a second's
// histograms are compressed for the coordinator and inflated there (a few KiB a second).
//
//   npm run bench:alloc        (STREAMS=1000 WARM=8 WINDOW=8)
import { Session } from 'node:inspector/promises';
import { Socket } from 'node:net';
import { SecondWindow, type SecondSnapshot } from '../src/aggregate/second-window.js';
import { LoadRun } from '../src/driver/load-run.js';
import { secondRow } from '../src/report/csv-rows.js';
import * as secondMessage from '../src/run/second-message.js';
import { parseScenario } from '../src/scenario/load.js';
import { spawnTarget } from '../src/target/child.js';

let histogramArrayBytes = 0;
const NativeUint32Array = globalThis.Uint32Array;
class CountedUint32Array extends NativeUint32Array {
  constructor(lengthOrBuffer: number | ArrayBuffer, byteOffset?: number, length?: number) {
    if (typeof lengthOrBuffer === 'number') {
      super(lengthOrBuffer);
      histogramArrayBytes += 4 * lengthOrBuffer;
    } else super(lengthOrBuffer, byteOffset, length);
  }
}
globalThis.Uint32Array = CountedUint32Array as unknown as Uint32ArrayConstructor;
const NativeUint8Array = globalThis.Uint8Array;
class CountedUint8Array extends NativeUint8Array {
  constructor(lengthOrBuffer: number | ArrayBuffer, byteOffset?: number, length?: number) {
    if (typeof lengthOrBuffer === 'number') {
      super(lengthOrBuffer);
      histogramArrayBytes += lengthOrBuffer;
    } else super(lengthOrBuffer, byteOffset, length);
  }
}
globalThis.Uint8Array = CountedUint8Array as unknown as Uint8ArrayConstructor;

const STREAMS = Number(process.env.STREAMS ?? 1000);
const WARM = Number(process.env.WARM ?? 8);
const WINDOW = Number(process.env.WINDOW ?? 8);

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

const target = await spawnTarget();
const sent = async (): Promise<number> => ((await (await fetch(`${target.origin}/stats`)).json()) as { eventsSent: number }).eventsSent;
const scenario = parseScenario(
  `load: { stages: [{ duration: 5s, target: ${STREAMS}, warmup: true }, { duration: ${WARM + WINDOW}s, target: ${STREAMS} }] }\nstream: { idleTimeout: 60s }\noutput: { streamsCsv: false }\n`,
  'alloc.yaml',
  {},
);
// Node's and undici's bytes go with each read of a socket, not with each event: when a busy
// machine lets a stream's events wait in the kernel, one read brings several and the figures
// per event drop. undici reads each socket with read() until it returns null; the reads that
// return bytes are counted, so that runs can be compared by reads per event.
let sampling = false;
let socketReads = 0;
// eslint-disable-next-line @typescript-eslint/unbound-method -- called below with each socket as `this`
const socketRead = Socket.prototype.read;
Socket.prototype.read = function read(this: Socket, size?: number): unknown {
  const bytes: unknown = socketRead.call(this, size);
  if (sampling && bytes !== null) socketReads++;
  return bytes;
};
// Each second as worker.ts and coordinator.ts hand it over in one process: a copy of the window
// (WindowCopies), combined into the coordinator's window, which is reused. Commits from before
// these existed run this file too, to compare: there, the copies are undefined and the extra
// arguments are ignored, so the second is encoded and combined into a new window, as they did.
const copies = secondMessage.WindowCopies === undefined ? undefined : new secondMessage.WindowCopies();
const combined = new SecondWindow();
const handOver = (s: SecondSnapshot): void => {
  const m = secondMessage.toMessage(s, copies);
  secondRow(secondMessage.combineSeconds([m], combined), 0);
  if (m.window instanceof SecondWindow) copies?.giveBack(m.window);
};
const run = new LoadRun(scenario, `${target.origin}/stream?firstTokenDelay=50ms&tokenInterval=50ms&tokens=50`, { hooks: { onSecond: handOver } });
const session = new Session();
session.connect();
const done = run.run();
await sleep(WARM * 1000);
const sentBefore = await sent();
const arraysBefore = histogramArrayBytes;
sampling = true;
await session.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
await sleep(WINDOW * 1000);
const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: ProfileNode } };
const events = (await sent()) - sentBefore;
const arrayBytes = histogramArrayBytes - arraysBefore;
sampling = false;
await done;
session.disconnect();
await target.stop();

const frame = (n: ProfileNode): string => {
  const { functionName, url, lineNumber } = n.callFrame;
  return `${functionName || '(anonymous)'} ${url.replace(/^.*\/(node_modules\/|dist\/)/, '').replace(/^file:\/\//, '') || '(native)'}:${lineNumber + 1}`;
};
const owner = (url: string): string | null => (url.includes('/dist/src/') ? 'sse-soak' : url.includes('node_modules/undici/') ? 'undici' : null);

const byOwner = new Map<string, number>();
const bySite = new Map<string, number>();
// sse-soak's own bytes by its innermost frame, with the frame it called into (Node's, often).
const ownSites = new Map<string, number>();
let total = 0;
const walk = (n: ProfileNode, stack: ProfileNode[]): void => {
  const here = [...stack, n];
  if (n.selfSize > 0) {
    total += n.selfSize;
    let who = 'node';
    let at = -1;
    for (let i = here.length - 1; i >= 0; i--) {
      const o = owner((here[i] as ProfileNode).callFrame.url);
      if (o !== null) {
        who = o;
        at = i;
        break;
      }
    }
    if (who === 'sse-soak') {
      const site = here
        .slice(at, at + 2)
        .reverse()
        .map(frame)
        .join(' < ');
      ownSites.set(site, (ownSites.get(site) ?? 0) + n.selfSize);
    }
    byOwner.set(who, (byOwner.get(who) ?? 0) + n.selfSize);
    const site = here.slice(-3).reverse().map(frame).join(' < ');
    bySite.set(site, (bySite.get(site) ?? 0) + n.selfSize);
  }
  for (const c of n.children) walk(c, here);
};
walk(profile.head, []);

const perEvent = (bytes: number): string => `${Math.round(bytes / events)}`.padStart(6);
console.log(`alloc benchmark: ${STREAMS} streams × 20 tokens/s in one process, node ${process.version}; ${WINDOW} s sampled after ${WARM} s`);
console.log(
  `  events in the window ${events} (${Math.round(events / WINDOW)}/s), allocated ${(total / 1e6).toFixed(1)} MB: ${perEvent(total).trim()} B per event`,
);
console.log(`  socket reads per event ${(socketReads / events).toFixed(3)}`);
console.log('  by whose code allocated it (B per event):');
for (const [who, bytes] of [...byOwner].sort((a, b) => b[1] - a[1])) console.log(`    ${perEvent(bytes)}  ${who}`);
console.log('  largest sites (B per event, innermost frame first):');
for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`    ${perEvent(bytes)}  ${site.slice(0, 150)}`);
console.log("  sse-soak's own sites (B per event: what it called < its innermost frame):");
for (const [site, bytes] of [...ownSites].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`    ${perEvent(bytes)}  ${site.slice(0, 150)}`);
console.log(`  outside V8's heap (not in the figures above): HDR histograms' typed arrays ${perEvent(arrayBytes).trim()} B per event`);
console.log(`  sse-soak's own, both together: ${perEvent((byOwner.get('sse-soak') ?? 0) + arrayBytes).trim()} B per event`);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
