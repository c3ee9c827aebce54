// One run as a library: the built-in target when the scenario needs it, the workers (forked
// or in this process), the background traffic and the live views around the coordinator.
// `sse-soak run` calls it with its flags; it returns the run's exit code.
import { availableParallelism } from 'node:os';
import { backgroundProxy, backgroundReportUrl, BackgroundTraffic, backgroundUrl } from '../background/background.js';
import { proxyForUrl, routeText } from '../proxy/settings.js';
import { LiveSetupError, planLive, startLive, type LiveFlags, type LiveSink } from '../live/live-sink.js';
import { lockReportFolder } from '../report/folder-lock.js';
import { defaultReportDir, hasCiFiles, prepareCiFiles, prepareReportDir, type CiFiles } from '../report/writer.js';
import type { Shard } from '../schedule/open.js';
import type { Scenario } from '../scenario/types.js';
import { formatDurationMs } from '../scenario/units.js';
import { spawnTarget, type ChildTarget } from '../target/child.js';
import { knobsToQuery, serverWideKnobs } from '../target/knobs.js';
import { CliError, EXIT } from '../util/exit-codes.js';
import { VERSION } from '../util/version.js';
import type { Threshold } from '../thresholds/rules.js';
import { coordinateRun, type RunObserver } from './coordinator.js';
import { machineLimitWarnings } from './machine-limits.js';
import { ProgressPrinter } from './progress-printer.js';
import type { RunTargets } from './run-messages.js';
import { startAtObserver } from './start-at.js';
import { forkWorkers, localWorker } from './workers.js';
import { MAX_WORKERS } from './max-workers.js';

/**
 * Adds built-in target knobs to a URL (or a URL as reports show it) as query parameters,
 * before any #fragment. A parameter the URL already has is left as it is: the URL wins.
 */
export function withKnobs(url: string, knobs: Record<string, string | number | boolean>): string {
  const hash = url.indexOf('#');
  const head = hash < 0 ? url : url.slice(0, hash);
  const fragment = hash < 0 ? '' : url.slice(hash);
  const q = head.indexOf('?');
  const present = new URLSearchParams(q < 0 ? '' : head.slice(q + 1));
  const query = knobsToQuery(Object.fromEntries(Object.entries(knobs).filter(([k]) => !present.has(k))));
  if (query === '') return url;
  return `${head}${q < 0 ? '?' : head.endsWith('?') || head.endsWith('&') ? '' : '&'}${query}${fragment}`;
}

/**
 * Each variant's URL, and as reports show it. Knobs go to the built-in target this run
 * starts, and to a URL only when the scenario says it is `sse-soak serve` (target.sendKnobs):
 * anywhere else they would change the user's URL (and break a signed one).
 */
export function variantTargets(scenario: Scenario, builtinUrl: string | null): { urls: string[]; reportUrls: string[]; dropped: string[] } {
  const dropped = new Set<string>();
  const urls: string[] = [];
  const reportUrls: string[] = [];
  for (const v of scenario.target.variants) {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- tsc needs it: a variant without a URL has the built-in target's
    const url = v.url ?? (builtinUrl as string);
    const reportUrl = v.url === null ? (builtinUrl as string) : (v.urlForReport ?? v.url);
    const send = v.url === null || scenario.target.sendKnobs;
    if (!send) for (const k of Object.keys(v.builtin)) dropped.add(k);
    urls.push(send ? withKnobs(url, v.builtin) : url);
    reportUrls.push(send ? withKnobs(reportUrl, v.builtin) : reportUrl);
  }
  return { urls, reportUrls, dropped: [...dropped] };
}

/** How one run goes, beyond its scenario: what the command line (or a caller such as capacity) asks. */
export interface RunOptions {
  /** The --shard this machine runs. */
  shard: Shard;
  /** --workers as given (default: one per core, less those a local target needs). */
  workers?: string;
  quiet: boolean;
  /** The report folder (default: reports/<scenario>-<UTC time>). */
  out?: string;
  /** How often a progress line is printed when not on a terminal. */
  progressEveryMs: number;
  /** --start-at as given. */
  startAt?: string;
  /** --metrics-listen, --dashboard, --live-linger. */
  live: LiveFlags;
  /** --junit, --summary-md and $GITHUB_STEP_SUMMARY: written with the report. */
  ci?: CiFiles;
  /** --stop-when-broken: rules the run stops on as soon as they are broken beyond recovery. */
  stopWhenBroken?: readonly Threshold[];
}

