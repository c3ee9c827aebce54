import type { Command } from 'commander';
import { ScenarioError } from '../scenario/errors.js';
import { loadScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { formatDurationMs } from '../scenario/units.js';
import { EXIT } from '../util/exit-codes.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check scenario files and explain every mistake with its place in the file')
    .argument('<scenario...>', 'scenario files, YAML or JSON')
    .action(async (files: string[]) => {
      let bad = 0;
      for (const file of files) {
        try {
          const scenario = await loadScenario(file);
          process.stdout.write(`ok   ${file}: ${describeScenario(scenario)}\n`);
          for (const notice of scenario.notices) process.stdout.write(`  note: ${notice}\n`);
        } catch (err) {
          if (!(err instanceof ScenarioError)) throw err;
          bad++;
          process.stdout.write(`FAIL ${file}: ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}\n${indent(err.describe())}\n`);
        }
      }
      process.exitCode = bad > 0 ? EXIT.INVALID_INPUT : EXIT.OK;
    });
}

/** One line on what a valid scenario will do. */
export function describeScenario(s: Scenario): string {
  const load = s.load;
  const peak = Math.max(...load.stages.map((st) => st.to));
  const warm = load.stages.filter((st) => st.warmup).reduce((t, st) => t + st.durationMs, 0);
  const shape =
    load.model === 'closed'
      ? `closed model, ${load.stages.length > 1 ? 'up to ' : ''}${peak} sessions`
      : `open model, ${load.stages.length > 1 ? 'up to ' : ''}${Math.round(peak * 100) / 100}/s ${load.arrivals}${load.maxConcurrency ? `, at most ${load.maxConcurrency} open` : ''}`;
  const target = s.target.variants.every((v) => v.url === null) ? 'the built-in target' : (s.target.variants[0]?.urlForReport ?? '');
  const parts = [
    shape,
    `${formatDurationMs(load.durationMs)} in ${load.stages.length} stage${load.stages.length === 1 ? '' : 's'}${warm > 0 ? ` (warm-up ${formatDurationMs(warm)})` : ''}`,
    `against ${target}`,
  ];
  if (s.target.variants.length > 1) parts.push(`${s.target.variants.length} variants`);
  if (s.thresholds.length > 0) parts.push(`${s.thresholds.length} threshold${s.thresholds.length === 1 ? '' : 's'}`);
  return parts.join(', ');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
