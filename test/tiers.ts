// Which tier each test file runs in. `npm test` runs the tiers in this order
// (scripts/test-tiers.ts); CONTRIBUTING.md ("Tests in tiers") says how to choose one.
//
//   fast     no socket, no child process, no real server: pure logic, files on disk, virtual
//            time. Many files at once; `npm run test:fast` answers in well under a minute.
//   heavy    timing files (below) that also keep a core or two busy for tens of seconds:
//            every shipped scenario at its own load, capacity searches, a starved worker.
//            One at a time, beside the fast tier.
//   servers  sockets on loopback, child processes (the CLI), real nginx, haproxy, Caddy,
//            uvicorn, Chromium, Prometheus: files side by side, a few at a time, each with
//            bounds that hold on a busy machine.
//   timing   assertions that read the wall clock against a figure (ttft beside a plain client,
//            a measured delay at the median, a cut timed by a proxy): one at a time, alone,
//            last, so that no other test file's work is in their figures.
//
// "Beside": when `npm test` runs fast and heavy and the machine is otherwise idle, they run at
// the same time, and every process of the fast tier runs at the lowest CPU priority (nice 19).
// The kernel then gives a heavy file's process a core as soon as it wakes, and the fast tier
// only what the heavy files leave idle: they measure as if alone, and the fast files, which have
// no clock to miss, cost the suite no time of their own. The timing files are not run beside
// the servers tier: in trials they were (servers at nice 0, 5 and 19), and each way broke
// bounds, the timing files' or the niced servers files' own, in some of the runs. On a busy
// machine, or with --alone, every tier runs alone, in this order.
//
// An entry is a file (test/driver/sse-decoder.test.ts) or a folder ending in '/' (every
// *.test.ts under it). Each test file must be named by exactly one entry of one tier, and
// each entry must name at least one file: test/tiers.test.ts fails otherwise, so a new or
// moved test file is placed here on purpose.

import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export type TierName = 'fast' | 'heavy' | 'servers' | 'timing';

export interface Tier {
  name: TierName;
  /** Test files run at once. */
  concurrency: number;
  entries: readonly string[];
  /**
   * The tier just before this one, which this tier runs beside when both are run and the
   * machine is idle: that tier's processes at the lowest CPU priority (BESIDE_NICE), this tier's
   * at the normal one (scripts/test-tiers.ts).
   */
  beside?: TierName;
}

/**
 * Below this share of the machine idle (over a second, just before the tier that another runs
 * beside), the two run one after the other: a niced tier beside a busy machine's own work gets
 * a sliver of the CPU, and its files' time limits would fire. 0.75 of 2 cores: at most half a
 * core busy with something else.
 */
export const IDLE_FOR_BESIDE = 0.75;

/** The niceness of the tier that another runs beside: the lowest priority (see the top of this file). */
export const BESIDE_NICE = 19;

/** All CPUs' time counters, as os.cpus() gives them (ms). */
export interface CpuSample {
  idle: number;
  total: number;
}

/** The share of the CPUs' time idle between two samples: 1 for a machine that did nothing. */
export function idleShareBetween(a: CpuSample, b: CpuSample): number {
  const total = b.total - a.total;
  return total > 0 ? Math.min(1, Math.max(0, (b.idle - a.idle) / total)) : 1;
}

