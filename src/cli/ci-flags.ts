// The flags of the files CI reads, shared by run, compare and capacity (docs/ci.md): --junit
// and --summary-md, and GitHub's $GITHUB_STEP_SUMMARY, to which the Markdown summary is
// appended whenever it is set.
import type { CiFiles } from '../report/writer.js';

export interface CiFlags {
  junit?: string;
  summaryMd?: string;
}

/** --junit, for a command's chain of options: `.option(...junitOption('a case per …'))`. */
export function junitOption(what: string): [string, string] {
  return ['--junit <file>', `write JUnit XML for CI: ${what} (docs/ci.md)`];
}

export const SUMMARY_MD_OPTION: [string, string] = [
  '--summary-md <file>',
  'write a Markdown summary for a CI page (on GitHub Actions it is also appended to $GITHUB_STEP_SUMMARY)',
];

/** The CI variables a report link is made of (GitLab's job, GitHub's workflow run). */
const LINK_VARIABLES = ['CI_JOB_URL', 'CI_PROJECT_DIR', 'GITHUB_SERVER_URL', 'GITHUB_REPOSITORY', 'GITHUB_RUN_ID'] as const;

export function ciFiles(flags: CiFlags, env: NodeJS.ProcessEnv = process.env): CiFiles {
  const stepSummary = env.GITHUB_STEP_SUMMARY;
  return {
    ...(flags.junit === undefined ? {} : { junit: flags.junit }),
    ...(flags.summaryMd === undefined ? {} : { summaryMd: flags.summaryMd }),
    ...(stepSummary === undefined || stepSummary === '' ? {} : { stepSummary }),
    env: Object.fromEntries(LINK_VARIABLES.map((k) => [k, env[k]])),
  };
}