/** Runs a scenario: the built-in target if it needs one, the workers, background traffic and live views; the exit code. */
export async function runScenario(scenario: Scenario, flags: RunOptions): Promise<number> {
  const shard = flags.shard;
  const progressEveryMs = flags.progressEveryMs;
  // The built-in target runs on this machine too, and needs a core of its own.
  // (--target has already replaced every variant's URL: applyFlags.)
  const startsBuiltinTarget = scenario.target.variants.some((v) => v.url === null);
  const workers = workerCount(flags.workers, scenario, startsBuiltinTarget ? 1 : 0);
  const quiet = flags.quiet === true;
  const say = (text: string): void => {
    if (!quiet) process.stdout.write(text);
  };
  const outDir = flags.out ?? defaultReportDir(scenario.name);
  const livePlan = liveErrors(() => planLive(flags.live));
  try {
    await prepareReportDir(outDir);
  } catch (err) {
    throw new CliError(`cannot create the report folder ${outDir}: ${(err as Error).message}`, EXIT.CANNOT_START);
  }
  try {
    if (hasCiFiles(flags.ci)) await prepareCiFiles(flags.ci);
  } catch (err) {
    throw new CliError(`cannot create the folder of --junit or --summary-md: ${(err as Error).message}`, EXIT.CANNOT_START);
  }

  // Taken before anything is written into it: a second run with the same --out is refused, not mixed in.
  const lock = lockReportFolder(outDir, 'run');
  try {
    return await runInFolder();
  } finally {
    lock.release();
  }

  async function runInFolder(): Promise<number> {
    for (const notice of scenario.notices) process.stderr.write(`sse-soak: note: ${notice}\n`);
    let child: ChildTarget | null = null;
    const links = workers > 1 ? forkWorkers(workers) : [localWorker()];
    if (startsBuiltinTarget) {
      try {
        // target.http: 2 in cleartext is h2c prior knowledge: the built-in target speaks it too.
        // Its model-server knobs (slots, a prefix cache) are server-wide: given when it starts.
        child = await spawnTarget({ knobs: serverWideKnobs(scenario.target.variants[0]?.builtin ?? {}), http2: scenario.target.http === '2' });
      } catch (err) {
        for (const w of links) w.kill();
        throw new CliError(`cannot start the built-in target: ${(err as Error).message}`, EXIT.CANNOT_START);
      }
    }
    const { urls, reportUrls, dropped } = variantTargets(scenario, child === null ? null : `${child.origin}/stream`);
    if (dropped.length > 0) {
      process.stderr.write(
        `sse-soak: note: the built-in target's knobs (target.builtin: ${dropped.join(', ')}) are not sent to ${reportUrls[0]}: it is not the built-in target. ` +
          'If it is `sse-soak serve` (e.g. behind a gateway), set target.sendKnobs: true in the scenario\n',
      );
    }
    const targets: RunTargets = { urls, reportUrls, builtinTarget: child !== null };
    for (const note of unusedConnectTo(scenario, urls)) process.stderr.write(`sse-soak: note: ${note}\n`);

    const load = scenario.load;
    const shape =
      load.model === 'closed'
        ? `closed model, up to ${Math.max(...load.stages.map((s) => s.to))} sessions`
        : `open model, up to ${Math.max(...load.stages.map((s) => s.to))}/s`;
    say(
      `sse-soak ${VERSION}: ${scenario.name}: ${shape}, ${formatDurationMs(load.durationMs)}${load.drainMs > 0 ? ` (then up to ${formatDurationMs(load.drainMs)} for open streams to finish)` : ', no drain'} against ${reportUrls[0]}${urls.length > 1 ? ` and ${urls.length - 1} more variant(s)` : ''}` +
        `${targets.builtinTarget ? ' (built-in target)' : ''}${scenario.target.proxy === null ? '' : `, ${routeText(scenario.target.proxy, urls[0] as string)}`}${shard.count > 1 ? `, shard ${shard.index + 1}/${shard.count}` : ''}${workers > 1 ? `, ${workers} worker processes` : ''}\n`,
    );
    for (const w of machineLimitWarnings(scenario, shard, workers)) process.stderr.write(`sse-soak: warning: ${w}\n`);
    const progress = new ProgressPrinter(quiet, progressEveryMs, load.durationMs, load.stages.length, load.model, workers);
    let background: BackgroundTraffic | null = null;
    let live: LiveSink | null = null;
    // --start-at first: it waits once every worker is ready, before the background's lead and the clock, and puts run.start in the summary the others see.
    const observers: RunObserver[] = flags.startAt === undefined ? [] : [startAtObserver(flags.startAt, say)];
    try {
      if (livePlan !== null) {
        const started = await liveErrors(() => startLive(livePlan, scenario, shard, outDir));
        live = started;
        for (const [what, url] of Object.entries(started.urls)) if (url !== null) process.stderr.write(`sse-soak: live: ${what} at ${url}\n`);
        observers.push({ onSecond: (s, parts) => started.second(s, parts), onSummary: (summary) => started.end(summary) });
      }
      const bg = scenario.background;
      if (bg !== null) {
        const url = backgroundUrl(bg, urls[0] as string);
        const reportUrl = backgroundReportUrl(bg, reportUrls[0] as string);
        const { via, notice } = backgroundProxy(scenario.target.proxy, url);
        if (notice !== null) process.stderr.write(`sse-soak: note: ${notice}\n`);
        try {
          background = await BackgroundTraffic.start(bg, url, reportUrl, via);
        } catch (err) {
          throw new CliError(`cannot start the background traffic: ${(err as Error).message}`, EXIT.CANNOT_START);
        }
        say(
          `background: ${bg.method} ${reportUrl}${via === null ? '' : ` via proxy ${via.shown}`}, ${bg.connections} connections${bg.rate === null ? '' : `, ${bg.rate}/s`}; alone for ${bg.beforeMs / 1000}s before the streams and ${bg.afterMs / 1000}s after\n`,
        );
      }
      return await coordinateRun({
        scenario,
        shard,
        workers: links,
        outDir,
        targets,
        progress,
        quiet,
        background,
        observers,
        ci: flags.ci,
        ...(flags.stopWhenBroken === undefined ? {} : { stopWhenBroken: flags.stopWhenBroken }),
      });
    } finally {
      for (const w of links) w.kill();
      background?.kill();
      await child?.stop();
      // Last: /metrics may wait for a final scrape (--live-linger); nothing else needs to wait with it.
      await live?.close();
    }
  }
}