export const TIERS: readonly Tier[] = [
  {
    name: 'fast',
    // Each file is a node process whose start-up and module loading (~0.5 s of CPU) is most of
    // its time: twice the cores keeps every core busy while some files wait on the disk.
    concurrency: 2 * availableParallelism(),
    entries: [
      'test/aggregate/',
      'test/capacity/early-stop.test.ts',
      'test/capacity/search.test.ts',
      'test/capacity/step-scenario.test.ts',
      'test/cli/',
      'test/discover/ladder.test.ts',
      'test/discover/progress.test.ts',
      'test/docs/',
      'test/doctor/checks.test.ts',
      'test/driver/content-decoding.test.ts',
      'test/driver/deadlines.test.ts',
      'test/driver/event-data.test.ts',
      'test/driver/load-run.test.ts',
      'test/driver/pacers.test.ts',
      'test/driver/recorder.test.ts',
      'test/driver/sse-decoder-memory.test.ts',
      'test/driver/sse-decoder.test.ts',
      'test/driver/stop-before-run.test.ts',
      'test/driver/stream-handler.test.ts',
      'test/driver/tokens.test.ts',
      'test/driver/usage.test.ts',
      'test/live/buckets.test.ts',
      'test/live/dashboard-feed.test.ts',
      'test/live/dashboard-page.test.ts',
      'test/live/grafana.test.ts',
      'test/live/prom-collector.test.ts',
      'test/report/console-background.test.ts',
      'test/report/console-drain.test.ts',
      'test/report/console-usage.test.ts',
      'test/report/console-wire.test.ts',
      'test/report/csv-file.test.ts',
      'test/report/progress.test.ts',
      'test/scenario/',
      'test/schedule/',
      'test/target/engine.test.ts',
      'test/target/token-stream.test.ts',
      'test/thresholds/',
      'test/tiers.test.ts',
      'test/util/',
      'test/driver/reasoning-figures.test.ts',
      'test/driver/reasoning.test.ts',
      'test/doctor/proxy-checks.test.ts',
      'test/merge/streams-csv.test.ts',
      'test/proxy/',
      'test/report/by-input-render.test.ts',
      'test/report/junit.test.ts',
      'test/report/markdown.test.ts',
      'test/run/',
      'test/target/prefill.test.ts',
      'test/target/prompt.test.ts',
      'test/workload/',
      'test/driver/sse-decoder-large.test.ts',
      'test/k8s/image-ref.test.ts',
      'test/k8s/pod-memory.test.ts',
    ],
  },
  {
    name: 'heavy',
    concurrency: 1,
    beside: 'fast',
    // Each with its bound, and the CPU it keeps busy (seconds of CPU in its seconds alone, 2026-12-07).
    entries: [
      'test/capacity/model-capacity.test.ts', // the model server's slots, and its arrival-rate capacity within 10 %: two searches at once, on latency SLOs (21 s of CPU in 43 s)
      'test/e2e/scenarios.test.ts', // every shipped scenario's own thresholds (itl p99 < 200 ms at 20–50 sessions) on a 2-core machine (32 in 37)
      'test/e2e/workers.test.ts', // ttft p50 with 3 workers within 30 ms of 1; a starved worker named (12 in 12)
    ],
  },
  {
    name: 'servers',
    // Four at a time: a third of these files mostly wait (on a proxy's timeout, a browser, a
    // linger), so three at a time left a fifth of the two cores idle. The files whose runs broke
    // their own latency thresholds, ttft comparisons and capacity searches beside another file
    // (a coordinator, workers and the built-in target: four processes on two cores) are in the
    // timing tier. 2026-12-08: 220 s three at a time and 203 s four at a time on a quiet machine
    // (about 355 s of CPU either way); four at a time beside two `yes` loops, 330 s, every test passed.
    concurrency: 4,
    // Slowest first (seconds measured three at a time, 2026-12-07): files start in this order, so
    // the long ones do not begin last and leave one file running alone at the end.
    entries: [
      'test/e2e/workers-lifecycle.test.ts',
      'test/integration/compression.test.ts',
      'test/e2e/background.test.ts',
      'test/integration/proxy-cli.test.ts',
      'test/e2e/report-browser.test.ts',
      'test/discover/discover-far-ends.test.ts',
      'test/capacity/nginx-limit.test.ts',
      'test/e2e/merge.test.ts',
      'test/e2e/url-run.test.ts',
      'test/live/run-metrics.test.ts',
      'test/integration/usage-scenarios.test.ts',
      'test/live/dashboard-browser.test.ts',
      'test/e2e/output.test.ts',
      'test/e2e/end-of-run.test.ts',
      'test/integration/background-nginx.test.ts',
      'test/compare/compare.test.ts',
      'test/integration/intermediaries.test.ts',
      'test/integration/http2.test.ts',
      'test/integration/production-path-encode.test.ts',
      'test/integration/http2-target.test.ts',
      'test/capacity/early-stop-cli.test.ts',
      'test/e2e/bad-summaries.test.ts',
      'test/live/prometheus.test.ts',
      'test/e2e/full-disk.test.ts',
      'test/e2e/folder-lock.test.ts',
      'test/e2e/cli.test.ts',
      'test/e2e/inputs.test.ts',
      'test/e2e/limits.test.ts',
      'test/k8s/render.test.ts',
      'test/capacity/workload.test.ts',
      'test/integration/proxy-routes.test.ts',
      'test/e2e/absurd-load.test.ts',
      'test/e2e/encodings.test.ts',
      'test/capacity/cli-input.test.ts',
      'test/e2e/ci-files.test.ts',
      'test/doctor/doctor.test.ts',
      'test/integration/cuts.test.ts',
      'test/integration/ai-shapes.test.ts',
      'test/integration/load-shapes.test.ts',
      'test/integration/reasoning-scenario.test.ts',
      'test/e2e/dead-target.test.ts',
      'test/e2e/drain.test.ts',
      'test/integration/outcomes.test.ts',
      'test/integration/tls-client-cert.test.ts',
      'test/integration/tls.test.ts',
      'test/e2e/target-cors-browser.test.ts',
      'test/k8s/pod-script.test.ts',
      'test/integration/reconnect.test.ts',
      'test/report/summary-schema.test.ts',
      'test/e2e/old-summary.test.ts',
      'test/target/http2-target.test.ts',
      'test/integration/drain.test.ts',
      'test/driver/undici-internals.test.ts',
      'test/live/dashboard-server.test.ts',
      'test/report/html.test.ts',
      'test/integration/framing.test.ts',
      'test/target/model-inputs.test.ts',
      'test/capacity/judge.test.ts',
      'test/integration/http2-headers.test.ts',
      'test/target/api-shapes.test.ts',
      'test/integration/last-event-id.test.ts',
      'test/integration/interim.test.ts',
      'test/k8s/start-spread.test.ts',
      'test/live/live-sink.test.ts',
      'test/doctor/interim.test.ts',
    ],
  },
  {
    name: 'timing',
    concurrency: 1,
    // Each with the wall-clock bound that a test file running beside it could break.
    entries: [
      'test/integration/production-path.test.ts', // ttft and itl medians within 5 ms of plain HTTP/1.1
      'test/k8s/pods.test.ts', // three shards' schedules within 150 ms (a fourth process waking beside them: 80–180 ms)
      'test/discover/discover.test.ts', // cuts timed by other processes (proxy, nginx) within 0.2–0.4 s windows
      'test/integration/doctor-paths.test.ts', // a plain client's share of token gaps under 2 ms
      'test/integration/fidelity.test.ts', // ttft p50 within 10 ms of the delay, itl within 2 ms, delivery lag under 5 ms
      'test/integration/ai-app.test.ts', // ttft within 75 ms of a plain client's, itl within 10 ms
      'test/integration/buffering.test.ts', // under 1.5 events per read from a target in the same process
      'test/integration/idle-timer.test.ts', // the idle limit fires within the measured loop lag + 2 ms
      'test/target/server.test.ts', // each token in a read of its own, gaps within the loop lag
      'test/target/model-server.test.ts', // gaps within the loop lag + 5 ms
      'test/driver/harness-monitor.test.ts', // an idle loop's lag p50 under 20 ms
      'test/target/gzip-knob.test.ts', // no two gzip-flushed events decoded from one chunk
      'test/integration/proxy.test.ts', // ttft through Squid within 10 ms (+ loop lag) of direct; its read_timeout's cut at 1.9–4 s
      'test/integration/reasoning.test.ts', // each phase's rate within 2 % (+ loop lag) of the target's
      'test/integration/workloads.test.ts', // ttft by turn within 50–70 ms windows of the prefill time; trace arrivals within 25 ms
    ],
  },
];

