// sse-soak against the tools people use instead, side by side in one run: the
// harness CPU each spends per event received, and how far its arrival times are
// from the target's send stamps. Each tool holds STREAMS streams of 50-token
// replies at 20 tokens/s against the built-in target (its own process); CPU is the
// tool's whole process tree over a steady window, events are what the target sent
// in that window (its /stats), so every tool is counted the same way. Every tool
// opens its streams evenly over the first RAMP seconds, so that the streams' tokens
// are not all due in the same millisecond.
//
//   npm run bench:peers   (LOADS=500,1000,2000 WARM=10 MEASURE=15 RAMP=5 TOOLS=sse-soak,sse-soak-w2,eventsource,locust,floor
//                          SSE_SOAK_NODE_OPTIONS=)
//
// sse-soak runs with --workers 1 (one process, like the peers) and, as sse-soak-w2,
// with --workers 2. `floor` is bench/peers/floor-peer.ts: raw sockets that only count
// bytes and take each read's lag from its stamp, the least a Node process can spend
// reading each event as it comes, and the least lag this machine allows.
// Locust is Debian's python3-locust (apt-get install -y python3-locust): /usr/bin/locust.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnTarget } from '../src/target/child.js';
import { treeCpuSeconds } from './proc-cpu.js';
import { SHIPPED_CLI } from '../src/util/paths.js';

const LOADS = (process.env.LOADS ?? '500,1000,2000').split(',').map(Number);
const WARM = Number(process.env.WARM ?? 10);
const MEASURE = Number(process.env.MEASURE ?? 15);
const RAMP = Number(process.env.RAMP ?? 5);
const TOOLS = (process.env.TOOLS ?? 'sse-soak,sse-soak-w2,eventsource,locust,floor').split(',');
const LOCUST = '/usr/bin/locust';
// The bundle, as `sse-soak` runs.
const CLI = SHIPPED_CLI;
const ES_PEER = fileURLToPath(new URL('./peers/eventsource-peer.js', import.meta.url));
const FLOOR_PEER = fileURLToPath(new URL('./peers/floor-peer.js', import.meta.url));
const LOCUSTFILE = fileURLToPath(new URL('../../bench/peers/locustfile.py', import.meta.url));
const PATH = '/stream?firstTokenDelay=50ms&tokenInterval=50ms&tokens=50';

const dir = mkdtempSync(join(tmpdir(), 'sse-soak-peers-'));
const target = await spawnTarget();
const sleep = (s: number): Promise<void> => new Promise((r) => setTimeout(r, s * 1000));
const sent = async (): Promise<number> => ((await (await fetch(`${target.origin}/stats`)).json()) as { eventsSent: number }).eventsSent;

interface Row {
  tool: string;
  streams: number;
  eventsPerSecond: number;
  cpuCores: number;
  usPerEvent: number;
  lagP50: number | null;
  lagP99: number | null;
}

