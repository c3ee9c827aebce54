// The live views of a run (`run --metrics-listen`, `run --dashboard`) behind one object
// the run feeds: each second's snapshot (all workers together, as the coordinator has
// it), then the summary. Nothing here is on the hot path, and nothing makes the run wait.
import { createServer, type Server } from 'node:http';
import { basename } from 'node:path';
import type { HarnessSecond } from '../record/harness.js';
import type { SecondSnapshot } from '../aggregate/second-window.js';
import { loadAssets } from '../report/html-writer.js';
import type { Summary } from '../report/summary.js';
import type { Scenario } from '../scenario/types.js';
import type { Shard } from '../schedule/open.js';
import { DashboardFeed } from './dashboard-feed.js';
import { renderDashboardPage } from './dashboard-page.js';
import { DashboardServer } from './dashboard-server.js';
import { DEFAULT_LINGER_MS, listen, LiveSetupError, parseListen, type ListenAddress } from './listen.js';

export { LiveSetupError } from './listen.js';
// Type only: prom-client (and OpenTelemetry's API under it) costs some 140 ms of CPU to load, paid
// only by a run that asks for /metrics (startLive imports it then).
import type { PromCollector } from './prom-collector.js';
import { parseDurationMs } from '../scenario/units.js';

/** One worker's own harness figures in a second (`run --workers`). */
export interface WorkerSecond {
  worker: number;
  harness: HarnessSecond;
}

export interface LiveSink {
  /** One second of the run, the last partial one included; with --workers, each worker's harness figures too. */
  second(snapshot: SecondSnapshot, workers?: readonly WorkerSecond[]): void;
  /** The run's summary: the figures are final. */
  end(summary: Summary): void;
  /** Stops serving: after the end, once Prometheus has scraped the final figures or the linger ran out; at once otherwise. */
  close(): Promise<void>;
}

/** The flags, as commander gives them. */
export interface LiveFlags {
  metricsListen?: string;
  dashboard?: string;
  liveLinger?: string;
}

export interface LivePlan {
  metrics: ListenAddress | null;
  dashboard: ListenAddress | null;
  lingerMs: number;
}

/** Checks the flags before anything starts; null when neither view is asked for. */
export function planLive(flags: LiveFlags): LivePlan | null {
  const metrics = flags.metricsListen === undefined ? null : parseListen(flags.metricsListen, '--metrics-listen');
  const dashboard = flags.dashboard === undefined ? null : parseListen(flags.dashboard, '--dashboard');
  let lingerMs = DEFAULT_LINGER_MS;
  if (flags.liveLinger !== undefined) {
    const ms = parseDurationMs(flags.liveLinger);
    if (ms === null || ms < 0)
      throw new LiveSetupError(`--live-linger: expected a duration such as 15s or 0, got ${JSON.stringify(flags.liveLinger)}`, 'input');
    if (metrics === null && dashboard === null) throw new LiveSetupError('--live-linger: only with --metrics-listen or --dashboard', 'input');
    lingerMs = ms;
  }
  if (metrics === null && dashboard === null) return null;
  return { metrics, dashboard, lingerMs };
}

/** The URLs a started sink serves (printed for the user, read by tests). */
export interface LiveUrls {
  metrics: string | null;
  dashboard: string | null;
}

/** Starts the servers the plan asks for; a port that cannot be had is a LiveSetupError before the run begins. */
export async function startLive(plan: LivePlan, scenario: Scenario, shard: Shard, outDir: string): Promise<LiveSink & { urls: LiveUrls }> {
  const run = basename(outDir);
  const urls: LiveUrls = { metrics: null, dashboard: null };
  let prom: PromCollector | null = null;
  let promServer: Server | null = null;
  let dash: DashboardServer | null = null;
  let ended = false;
  let finalScraped: () => void = () => undefined;
  const scrapedAfterEnd = new Promise<void>((resolve) => (finalScraped = resolve));
  try {
    if (plan.metrics !== null) {
      const { PromCollector } = await import('./prom-collector.js');
      const collector = new PromCollector(
        { scenario: scenario.name, shard: `${shard.index + 1}/${shard.count}`, run },
        scenario.target.variants.map((v) => v.name),
      );
      prom = collector;
      promServer = createServer((req, res) => {
        if ((req.url ?? '').split('?')[0] !== '/metrics') {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the metrics are at /metrics\n');
          return;
        }
        // Read before the await: a scrape that began after the end carries the final figures.
        const final = ended;
        collector.text().then(
          (text) => {
            res.writeHead(200, { 'content-type': collector.contentType() }).end(text, () => {
              if (final) finalScraped();
            });
          },
          (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
        );
      });
      urls.metrics = `${await listen(promServer, plan.metrics, '--metrics-listen')}/metrics`;
    }
    if (plan.dashboard !== null) {
      const feed = new DashboardFeed(scenario, run);
      dash = new DashboardServer(feed, renderDashboardPage(feed.info, await loadAssets()));
      urls.dashboard = `${await listen(dash.server, plan.dashboard, '--dashboard')}/`;
    }
  } catch (err) {
    promServer?.close();
    await dash?.close();
    throw err;
  }
  return {
    urls,
    second(s, workers) {
      prom?.second(s, workers);
      dash?.second(s);
    },
    end(summary) {
      prom?.end(summary);
      dash?.end(summary);
      ended = true;
    },
    async close() {
      if (ended && promServer !== null && plan.lingerMs > 0) {
        process.stderr.write(
          `sse-soak: live: /metrics stays up until it is scraped once more (the final figures), at most ${plan.lingerMs / 1000} s (--live-linger)\n`,
        );
        let timer: NodeJS.Timeout | undefined;
        // Ctrl-C (or a pod's SIGTERM) ends the wait, not the process: the run's exit code stands.
        let interrupted: () => void = () => undefined;
        const signal = new Promise<void>((resolve) => (interrupted = resolve));
        process.once('SIGINT', interrupted);
        process.once('SIGTERM', interrupted);
        await Promise.race([scrapedAfterEnd, signal, new Promise<void>((resolve) => (timer = setTimeout(resolve, plan.lingerMs)))]);
        clearTimeout(timer);
        process.off('SIGINT', interrupted);
        process.off('SIGTERM', interrupted);
      }
      await dash?.close();
      if (promServer !== null) {
        const s = promServer;
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections();
        });
      }
    },
  };
}