/** A live view's flag or address that cannot be had, as an exit code: bad input, or the machine. */
function liveErrors<T>(f: () => T): T {
  const asCli = (err: unknown): never => {
    if (err instanceof LiveSetupError) throw new CliError(err.message, err.kind === 'input' ? EXIT.INVALID_INPUT : EXIT.CANNOT_START);
    throw err;
  };
  try {
    const out = f();
    return out instanceof Promise ? (out.catch(asCli) as T) : out;
  } catch (err) {
    return asCli(err);
  }
}

/**
 * --workers, or the default: one per core (at most MAX_WORKERS), less the cores kept
 * for a local target, never more than a closed model has sessions. More workers than
 * the load needs cost CPU: each wakes up for fewer events (bench/RESULTS.md).
 */
function workerCount(text: string | undefined, scenario: Scenario, reservedCores: number): number {
  if (text !== undefined) {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS)
      throw new CliError(`--workers: expected a whole number from 1 to ${MAX_WORKERS}, got ${text}`, EXIT.INVALID_INPUT);
    return n;
  }
  const load = scenario.load;
  const peak = Math.max(...load.stages.map((s) => Math.max(s.from, s.to)));
  return Math.max(1, Math.min(availableParallelism() - reservedCores, MAX_WORKERS, load.model === 'closed' ? Math.ceil(peak) : MAX_WORKERS));
}

/**
 * connectTo (--resolve) entries for a target that goes through a proxy: the proxy resolves the
 * target's name, so they are not used (as with curl), and the user should know.
 */
export function unusedConnectTo(scenario: Scenario, urls: readonly string[]): string[] {
  const notes: string[] = [];
  for (const c of scenario.target.connectTo) {
    const served = urls.some((url) => {
      const u = new URL(url);
      const port = Number(u.port) || (u.protocol === 'https:' ? 443 : 80);
      return u.hostname.toLowerCase() === c.host && port === c.port && proxyForUrl(scenario.target.proxy, u) !== null;
    });
    if (served)
      notes.push(
        `connectTo ${c.host}:${c.port}:${c.address} is not used: ${c.host} goes through the proxy, which resolves its name (an entry for the proxy's own host:port is used)`,
      );
  }
  return notes;
}
