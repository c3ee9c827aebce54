// The cost per event over HTTP/2 and TLS, next to HTTP/1.1 (issue 11): the same load
// against the built-in target over four protocols, side by side in one run:
//   h1      HTTP/1.1 in cleartext                       (serve;                  target.http: 1.1)
//   h2c     HTTP/2 in cleartext, prior knowledge         (serve --http2;          target.http: 2)
//   h1-tls  HTTPS, HTTP/1.1                              (serve --tls-*;          target.http: 1.1)
//   h2-tls  HTTPS, HTTP/2 chosen by ALPN                 (serve --http2 --tls-*;  target.http: 2)
// Each row holds STREAMS streams open (opened evenly over RAMP seconds, replies longer than
// the run) with a token every INTERVAL ms. The harness is `sse-soak run --workers 1`, its
// own process; the target is a fresh `serve` child per row. Between WARM and WARM + MEASURE
// seconds the benchmark reads both processes' CPU (user + system) and the harness's read
// system calls from /proc, the events the harness received in those seconds from its
// timeseries.csv, and what the rest of the machine used meanwhile ("others": a shared
// machine's other jobs, and kernel work charged to no process, such as some loopback
// softirq; a row with much of it was disturbed). RSS, ttft and itl are the run's own
// figures (summary.json, over the whole run). Loopback only.
//
//   npm run bench:protocols   (LOADS=500,2000 INTERVAL=20 RAMP=5 WARM=8 MEASURE=12 PROTOCOLS=h1,h2c,h1-tls,h2-tls)
//
// The TLS rows need openssl (certificates are made in a temp folder); without it they are
// skipped with a message.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Summary } from '../src/report/summary.js';
import { spawnTarget, type ChildTargetOptions } from '../src/target/child.js';
import { machineBusySeconds, procCpuSeconds, treeCpuSeconds, treeReadSyscalls } from './proc-cpu.js';
import { eventsPerSecond } from './timeseries.js';
import { SHIPPED_CLI } from '../src/util/paths.js';

const LOADS = (process.env.LOADS ?? '500,2000').split(',').map(Number);
const INTERVAL_MS = Number(process.env.INTERVAL ?? 20);
const RAMP = Number(process.env.RAMP ?? 5);
const WARM = Number(process.env.WARM ?? 8);
const MEASURE = Number(process.env.MEASURE ?? 12);
const PROTOCOLS = (process.env.PROTOCOLS ?? 'h1,h2c,h1-tls,h2-tls').split(',');
const OPENSSL = ['/usr/bin/openssl', '/usr/local/bin/openssl'].find((p) => existsSync(p)) ?? null;
// The bundle, as `sse-soak` runs.
const CLI = SHIPPED_CLI;

const dir = mkdtempSync(join(tmpdir(), 'sse-soak-protocols-'));
const sleep = (s: number): Promise<void> => new Promise((r) => setTimeout(r, s * 1000));

