// `sse-soak run`: its flags, the scenario they make or change, and the exit code; the run
// itself is run/run-scenario.ts.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import type { LiveFlags } from '../live/live-sink.js';
import { DEFAULT_LINGER_MS } from '../live/listen.js';
import { MAX_WORKERS } from '../run/max-workers.js';
import { loadScenario } from '../scenario/load.js';
import { redactUrl } from '../scenario/request-checks.js';
import type { Scenario } from '../scenario/types.js';
import { CliError, EXIT } from '../util/exit-codes.js';
import { collect, PROXY_FLAG_HELP } from './args.js';
import { ciFiles, junitOption, SUMMARY_MD_OPTION } from './ci-flags.js';
import { FLAG_DEFAULTS, isUrlArgument, refuseWithFile, SCENARIO_FLAGS, scenarioOptions, urlScenario, type ScenarioFlags } from './flag-scenario.js';
import { applyFlags, parseShard, progressIntervalMs, stopWhenBrokenRules, type RunFlags } from './run-options.js';

export function registerRun(program: Command): void {
  const run = program
    .command('run')
    .description(
      'drive the load a scenario describes and write a report (starts the built-in target when the scenario names no URL). ' +
        'Given a URL instead of a file, the scenario is made from -c or -r, -d, -m, -H, -b, --sentinel and --tokens-json-path, which a scenario file sets itself',
    )
    .argument('<scenario|URL>', 'scenario file (YAML or JSON), or an http(s) URL to measure with the flags');
  // The flags of a URL run first, as the front door; with a scenario file all but -d are refused (flag-scenario.ts says why).
  scenarioOptions(
    run,
    `how long new streams are opened: with a URL, the scenario's duration (default ${FLAG_DEFAULTS.duration}); with a scenario file, its stages compressed or stretched to this total, e.g. 30s for a rehearsal`,
  )
    .option('--target <url>', "stream URL to test, instead of the scenario's")
    .option('--out <dir>', 'report folder (default: reports/<scenario>-<UTC time>)')
    .option('--threshold <rule>', 'a pass/fail rule such as "ttft p99 < 2s" (repeatable; adds to the scenario\'s)', collect)
    .option(
      '--stop-when-broken <rule>',
      'stop the run as soon as this rule can no longer pass, however the streams still to come go (repeatable; judged on exact counts, see docs/capacity.md#early-stop; not a threshold: add it with --threshold to judge it too)',
      collect,
    )
    .option('--shard <i/N>', 'run the i-th of N equal parts of the load (e.g. 2/3)')
    .option('--streams-csv <on|off|share>', 'streams.csv: every stream, none, or a share such as 10% (failures are always kept)')
    .option(
      '--accept-encoding <value>',
      'the Accept-Encoding offered (default: the scenario\'s target.acceptEncoding, else "gzip, deflate, br", as browsers; none for none)',
    )
    .option('--http <version>', "1.1, 2 or auto (default: the scenario's target.http, else auto: h2 where the server offers it over TLS, as browsers)")
    .option('--proxy <url|none>', PROXY_FLAG_HELP)
    .option('--resolve <host:port:address>', 'connect to this address for host:port, as curl --resolve (repeatable; adds to target.connectTo)', collect)
    .option(
      '--drain <duration>',
      "after the stages, how long open streams may finish before they are aborted (default: the scenario's load.drain, else 3m; not changed by --duration)",
    )
    .option('--progress-interval <duration>', 'how often a progress line is printed when not on a terminal', '10s')
    .option(
      '--start-at <time>',
      'wait until this wall-clock time (RFC 3339 with a zone, e.g. 2026-12-02T14:00:00Z, or +duration such as +2m) and start the load then: shards on several machines start together',
    )
    .option('--workers <n>', `processes that share the load (default: one per core, one fewer with the built-in target, at most ${MAX_WORKERS})`)
    .option('--quiet', 'no progress and no summary: print only the report folder')
    .option('--metrics-listen <[host:]port>', 'serve Prometheus metrics at /metrics while the run goes (host: 127.0.0.1 unless given; docs/live.md)')
    .option('--dashboard <[host:]port>', 'serve a live page of the run in the browser (host: 127.0.0.1 unless given; docs/live.md)')
    .option(
      '--live-linger <duration>',
      `after the run, how long --metrics-listen waits for a last scrape of the final figures (default ${DEFAULT_LINGER_MS / 1000}s)`,
    )
    .option(...junitOption('a case per threshold, and one for the run (an error when it was stopped early or interrupted)'))
    .option(...SUMMARY_MD_OPTION);
  run.action(async (arg: string, flags: RunFlags & ScenarioFlags, cmd: Command) => {
    const source = await runSource(arg, flags, cmd);
    const scenario = applyFlags(source.scenario, source.flags);
    const f = source.flags;
    const stopWhenBroken = stopWhenBrokenRules(f.stopWhenBroken);
    // Loaded here, not at the top: every command starts faster for not loading what a run needs.
    const { runScenario } = await import('../run/run-scenario.js');
    process.exitCode = await runScenario(scenario, {
      shard: parseShard(f.shard),
      ...(f.workers === undefined ? {} : { workers: f.workers }),
      quiet: f.quiet === true,
      ...(f.out === undefined ? {} : { out: f.out }),
      progressEveryMs: progressIntervalMs(f),
      ...(f.startAt === undefined ? {} : { startAt: f.startAt }),
      live: f as LiveFlags,
      ci: ciFiles(f),
      ...(stopWhenBroken.length === 0 ? {} : { stopWhenBroken }),
    });
  });
}

/** What a run measures: the scenario of a file, or one made from a URL and flags. */
interface RunSource {
  scenario: Scenario;
  /** The run flags to apply to the scenario. */
  flags: RunFlags;
}

async function runSource(arg: string, flags: RunFlags & ScenarioFlags, cmd: Command): Promise<RunSource> {
  if (isUrlArgument(arg)) {
    if (flags.target !== undefined) throw new CliError(`--target: not with a URL: ${redactUrl(arg)} is the target`, EXIT.INVALID_INPUT);
    const scenario = await urlScenario(arg, flags);
    // Every one of them is in the scenario now; -d is its own duration, not a stretch of it.
    return { scenario, flags: withoutScenarioFlags(flags, true) };
  }
  const fileFlags = cmd.options
    .filter((o) => o.attributeName() === 'duration' || !isScenarioFlag(o.attributeName()))
    .map((o) =>
      o.flags
        .split(/[ ,]+/)
        .filter((w) => w.startsWith('-'))
        .join('/'),
    );
  refuseWithFile(flags, arg, fileFlags);
  if (!existsSync(arg) && /^[\w.-]+:\d+(\/|$)/.test(arg)) {
    throw new CliError(`${arg}: no such file. To measure a URL, give it with its scheme: sse-soak run http://${arg}`, EXIT.INVALID_INPUT);
  }
  return { scenario: await loadScenario(arg), flags: withoutScenarioFlags(flags, false) };
}

const isScenarioFlag = (key: string): boolean => SCENARIO_FLAGS.some((f) => f.key === key);

/** The run flags alone (what applyFlags gets); with a file, -d stays: it stretches the stages. */
function withoutScenarioFlags(flags: RunFlags & ScenarioFlags, dropDuration: boolean): RunFlags {
  return Object.fromEntries(Object.entries(flags).filter(([k]) => !isScenarioFlag(k) || (k === 'duration' && !dropDuration)));
}
