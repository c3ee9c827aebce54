#!/usr/bin/env node
// The sse-soak command line: the only place that picks exit codes and exits.
import { Command, CommanderError } from 'commander';
import { ScenarioError } from '../scenario/errors.js';
import { CliError, EXIT } from '../util/exit-codes.js';
import { registerDiscover } from './discover.js';
import { registerCapacity } from './capacity.js';
import { registerCompare } from './compare.js';
import { registerDoctor } from './doctor.js';
import { registerInit } from './init.js';
import { registerK8s } from './k8s.js';
import { registerMerge } from './merge.js';
import { registerReport } from './report.js';
import { registerRun } from './run.js';
import { registerServe } from './serve.js';
import { registerValidate } from './validate.js';
import { VERSION } from '../util/version.js';

const program = new Command()
  .name('sse-soak')
  .description('Load and soak testing for Server-Sent Events: does your token streaming really stream, under load, through every proxy?')
  .version(VERSION)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerRun(program);
registerCapacity(program);
registerInit(program);
registerDoctor(program);
registerDiscover(program);
registerMerge(program);
registerReport(program);
registerCompare(program);
registerServe(program);
registerValidate(program);
registerK8s(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = report(err);
}

function report(err: unknown): number {
  if (err instanceof CommanderError) {
    // --help and --version end here too, with code 0; commander has printed what it had to.
    return err.exitCode === 0 ? EXIT.OK : EXIT.INVALID_INPUT;
  }
  if (err instanceof ScenarioError) {
    process.stderr.write(`sse-soak: the scenario has ${err.problems.length === 1 ? 'a problem' : `${err.problems.length} problems`}:\n${err.describe()}\n`);
    return EXIT.INVALID_INPUT;
  }
  if (err instanceof CliError) {
    process.stderr.write(`sse-soak: ${err.message}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  process.stderr.write(`sse-soak: internal error: ${e?.message ?? String(err)}\n`);
  if (process.env.SSE_SOAK_DEBUG) process.stderr.write(`${e?.stack ?? ''}\n`);
  else process.stderr.write('(this is a bug in sse-soak; run again with SSE_SOAK_DEBUG=1 for details, and please report it)\n');
  return EXIT.INTERNAL;
}
