// The floor of bench/peers.bench.ts: what one network read per event costs a Node
// process that does next to nothing with it. Raw sockets send the request by hand,
// count bytes and take each read's delivery lag from the target's x-sent-us stamp
// (no HTTP parsing, no SSE decoding, no histograms); a new request goes out when a
// reply's last chunk arrives. No tool that reads each event as it comes can cost
// less, and its lag is the least the machine (kernel, target, Node) allows.
//
//   node dist/bench/peers/floor-peer.js <url> <streams> <seconds> [ramp seconds] [out.json]
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';

const [url = '', streamsText = '100', secondsText = '10', rampText = '5', out] = process.argv.slice(2);
const u = new URL(url);
const request = `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nAccept: text/event-stream\r\n\r\n`;
const LAST_CHUNK = Buffer.from('0\r\n\r\n');
const STAMP = Buffer.from('x-sent-us: ');
let bytes = 0;
const lags: number[] = [];

function open(): void {
  const socket = connect({ host: u.hostname, port: Number(u.port) }, () => socket.write(request));
  socket.setNoDelay(true);
  socket.on('error', () => undefined); // counted by the bench as events that did not arrive
  socket.on('data', (d: Buffer) => {
    bytes += d.length;
    const at = d.indexOf(STAMP);
    if (at >= 0) {
      let stamp = 0;
      for (let i = at + STAMP.length; i < d.length && d[i] !== 0x0a; i++) stamp = stamp * 10 + ((d[i] as number) - 0x30);
      lags.push((performance.timeOrigin + performance.now()) * 1000 - stamp);
    }
    if (d.length >= LAST_CHUNK.length && d.subarray(d.length - LAST_CHUNK.length).equals(LAST_CHUNK)) socket.write(request);
  });
}

const streams = Number(streamsText);
for (let i = 0; i < streams; i++) setTimeout(open, (i * Number(rampText) * 1000) / streams);
setTimeout(
  () => {
    // The steady part only: the first third of the run is the ramp and warm-up.
    const steady = lags.slice(Math.floor(lags.length / 3)).sort((a, b) => a - b);
    const pick = (p: number): number => (steady[Math.min(steady.length - 1, Math.floor(p * steady.length))] ?? 0) / 1000;
    if (out !== undefined) writeFileSync(out, JSON.stringify({ bytes, lagMs: { p50: pick(0.5), p99: pick(0.99), count: steady.length } }));
    process.exit(0);
  },
  Number(secondsText) * 1000,
);
