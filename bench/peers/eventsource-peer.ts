// The plain-Node peer of bench/peers.bench.ts: the `eventsource` package (the
// WHATWG EventSource for Node), one EventSource per stream, performance.now() per
// event into arrays for ttft and itl, a new EventSource when a reply ends: what a
// team writes when it has no harness.
//
//   node dist/bench/peers/eventsource-peer.js <url> <streams> <seconds> [out.json] [ramp seconds]
import { writeFileSync } from 'node:fs';
import { EventSource } from 'eventsource';

const [url = '', streamsText = '100', secondsText = '10', out, rampText = '0'] = process.argv.slice(2);
const ttft: number[] = [];
const itl: number[] = [];
let events = 0;

function session(): void {
  const opened = performance.now();
  let last = -1;
  const es = new EventSource(url);
  es.onmessage = (e: { data: string }) => {
    const now = performance.now();
    if (e.data === '[DONE]') {
      es.close();
      session();
      return;
    }
    events++;
    if (last < 0) ttft.push(now - opened);
    else itl.push(now - last);
    last = now;
  };
}

const streams = Number(streamsText);
for (let i = 0; i < streams; i++) setTimeout(session, (i * Number(rampText) * 1000) / streams);
setTimeout(
  () => {
    const median = (a: number[]): number => a.sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? 0;
    const figures = { events, ttftMedianMs: median(ttft), itlMedianMs: median(itl) };
    if (out !== undefined) writeFileSync(out, JSON.stringify(figures));
    process.exit(0);
  },
  Number(secondsText) * 1000,
);