/** A CA and a server certificate for 127.0.0.1 and localhost (EC P-256, as Caddy's internal CA). */
function makeCertificates(): { ca: string; cert: string; key: string } {
  const f = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => void execFileSync(OPENSSL as string, args, { stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=sse-soak bench CA',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.crt'),
  );
  openssl(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-subj',
    '/CN=localhost',
    '-keyout',
    f('server.key'),
    '-out',
    f('server.csr'),
  );
  writeFileSync(f('ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  openssl(
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.crt'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    f('ext.cnf'),
    '-out',
    f('server.crt'),
  );
  return { ca: f('ca.crt'), cert: f('server.crt'), key: f('server.key') };
}

const certs = OPENSSL === null ? null : makeCertificates();
if (certs === null) console.error('skipping the TLS rows: openssl not found (apt-get install -y openssl)');

/** How the target is started and what the scenario's target section says, per protocol. */
function protocol(name: string): { target: ChildTargetOptions; yaml: string } | null {
  const tlsFiles = certs === null ? null : { certFile: certs.cert, keyFile: certs.key };
  const ca = certs === null ? '' : `, tls: { ca: ${JSON.stringify(certs.ca)} }`;
  switch (name) {
    case 'h1':
      return { target: {}, yaml: 'target: { http: 1.1 }' };
    case 'h2c':
      return { target: { http2: true }, yaml: 'target: { http: 2 }' };
    case 'h1-tls':
      return tlsFiles === null ? null : { target: { tls: tlsFiles }, yaml: `target: { http: 1.1${ca} }` };
    case 'h2-tls':
      return tlsFiles === null ? null : { target: { http2: true, tls: tlsFiles }, yaml: `target: { http: 2${ca} }` };
    default:
      throw new Error(`unknown protocol ${name}: one of h1, h2c, h1-tls, h2-tls`);
  }
}

interface Row {
  protocol: string;
  streams: number;
  connections: number;
  connectErrors: number;
  /** TcpExtListenOverflows during the row (machine-wide): connections the target's accept queue had no room for. */
  listenOverflows: number;
  eventsPerSecond: number;
  harnessCores: number;
  harnessUsPerEvent: number;
  /** The harness's read system calls per event received: how many events one read brings. */
  readsPerEvent: number;
  targetUsPerEvent: number;
  targetCores: number;
  /** CPU the rest of the machine used in the window: other jobs on a shared machine (cores). */
  otherCores: number;
  rssMiB: number;
  ttftP50: number;
  itlP99: number;
  lagP99: number;
  loopLagP99: number;
  saturatedSeconds: number;
  outcomes: string;
}

/** The kernel's count of connections dropped because a listen queue was full (/proc/net/netstat). */
function listenOverflows(): number {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
  const i = lines.findIndex((l) => l.startsWith('TcpExt:'));
  const names = (lines[i] ?? '').split(' ');
  const values = (lines[i + 1] ?? '').split(' ');
  return Number(values[names.indexOf('ListenOverflows')] ?? 0);
}

async function measure(name: string, streams: number): Promise<Row | null> {
  const p = protocol(name);
  if (p === null) return null;
  const target = await spawnTarget(p.target);
  const overflows0 = listenOverflows();
  const seconds = WARM + MEASURE + 2;
  // Replies longer than the run: every stream stays open and receives a token every INTERVAL ms.
  const tokens = Math.ceil(((seconds + 10) * 1000) / INTERVAL_MS);
  const url = `${target.origin}/stream?firstTokenDelay=0ms&tokenInterval=${INTERVAL_MS}ms&tokens=${tokens}`;
  const scenario = join(dir, `${name}-${streams}.yaml`);
  writeFileSync(
    scenario,
    `name: protocols-${name}\n${p.yaml}\nload: { stages: [{ duration: ${RAMP}s, target: ${streams} }, { duration: ${seconds - RAMP}s, target: ${streams} }], drain: 0s }\nstream: { idleTimeout: 60s }\noutput: { streamsCsv: false }\n`,
  );
  const out = join(dir, `${name}-${streams}`);
  const child = spawn(process.execPath, [CLI, 'run', scenario, '--target', url, '--workers', '1', '--quiet', '--out', out], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await sleep(WARM);
  const from = Date.now();
  const h0 = treeCpuSeconds(child.pid as number);
  const t0 = procCpuSeconds(target.pid);
  const r0 = treeReadSyscalls(child.pid as number);
  const m0 = machineBusySeconds();
  await sleep(MEASURE);
  const h1 = treeCpuSeconds(child.pid as number);
  const t1 = procCpuSeconds(target.pid);
  const r1 = treeReadSyscalls(child.pid as number);
  const m1 = machineBusySeconds();
  const to = Date.now();
  await Promise.race([exited, sleep(60)]);
  child.kill('SIGKILL');
  await target.stop();
  const overflows = listenOverflows() - overflows0;
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
  const rate = eventsPerSecond(out, from, to);
  const window = (to - from) / 1000;
  const row: Row = {
    protocol: name,
    streams,
    connections: Object.values(s.connections?.opened ?? {}).reduce((a, b) => a + b, 0),
    connectErrors: s.outcomes.connect_error,
    listenOverflows: overflows,
    eventsPerSecond: rate,
    harnessCores: (h1 - h0) / window,
    harnessUsPerEvent: ((h1 - h0) / window / rate) * 1e6,
    readsPerEvent: (r1 - r0) / window / rate,
    targetUsPerEvent: ((t1 - t0) / window / rate) * 1e6,
    targetCores: (t1 - t0) / window,
    otherCores: Math.max(0, (m1 - m0 - (h1 - h0) - (t1 - t0)) / window),
    rssMiB: s.harness.maxRssBytes / 2 ** 20,
    ttftP50: s.metrics.ttft.p50,
    itlP99: s.metrics.itl.p99,
    lagP99: s.metrics.deliveryLag.p99,
    loopLagP99: s.harness.eventLoopDelayMs.p99,
    saturatedSeconds: s.harness.saturated.reduce((n, span) => n + span.toSecond - span.fromSecond + 1, 0),
    outcomes: JSON.stringify(Object.fromEntries(Object.entries(s.outcomes).filter(([, n]) => n > 0))),
  };
  console.error(
    `${name} × ${streams}: ${Math.round(rate)} events/s, ${row.connections} connections, harness ${row.harnessCores.toFixed(2)} cores, ${row.harnessUsPerEvent.toFixed(1)} µs/event, outcomes ${row.outcomes}`,
  );
  await sleep(2); // the machine settles between rows
  return row;
}

const rows: Row[] = [];
for (const streams of LOADS) {
  for (const name of PROTOCOLS) {
    const row = await measure(name, streams);
    if (row !== null) rows.push(row);
  }
}

console.log(
  `\nprotocols benchmark: ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, node ${process.version}; streams held open, a token every ${INTERVAL_MS} ms, opened over ${RAMP} s; CPU and events/s over ${MEASURE} s after ${WARM} s; ${new Date().toISOString().slice(0, 10)}\n`,
);
console.log(
  '| streams | protocol | connections | events/s (offered) | harness CPU per event | vs h1 | harness cores | harness reads per event | target CPU per event (cores) | harness RSS peak | ttft p50 / itl p99 (ms) | delivery lag p99 (ms) | harness loop lag p99 (ms), saturated s | others (cores) |',
);
console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
const f = (x: number, d = 1): string => x.toFixed(d);
for (const r of rows) {
  const base = rows.find((x) => x.protocol === 'h1' && x.streams === r.streams);
  const ratio = base === undefined ? '–' : `${(r.harnessUsPerEvent / base.harnessUsPerEvent).toFixed(2)}×`;
  const offered = Math.round((r.streams * 1000) / INTERVAL_MS);
  console.log(
    `| ${r.streams} | ${r.protocol} | ${r.connections}${r.connectErrors > 0 ? ` (and ${r.connectErrors} connect_error; listen queue overflows: ${r.listenOverflows})` : ''} | ${Math.round(r.eventsPerSecond)} (${offered}) | ${f(r.harnessUsPerEvent)} µs | ${ratio} | ${f(r.harnessCores, 2)} | ${f(r.readsPerEvent, 2)} | ${f(r.targetUsPerEvent)} µs (${f(r.targetCores, 2)}) | ${f(r.rssMiB, 0)} MiB | ${f(r.ttftP50, 2)} / ${f(r.itlP99, 2)} | ${f(r.lagP99, 2)} | ${f(r.loopLagP99, 1)}, ${r.saturatedSeconds} | ${f(r.otherCores, 2)} |`,
  );
}