function start(tool: string, streams: number, seconds: number, out: string): ChildProcess {
  const url = `${target.origin}${PATH}`;
  if (tool.startsWith('sse-soak')) {
    const scenario = join(dir, `s-${streams}.yaml`);
    // The ramp is a warm-up stage: the fidelity figures are those of the steady part.
    const stages = `[{ duration: ${RAMP}s, target: ${streams}, warmup: true }, { duration: ${seconds - RAMP}s, target: ${streams} }]`;
    writeFileSync(scenario, `name: peers\nload: { stages: ${stages} }\nstream: { idleTimeout: 60s }\noutput: { streamsCsv: false }\n`);
    const workers = tool === 'sse-soak-w2' ? '2' : '1';
    // SSE_SOAK_NODE_OPTIONS: Node flags for sse-soak's processes alone (not the target's, not the
    // peers'), e.g. a larger young generation: fewer scavenges, fewer events that arrive in one.
    const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${process.env.SSE_SOAK_NODE_OPTIONS ?? ''}`.trim() };
    return spawn(process.execPath, [CLI, 'run', scenario, '--target', url, '--workers', workers, '--quiet', '--out', out], { stdio: 'ignore', env });
  }
  if (tool === 'eventsource') return spawn(process.execPath, [ES_PEER, url, String(streams), String(seconds), out, String(RAMP)], { stdio: 'ignore' });
  if (tool === 'floor') return spawn(process.execPath, [FLOOR_PEER, url, String(streams), String(seconds), String(RAMP), out], { stdio: 'ignore' });
  return spawn(
    LOCUST,
    [
      '-f',
      LOCUSTFILE,
      '--headless',
      '-u',
      String(streams),
      '-r',
      String(Math.ceil(streams / RAMP)),
      '--run-time',
      `${seconds}s`,
      '--host',
      target.origin,
      '--only-summary',
      '--loglevel',
      'ERROR',
    ],
    {
      stdio: 'ignore',
      env: { ...process.env, PEER_PATH: PATH, PEER_OUT: out },
    },
  );
}

function fidelity(tool: string, out: string): { p50: number | null; p99: number | null } {
  try {
    if (tool.startsWith('sse-soak')) {
      const lag = (JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { metrics: { deliveryLag: { p50: number; p99: number } } }).metrics
        .deliveryLag;
      return { p50: lag.p50, p99: lag.p99 };
    }
    if (tool === 'locust' || tool === 'floor') {
      const lag = (JSON.parse(readFileSync(out, 'utf8')) as { lagMs: { p50: number; p99: number } }).lagMs;
      return { p50: lag.p50, p99: lag.p99 };
    }
  } catch {
    // the tool wrote nothing: shown as –
  }
  return { p50: null, p99: null }; // EventSource does not expose the stamp field
}

const rows: Row[] = [];
for (const streams of LOADS) {
  for (const tool of TOOLS) {
    if (tool === 'locust' && !existsSync(LOCUST)) {
      console.error(`skipping Locust: ${LOCUST} not found (apt-get install -y python3-locust)`);
      continue;
    }
    const out = join(dir, `${tool}-${streams}${tool.startsWith('sse-soak') ? '' : '.json'}`);
    const child = start(tool, streams, WARM + MEASURE + 3, out);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await sleep(WARM);
    const cpu0 = treeCpuSeconds(child.pid as number);
    const ev0 = await sent();
    await sleep(MEASURE);
    const cpu1 = treeCpuSeconds(child.pid as number);
    const ev1 = await sent();
    await Promise.race([exited, sleep(tool === 'locust' ? 120 : 60)]); // Locust can take long to stop its users
    child.kill('SIGKILL');
    const events = ev1 - ev0;
    const { p50, p99 } = fidelity(tool, out);
    rows.push({
      tool,
      streams,
      eventsPerSecond: events / MEASURE,
      cpuCores: (cpu1 - cpu0) / MEASURE,
      usPerEvent: ((cpu1 - cpu0) / events) * 1e6,
      lagP50: p50,
      lagP99: p99,
    });
    const r = rows[rows.length - 1] as Row;
    console.error(`${tool} × ${streams}: ${Math.round(r.eventsPerSecond)} events/s, ${r.cpuCores.toFixed(2)} cores, ${r.usPerEvent.toFixed(1)} µs/event`);
    await sleep(2); // the target's connections wind down
  }
}
await target.stop();

const f = (x: number | null, d = 2): string => (x === null ? '–' : x.toFixed(d));
console.log(
  `\npeers benchmark: ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, node ${process.version}; replies of 50 tokens at 20 tokens/s, streams opened over ${RAMP} s; CPU over ${MEASURE} s after ${WARM} s\n`,
);
console.log('| streams | tool | events/s received (offered) | CPU (cores) | CPU per event | per event vs sse-soak | delivery lag p50 / p99 (ms) |');
console.log('|---:|---|---:|---:|---:|---:|---:|');
for (const r of rows) {
  const ours = rows.find((x) => x.tool === 'sse-soak' && x.streams === r.streams);
  const ratio = ours === undefined ? '–' : `${(r.usPerEvent / ours.usPerEvent).toFixed(1)}×`;
  console.log(
    `| ${r.streams} | ${r.tool} | ${Math.round(r.eventsPerSecond)} (${r.streams * 20}) | ${r.cpuCores.toFixed(2)} | ${r.usPerEvent.toFixed(1)} µs | ${ratio} | ${f(r.lagP50)} / ${f(r.lagP99)} |`,
  );
}
