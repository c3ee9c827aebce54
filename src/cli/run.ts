import type { Command } from 'commander';
import { LoadRun } from '../driver/load-run.js';
import { renderConsoleSummary } from '../report/console.js';
import { buildSummary } from '../report/summary.js';
import { defaultReportDir, prepareReportDir, writeSummary } from '../report/writer.js';
import { loadScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { spawnTarget, type ChildTarget } from '../target/child.js';
import { knobsToQuery } from '../target/knobs.js';
import { CliError, EXIT } from './exit-codes.js';
import { VERSION } from './version.js';

interface RunOptions {
  target?: string;
  out?: string;
  quiet?: boolean;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('drive the load a scenario describes and write a report (starts the built-in target when the scenario names no URL)')
    .argument('<scenario>', 'scenario file, YAML or JSON')
    .option('--target <url>', "stream URL to test, instead of the scenario's")
    .option('--out <dir>', 'report folder (default: reports/<scenario>-<UTC time>)')
    .option('--quiet', 'print only the report folder')
    .action(async (file: string, opts: RunOptions) => {
      const scenario = await loadScenario(file);
      const code = await runScenario(scenario, opts);
      process.exitCode = code;
    });
}

/** The stream URL for a run: --target, else the scenario's URL, else null (built-in target). */
function chooseUrl(scenario: Scenario, override: string | undefined): string | null {
  if (override === undefined) return scenario.target.url;
  try {
    const u = new URL(override);
    if (u.protocol === 'http:' || u.protocol === 'https:') return u.toString();
  } catch {
    // reported below
  }
  throw new CliError(`--target: not an http(s) URL: ${override}`, EXIT.INVALID_INPUT);
}

/** Adds the scenario's built-in target knobs to a URL as query parameters. */
function withKnobs(url: string, knobs: Record<string, string | number | boolean>): string {
  const query = knobsToQuery(knobs);
  if (query === '') return url;
  return url + (url.includes('?') ? '&' : '?') + query;
}

async function runScenario(scenario: Scenario, opts: RunOptions): Promise<number> {
  const say = (text: string): void => {
    if (!opts.quiet) process.stdout.write(text);
  };
  const outDir = opts.out ?? defaultReportDir(scenario.name);
  try {
    await prepareReportDir(outDir);
  } catch (err) {
    throw new CliError(`cannot create the report folder ${outDir}: ${(err as Error).message}`, EXIT.CANNOT_START);
  }

  let child: ChildTarget | null = null;
  let url = chooseUrl(scenario, opts.target);
  const builtin = url === null;
  if (url === null) {
    try {
      child = await spawnTarget();
    } catch (err) {
      throw new CliError(`cannot start the built-in target: ${(err as Error).message}`, EXIT.CANNOT_START);
    }
    url = `${child.origin}/stream`;
  }
  url = withKnobs(url, scenario.target.builtin);

  const load = scenario.load;
  say(`sse-soak ${VERSION}: ${scenario.name}: ${load.sessions} sessions for ${load.durationMs / 1000}s against ${url}${builtin ? ' (built-in target)' : ''}\n`);
  const run = new LoadRun(scenario, url);
  const onSignal = (): void => run.stop();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await run.run();
    const reportUrl = builtin ? url : withKnobs(scenario.target.urlForReport ?? url, scenario.target.builtin);
    const summary = buildSummary({ scenario, result, targetUrl: reportUrl, builtinTarget: builtin, version: VERSION });
    const text = renderConsoleSummary(summary, outDir);
    await writeSummary(outDir, summary, text);
    say('\n' + text);
    if (opts.quiet) process.stdout.write(`${outDir}\n`);
    return EXIT.OK;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await child?.stop();
  }
}
