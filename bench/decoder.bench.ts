// Decoder throughput on token-sized events: our byte-level SseDecoder against
// eventsource-parser (behind a streaming TextDecoder), on the same bytes, in
// alternating rounds so that machine noise hits both alike. Prints events/s per core.
// Then one large event (1, 10 and 50 MiB, in 64 KiB reads) through our decoder alone:
// MB/s per core for each, which stay about equal when its cost is linear in the event's size.
//
//   npm run bench:decoder            (EVENTS=200000 ROUNDS=5 to change the size; LARGE=0 skips the large events)
import { SseDecoder, type SseSink } from '../src/driver/sse-decoder.js';
import { EventsourceParserAdapter } from './adapters/eventsource-parser.js';

const EVENTS = Number(process.env.EVENTS ?? 200_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);

interface Decoder {
  push(c: Buffer): boolean;
  end(): boolean;
}

// With a send stamp (what the built-in target sends: an unknown field that standard
// clients ignore) and without (what most servers send). eventsource-parser reports an
// unknown field by building a ParseError, which costs it far more than the event itself.
let stamped = true;
function tokenEvent(i: number): string {
  const data = `data: {"choices":[{"index":0,"delta":{"content":" tok${i % 100}"}}]}\n\n`;
  return stamped ? `x-sent-us: ${1764000000000000 + i * 50000}\n${data}` : data;
}

function makeChunks(coalesce: boolean): Buffer[] {
  const chunks: Buffer[] = [];
  if (!coalesce) {
    for (let i = 0; i < EVENTS; i++) chunks.push(Buffer.from(tokenEvent(i)));
    return chunks;
  }
  let text = '';
  for (let i = 0; i < EVENTS; i++) {
    text += tokenEvent(i);
    if (text.length >= 16384) {
      chunks.push(Buffer.from(text));
      text = '';
    }
  }
  if (text) chunks.push(Buffer.from(text));
  // Re-cut at fixed 16 KiB boundaries, so events and lines straddle chunks as on a socket.
  const all = Buffer.concat(chunks);
  const cut: Buffer[] = [];
  for (let o = 0; o < all.length; o += 16384) cut.push(all.subarray(o, o + 16384));
  return cut;
}

function run(factory: (sink: SseSink) => Decoder, chunks: Buffer[]): number {
  let events = 0;
  let bytes = 0;
  const sink: SseSink = {
    onEvent: (data) => {
      events++;
      bytes += data.length;
    },
    onField: () => {},
    onStamp: () => {},
  };
  const d = factory(sink);
  const t0 = process.cpuUsage();
  for (const c of chunks) d.push(c);
  d.end();
  const used = process.cpuUsage(t0);
  if (events !== EVENTS || bytes === 0) throw new Error(`decoded ${events} of ${EVENTS} events`);
  return EVENTS / ((used.user + used.system) / 1e6);
}

const candidates: Record<string, (sink: SseSink) => Decoder> = {
  'sse-soak SseDecoder': (sink) => new SseDecoder(sink),
  'eventsource-parser 3': (sink) => new EventsourceParserAdapter(sink),
};

console.log(`decoder benchmark: ${EVENTS} token-sized events, ${ROUNDS} rounds, node ${process.version}`);
for (const [withStamp, coalesce] of [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
] as const) {
  stamped = withStamp;
  const chunks = makeChunks(coalesce);
  const results: Record<string, number[]> = {};
  for (let r = 0; r < ROUNDS + 1; r++) {
    for (const [name, f] of Object.entries(candidates)) {
      const rate = run(f, chunks);
      if (r > 0) (results[name] ??= []).push(rate); // round 0 warms the JIT
    }
  }
  const shape = `${withStamp ? 'with' : 'without'} send stamp, ~${tokenEvent(1).length} bytes/event`;
  console.log(coalesce ? `\n16 KiB reads (a backlog arriving at once), ${shape}:` : `\none event per read (a live stream), ${shape}:`);
  const medians: Record<string, number> = {};
  for (const [name, rates] of Object.entries(results)) {
    rates.sort((a, b) => a - b);
    const median = rates[Math.floor(rates.length / 2)] as number;
    medians[name] = median;
    console.log(`  ${name.padEnd(24)} ${(median / 1e6).toFixed(2)} M events/s per core (median of ${rates.length})`);
  }
  const ours = medians['sse-soak SseDecoder'] as number;
  const theirs = medians['eventsource-parser 3'] as number;
  console.log(`  ratio: sse-soak is ${(ours / theirs).toFixed(2)}x eventsource-parser`);
}

// One large event, as a socket hands it over: 64 KiB reads, the line's end in the last one.
// A decoder that copies the unfinished line on every read costs (size / read)² / 2 reads' worth
// of copying: a 50 MiB event then takes minutes, where a linear one takes as long as 50 1 MiB events.
if (process.env.LARGE !== '0') {
  const READ = 64 * 1024;
  console.log(`\none large event in ${READ / 1024} KiB reads, sse-soak SseDecoder (MB/s per core: linear when about equal):`);
  for (const mib of [1, 10, 50]) {
    const size = mib * 1024 * 1024;
    const text = Buffer.alloc(size + 'data: \n\n'.length, 'abcdefghijklmnopqrstuvwxyz0123456789');
    text.write('data: ', 0);
    text.write('\n\n', size + 'data: '.length);
    const reads: Buffer[] = [];
    for (let o = 0; o < text.length; o += READ) reads.push(text.subarray(o, o + READ));
    let got = -1;
    const d = new SseDecoder({ onEvent: (data) => (got = data.length) }, size + 16);
    const t0 = process.cpuUsage();
    for (const r of reads) d.push(r);
    const used = process.cpuUsage(t0);
    if (got !== size) throw new Error(`decoded ${got} of ${size} bytes`);
    const seconds = (used.user + used.system) / 1e6;
    console.log(`  ${String(mib).padStart(2)} MiB event  ${(size / 1e6 / seconds).toFixed(0).padStart(6)} MB/s per core (${(seconds * 1000).toFixed(0)} ms)`);
  }
}
