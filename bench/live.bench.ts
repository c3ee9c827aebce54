// What the live views cost (issue 15): the same load with and without `--metrics-listen`
// and `--dashboard`, with a real Prometheus scraping /metrics every second and an SSE
// client reading the page's /events, as a user watching would. The goal: CPU per event
// within 5 % of the run without them.
//
// Each row holds STREAMS streams open (opened over RAMP s, replies longer than the run) with
// a token every INTERVAL ms, from `sse-soak run --workers 1` (the coordinator, which serves
// the live views, and one worker: the harness's whole process tree is measured), against one
// built-in target started once for all rows. Between WARM and WARM + MEASURE s the benchmark
// reads the harness's CPU from /proc and the events it received from its timeseries.csv.
// Rows alternate off/on REPEATS times, so a drift of the shared machine falls on both.
//
//   npm run bench:live   (STREAMS=500 INTERVAL=20 RAMP=4 WARM=6 MEASURE=12 REPEATS=3)
//
// First, in this process and free of the machine's noise, the CPU one second's feeding costs
// at the coordinator (collector + page frame, a scrape's exposition, the frame's SSE text) for
// a second of the same load: STREAMS streams, a token every INTERVAL ms.
//
// Without Debian's prometheus the "on" rows are scraped by this process instead (a fetch of
// /metrics every second), and the output says so.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { newStreamRecord, type StreamRecord } from '../src/record/stream-record.js';
import { SecondWindow } from '../src/aggregate/second-window.js';
import type { SecondSnapshot } from '../src/aggregate/second-window.js';
import { DashboardFeed, sseText } from '../src/live/dashboard-feed.js';
import { PromCollector } from '../src/live/prom-collector.js';
import type { Scenario } from '../src/scenario/types.js';
import { spawnTarget } from '../src/target/child.js';
import { freePort, PROMETHEUS, startPrometheus, type RunningPrometheus } from '../test/live/prometheus.js';
import { machineBusySeconds, treeCpuSeconds } from './proc-cpu.js';
import { eventsPerSecond } from './timeseries.js';
import { SHIPPED_CLI } from '../src/util/paths.js';

const STREAMS = Number(process.env.STREAMS ?? 500);
const INTERVAL_MS = Number(process.env.INTERVAL ?? 20);
const RAMP = Number(process.env.RAMP ?? 4);
const WARM = Number(process.env.WARM ?? 6);
const MEASURE = Number(process.env.MEASURE ?? 12);
const REPEATS = Number(process.env.REPEATS ?? 3);
// The bundle, as `sse-soak` runs.
const CLI = SHIPPED_CLI;
const dir = mkdtempSync(join(tmpdir(), 'sse-soak-live-bench-'));
const sleep = (s: number): Promise<void> => new Promise((r) => setTimeout(r, s * 1000));

interface Row {
  live: boolean;
  eventsPerSecond: number;
  usPerEvent: number;
  cores: number;
  otherCores: number;
  scrapes: number;
  framesRead: number;
}

/** Reads an SSE stream until aborted (connecting again until the run serves it); counts the seconds received. */
function readEvents(url: string, signal: AbortSignal): { frames: () => number } {
  let frames = 0;
  void (async () => {
    while (!signal.aborted) {
      try {
        const res = await fetch(url, { signal });
        const reader = res.body?.getReader();
        for (;;) {
          const r = await reader?.read();
          if (r === undefined || r.done) break;
          frames += (Buffer.from(r.value).toString().match(/^id: /gm) ?? []).length;
        }
      } catch {
        await new Promise((r) => setTimeout(r, 200)); // not listening yet (the run is starting), or aborted
      }
    }
  })();
  return { frames: () => frames };
}

