// `sse-soak capacity <scenario> --slo RULE…`: how many concurrent streams (closed model) or
// new streams per second (open model) a path holds within its SLOs, what breaks first, and
// the evidence of whose limit it is. Each step is an `sse-soak run` of its own (src/capacity/step.ts).
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CapacityFlags } from '../capacity/command.js';
import { collect, PROXY_FLAG_HELP } from './args.js';
import { ciFiles, junitOption, SUMMARY_MD_OPTION } from './ci-flags.js';
import { CliError, EXIT } from '../util/exit-codes.js';
import { makeDir } from '../util/make-dir.js';

export function registerCapacity(program: Command): void {
  program
    .command('capacity')
    .description(
      'find how many concurrent streams (closed model) or streams per second (open model) a path holds within its SLOs: geometric steps, then bisection; names what broke first and the evidence',
    )
    .argument('<scenario>', "scenario file (YAML or JSON); its load model says what is stepped, its load level is replaced by each step's")
    .option(
      '--slo <rule>',
      'an SLO in the threshold grammar, e.g. "ttft p99 < 2s", "itl p99 < 200ms", "drop_rate < 0.1%", "cuts == 0" (repeatable; default: the scenario\'s thresholds)',
      collect,
    )
    .option('--from <level>', 'the first level: sessions (closed model) or a rate such as 5/s (open model) (default: 10 sessions, or 1/s)')
    .option('--to <level>', 'the highest level tried (default: 100000 sessions, or 10000/s)')
    .option('--factor <x>', 'each step up multiplies the level by this', '2')
    .option('--precision <share>', 'bisection stops when the first bad level is within this share above the last good one', '10%')
    .option('--step <duration>', 'how long each step is measured (default: 3 replies back to back, at least 1s; see docs/capacity.md)')
    .option('--warmup <duration>', "each step's warm-up, kept out of its figures (default: one reply, at least 1s)")
    .option('--target <url>', "stream URL to test, instead of the scenario's")
    .option('--workers <n>', "processes each step's run uses (passed to run --workers)")
    .option('--proxy <url|none>', `${PROXY_FLAG_HELP}; passed to each step's run`)
    .option(
      '--no-early-stop',
      'run every step its whole length, even one whose SLO is already broken beyond recovery (default: such a step ends early; docs/capacity.md#early-stop)',
    )
    .option('--out <dir>', 'capacity report folder (default: reports/<scenario>-capacity-<UTC time>)')
    .option('--quiet', 'no progress lines: print the table and the answer only')
    .option(...junitOption('a case for the capacity (failed when even the first step broke an SLO) and one per SLO at the capacity'))
    .option(...SUMMARY_MD_OPTION)
    .action(async (file: string, flags: CapacityFlags) => {
      if (!existsSync(file)) throw new CliError(`${file}: no such scenario file`, EXIT.INVALID_INPUT);
      if (flags.out !== undefined) {
        try {
          await makeDir(flags.out);
        } catch (err) {
          throw new CliError(`--out: cannot create ${flags.out}: ${(err as Error).message}`, EXIT.CANNOT_START);
        }
        if (existsSync(join(flags.out, 'capacity.json')))
          throw new CliError(`--out: ${flags.out} holds a capacity report already; name a new folder`, EXIT.INVALID_INPUT);
      }
      // Loaded when the command runs, not at the top: every command starts faster for not loading what the others need.
      const { runCapacity } = await import('../capacity/command.js');
      process.exitCode = await runCapacity(file, flags, ciFiles(flags));
    });
}