/** Every test source under test/, as test/<folder>/<name>.test.ts, sorted. */
export function testSources(root = fileURLToPath(new URL('../../', import.meta.url))): string[] {
  return (readdirSync(`${root}/test`, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => `test/${f.split(sep).join('/')}`)
    .sort();
}

/** What is wrong with the tiers for these test files (paths like test/x/y.test.ts): empty when each file is in exactly one. */
export function tierProblems(files: readonly string[], tiers: readonly Tier[] = TIERS): string[] {
  const problems: string[] = [];
  const claims = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const tier of tiers) {
    for (const entry of tier.entries) {
      const named = files.filter((f) => matches(entry, f));
      if (named.length === 0) problems.push(`${tier.name}: ${entry} names no test file (moved or deleted? update test/tiers.ts)`);
      for (const f of named) claims.get(f)?.push(`${tier.name} (${entry})`);
    }
  }
  tiers.forEach((tier, i) => {
    if (tier.beside !== undefined && tiers[i - 1]?.name !== tier.beside)
      problems.push(`${tier.name}: runs beside ${tier.beside}, which is not the tier just before it`);
  });
  for (const [file, by] of claims) {
    if (by.length === 0) problems.push(`${file} is in no tier: add it to one in test/tiers.ts`);
    if (by.length > 1) problems.push(`${file} is in ${by.length} places: ${by.join(', ')}; keep one`);
  }
  return problems;
}

/** The test files of a tier, in the order of its entries (a folder's files in name order). */
export function filesOf(tier: Tier, files: readonly string[]): string[] {
  return [...new Set(tier.entries.flatMap((e) => files.filter((f) => matches(e, f))))];
}

function matches(entry: string, file: string): boolean {
  return entry.endsWith('/') ? file.startsWith(entry) : file === entry;
}