async function measure(origin: string, live: boolean, n: number): Promise<Row> {
  const seconds = WARM + MEASURE + 2;
  const tokens = Math.ceil(((seconds + 10) * 1000) / INTERVAL_MS);
  const url = `${origin}/stream?firstTokenDelay=0ms&tokenInterval=${INTERVAL_MS}ms&tokens=${tokens}`;
  const scenario = join(dir, `live-${n}.yaml`);
  writeFileSync(
    scenario,
    `name: live-bench\nload: { stages: [{ duration: ${RAMP}s, target: ${STREAMS} }, { duration: ${seconds - RAMP}s, target: ${STREAMS} }], drain: 0s }\nstream: { idleTimeout: 60s }\noutput: { streamsCsv: false }\n`,
  );
  const out = join(dir, `run-${n}`);
  const metricsPort = await freePort();
  const dashboardPort = await freePort();
  const liveArgs = live ? ['--metrics-listen', `127.0.0.1:${metricsPort}`, '--dashboard', `127.0.0.1:${dashboardPort}`, '--live-linger', '3s'] : [];
  let prom: RunningPrometheus | null = null;
  let selfScrapes = 0;
  let scraper: NodeJS.Timeout | null = null;
  if (live) {
    if (PROMETHEUS !== null) prom = await startPrometheus(`127.0.0.1:${metricsPort}`);
    else
      scraper = setInterval(() => {
        fetch(`http://127.0.0.1:${metricsPort}/metrics`).then(
          (r) => r.text().then(() => selfScrapes++),
          () => undefined,
        );
      }, 1000);
  }
  const child = spawn(process.execPath, [CLI, 'run', scenario, '--target', url, '--workers', '1', '--quiet', '--out', out, ...liveArgs], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const abort = new AbortController();
  await sleep(1);
  const page = live ? readEvents(`http://127.0.0.1:${dashboardPort}/events`, abort.signal) : null;
  await sleep(WARM - 1);
  const from = Date.now();
  const h0 = treeCpuSeconds(child.pid as number);
  const m0 = machineBusySeconds();
  await sleep(MEASURE);
  const h1 = treeCpuSeconds(child.pid as number);
  const m1 = machineBusySeconds();
  const to = Date.now();
  await Promise.race([exited, sleep(60)]);
  child.kill('SIGKILL');
  abort.abort();
  if (scraper !== null) clearInterval(scraper);
  const scrapes = prom === null ? selfScrapes : ((await prom.query('sum(count_over_time(sse_soak_run_ended[10m]))'))[0] ?? 0);
  await prom?.stop();
  const rate = eventsPerSecond(out, from, to);
  const window = (to - from) / 1000;
  const row: Row = {
    live,
    eventsPerSecond: rate,
    cores: (h1 - h0) / window,
    usPerEvent: ((h1 - h0) / window / rate) * 1e6,
    otherCores: Math.max(0, (m1 - m0 - (h1 - h0)) / window),
    scrapes,
    framesRead: page?.frames() ?? 0,
  };
  console.error(
    `${live ? 'on ' : 'off'} #${n}: ${Math.round(rate)} events/s, harness ${row.cores.toFixed(2)} cores, ${row.usPerEvent.toFixed(2)} µs/event${live ? `, ${scrapes} scrapes, ${row.framesRead} frames read` : ''}`,
  );
  await sleep(2);
  return row;
}

/** A second as the coordinator gets it at this load: every stream's token gaps in the itl histogram. */
function loadSecond(n: number): SecondSnapshot {
  const window = new SecondWindow();
  const perSecond = Math.round((STREAMS * 1000) / INTERVAL_MS);
  // As the window records them: into the variant's part (one variant), combined counts beside.
  const v = window.part(0);
  window.opened = v.opened = 5;
  window.ended.completed = v.ended.completed = 5;
  window.events = v.events = perSecond;
  window.tokens = v.tokens = perSecond;
  v.bytes = perSecond * 40;
  for (let i = 0; i < perSecond; i++) v.latency.itl.recordValue(INTERVAL_MS * 1000 + ((i * 7919) % 4000) - 2000);
  for (let i = 0; i < perSecond; i++) v.latency.deliveryLag.recordValue(200 + ((i * 7919) % 3000));
  for (let i = 0; i < 5; i++) v.latency.ttft.recordValue(300_000 + i * 1000);
  for (let i = 0; i < 5; i++) v.latency.ttfb.recordValue(50_000 + i * 1000);
  for (let i = 0; i < 5; i++) v.latency.e2e.recordValue(5_000_000 + i * 10_000);
  for (let i = 0; i < 5; i++) v.latency.scheduleLag.recordValue(50 + i);
  const harness = {
    lagP99Ms: 3,
    lagMaxMs: 5,
    cpuCoreShare: 0.4,
    rssBytes: 100 * 2 ** 20,
    heapUsedBytes: 0,
    heapAfterGcBytes: 0,
    cpuMaxProcessShare: 0.4,
    saturated: '',
  };
  return {
    second: n,
    elapsedMs: n * 1000,
    lengthMs: 1000,
    stage: 0,
    warmup: false,
    level: STREAMS,
    draining: false,
    drainLeftMs: 0,
    sessions: STREAMS,
    activeStreams: STREAMS,
    backlog: 0,
    window,
    harness,
    totalStarted: STREAMS,
    totalEnded: 0,
  };
}

async function feedCostUs(): Promise<{ feedUs: number; scrapeUs: number }> {
  const collector = new PromCollector({ scenario: 'live-bench', shard: '1/1', run: 'bench' });
  const feed = new DashboardFeed(
    { name: 'live-bench', thresholds: [], load: { model: 'closed', durationMs: 3_600_000, stages: [{}] } } as unknown as Scenario,
    'bench',
  );
  const seconds = Array.from({ length: 50 }, (_, i) => loadSecond(i + 1));
  const N = 1000;
  const c0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const s = { ...(seconds[i % seconds.length] as SecondSnapshot), second: i + 1, elapsedMs: (i + 1) * 1000 };
    collector.second(s);
    sseText({ event: 'second', id: s.second, data: feed.second(s) });
  }
  const c1 = process.cpuUsage(c0);
  const S = 200;
  const c2 = process.cpuUsage();
  for (let i = 0; i < S; i++) await collector.text();
  const c3 = process.cpuUsage(c2);
  return { feedUs: (c1.user + c1.system) / N, scrapeUs: (c3.user + c3.system) / S };
}

/**
 * The per-second window's own cost on the path (with or without live views): the recorder
 * calls a stamped event makes (event, gap, delivery lag), with a stream opened and ended every
 * 50 events, a new window every 25,000 events as the run makes one every second; CPU per event.
 */
function windowRecordNs(): number {
  const PER_SECOND = 25_000;
  const SECONDS = 40;
  const records = Array.from({ length: 500 }, (_, i) => {
    const r = newStreamRecord(i, i, 0, false, 1000);
    Object.assign(r, {
      dispatchUs: 1100,
      connectStartUs: 1200,
      tcpConnectedUs: 2000,
      connectedUs: 2000,
      requestSentUs: 2100,
      headersUs: 50_000,
      firstTokenUs: 300_000,
      lastByteUs: 4_999_000,
      endUs: 5_000_000,
      bytes: 4000,
      outcome: 'completed',
    });
    return r;
  });
  const c0 = process.cpuUsage();
  for (let s = 0; s < SECONDS; s++) {
    const w = new SecondWindow();
    for (let i = 0; i < PER_SECOND; i++) {
      const r = records[i % records.length] as StreamRecord;
      if (i % 50 === 0) {
        w.streamOpened(r);
        w.firstToken(r);
      }
      w.event(r, 1, 0);
      w.gap(r, 50_000 + ((i * 7919) % 4000));
      w.deliveryLag(r, 200 + ((i * 104_729) % 3000));
      if (i % 50 === 49) w.streamEnded(r);
    }
  }
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) * 1000) / (SECONDS * PER_SECOND);
}

console.error(`in-process: the per-second window's recording ${windowRecordNs().toFixed(0)} ns CPU per stamped event`);
const cost = await feedCostUs();
const eventsPerSecond0 = (STREAMS * 1000) / INTERVAL_MS;
console.error(`in-process: one second's feed ${cost.feedUs.toFixed(0)} µs CPU, one scrape ${cost.scrapeUs.toFixed(0)} µs`);

const target = await spawnTarget({});
const rows: Row[] = [];
try {
  for (let i = 0; i < REPEATS; i++) {
    // Alternate which goes first, so neither always runs on a machine that just warmed up.
    for (const live of i % 2 === 0 ? [false, true] : [true, false]) rows.push(await measure(target.origin, live, rows.length + 1));
  }
} finally {
  await target.stop();
}

const median = (xs: number[]): number => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? (v[m] as number) : ((v[m - 1] as number) + (v[m] as number)) / 2;
};
const off = rows.filter((r) => !r.live);
const on = rows.filter((r) => r.live);
console.log(
  `\nlive benchmark: ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, node ${process.version}; ${STREAMS} streams held open, a token every ${INTERVAL_MS} ms (${eventsPerSecond0} events/s offered); CPU over ${MEASURE} s after ${WARM} s; ${REPEATS} alternating pairs; ` +
    `${PROMETHEUS === null ? 'scraped by the benchmark (no prometheus installed)' : 'scraped by Prometheus every 1 s'}; ${new Date().toISOString().slice(0, 10)}\n`,
);
const perEvent = (cost.feedUs + cost.scrapeUs) / eventsPerSecond0;
console.log(
  `in-process, per second of this load: feeding the collector and the page ${cost.feedUs.toFixed(0)} µs CPU, one scrape ${cost.scrapeUs.toFixed(0)} µs: ${perEvent.toFixed(3)} µs per event\n`,
);
console.log('| live views | events/s | harness CPU per event | harness cores | scrapes | page frames read | others (cores) |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const r of rows)
  console.log(
    `| ${r.live ? 'on' : 'off'} | ${Math.round(r.eventsPerSecond)} | ${r.usPerEvent.toFixed(2)} µs | ${r.cores.toFixed(2)} | ${r.live ? r.scrapes : '–'} | ${r.live ? r.framesRead : '–'} | ${r.otherCores.toFixed(2)} |`,
  );
const offUs = median(off.map((r) => r.usPerEvent));
const onUs = median(on.map((r) => r.usPerEvent));
console.log(
  `\nCPU per event, median: off ${offUs.toFixed(2)} µs, on ${onUs.toFixed(2)} µs: on/off = ${(onUs / offUs).toFixed(3)} (${((onUs / offUs - 1) * 100).toFixed(1)} %; goal < 5 %)`,
);
console.log(`the feed's own cost against the median "off" CPU per event: ${((perEvent / offUs) * 100).toFixed(2)} %`);
