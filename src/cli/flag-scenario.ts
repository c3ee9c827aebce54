// `run <URL>` and `init`: a scenario from a few flags, as autocannon, oha, hey and wrk
// measure a URL with no file. The flags become the fields of a scenario file, and that
// text goes through the parser every file goes through: a flag is held to exactly what
// its field is held to, and a mistake is told with the flag's name instead of the field's.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { ScenarioError, type ScenarioProblem } from '../scenario/errors.js';
import { MAX_NAME_LENGTH, MAX_SCENARIO_BYTES, parseScenario } from '../scenario/load.js';
import { scenarioYaml, type ScenarioFields } from '../scenario/template.js';
import type { Scenario } from '../scenario/types.js';
import { collect } from './args.js';
import { CliError, EXIT } from '../util/exit-codes.js';
import { decodeTextFile } from '../workload/decode-text.js';
import { DataFileError } from '../workload/errors.js';

export interface ScenarioFlags {
  sessions?: string;
  rate?: string;
  duration?: string;
  method?: string;
  header?: string[];
  body?: string;
  sentinel?: string;
  tokensJsonPath?: string;
  api?: string;
}

/** What the flags mean when left out. */
export const FLAG_DEFAULTS = { sessions: 10, duration: '30s', sentinel: '[DONE]' } as const;

/** Each flag that describes the scenario, with the field of a scenario file it sets. */
export const SCENARIO_FLAGS: readonly { key: keyof ScenarioFlags; flag: string; field: string }[] = [
  { key: 'sessions', flag: '-c', field: 'load.sessions' },
  { key: 'rate', flag: '-r', field: 'load.rate (with model: open)' },
  { key: 'duration', flag: '-d', field: 'load.duration' },
  { key: 'method', flag: '-m', field: 'target.method' },
  { key: 'header', flag: '-H', field: 'target.headers' },
  { key: 'body', flag: '-b', field: 'target.body' },
  { key: 'sentinel', flag: '--sentinel', field: 'stream.sentinel' },
  { key: 'tokensJsonPath', flag: '--tokens-json-path', field: 'stream.tokens.jsonPath' },
  { key: 'api', flag: '--api', field: 'stream.api' },
];

const DURATION_HELP = `how long new streams are opened (default ${FLAG_DEFAULTS.duration})`;

/** The flags, on `run` and on `init` (on `run`, -d applies to a scenario file too, and says so). */
export function scenarioOptions(cmd: Command, durationHelp = DURATION_HELP): Command {
  return cmd
    .option(
      '-c, --sessions <n>',
      `closed model: streams open at once, each session opening its next stream when its last one ends (default ${FLAG_DEFAULTS.sessions})`,
    )
    .option('-r, --rate <n>', 'open model instead of -c: new streams per second (20, 20/s or 300/m), whatever the open ones do')
    .option('-d, --duration <duration>', durationHelp)
    .option('-m, --method <method>', 'GET or POST (default: GET, or POST with -b)')
    .option('-H, --header <"Name: value">', 'a request header (repeatable); ${VAR} and ${VAR:-default} take values from the environment', collect)
    .option(
      '-b, --body <body>',
      'the request body, sent as written; @file reads it from a file, byte for byte (as curl --data-binary). A JSON body gets Content-Type: application/json',
    )
    .option('--sentinel <data>', `the data of the event that ends a reply (default ${FLAG_DEFAULTS.sentinel}; "" when a reply ends with its response)`)
    .option('--tokens-json-path <path>', 'where an event holds its token, e.g. choices[0].delta.content (default: every event is a token)')
    .option(
      '--api <shape>',
      "an AI API's stream shape, openai-chat, anthropic, responses or gemini: its end, its answer and reasoning tokens and its usage at once (--sentinel and --tokens-json-path win over it)",
    );
}

/** An http(s) URL given where a scenario file may be: measured with flags, unless a file has that name. */
export function isUrlArgument(arg: string): boolean {
  return /^https?:\/\//i.test(arg) && !existsSync(arg);
}

/** A URL run's scenario name, which names its report folder: the URL's host and port. */
export function urlName(url: string): string {
  try {
    const host = new URL(url).host;
    // A host from ${VAR} is not known until it is expanded.
    if (host !== '' && !/[%$]/.test(host)) return host.slice(0, MAX_NAME_LENGTH);
  } catch {
    // the parser says what is wrong with the URL
  }
  return 'url';
}

/**
 * The fields the flags set (reading a -b @file). Values are passed on as given, a bare
 * number as a number, so the parser judges them as it judges a file's.
 */
export async function fieldsFromFlags(url: string | undefined, flags: ScenarioFlags, name: string): Promise<ScenarioFields> {
  if (flags.sessions !== undefined && flags.rate !== undefined) {
    throw new CliError(
      '-c and -r: give one or the other: -c N keeps N streams open at once (closed model), -r N opens N new streams a second (open model)',
      EXIT.INVALID_INPUT,
    );
  }
  const duration = flags.duration === undefined ? FLAG_DEFAULTS.duration : numberOrText(flags.duration);
  const load: ScenarioFields['load'] =
    flags.rate === undefined
      ? { model: 'closed', sessions: flags.sessions === undefined ? FLAG_DEFAULTS.sessions : numberOrText(flags.sessions), duration }
      : // A bare number is per second, written as such so that a file reads as it means.
        { model: 'open', rate: /^\d+(\.\d+)?$/.test(flags.rate.trim()) ? `${flags.rate.trim()}/s` : flags.rate, duration };
  const body = flags.body === undefined ? undefined : await bodyFlag(flags.body);
  const headers = headerFlags(flags.header);
  // As curl users expect of an API: a JSON body announced as JSON, unless -H says otherwise.
  if (body !== undefined && isJsonDocument(body) && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
    headers['Content-Type'] = 'application/json';
  const method = flags.method === undefined ? (body === undefined ? 'GET' : 'POST') : flags.method.trim().toUpperCase();
  const target: ScenarioFields['target'] = { method, headers };
  if (url !== undefined) target.url = url;
  if (body !== undefined) target.body = body;
  // With --api, its preset's sentinel unless --sentinel says another.
  const sentinel = flags.sentinel ?? (flags.api === undefined ? FLAG_DEFAULTS.sentinel : undefined);
  const stream: ScenarioFields['stream'] = sentinel === undefined ? {} : { sentinel };
  if (flags.api !== undefined) stream.api = flags.api;
  if (flags.tokensJsonPath !== undefined) stream.tokensJsonPath = flags.tokensJsonPath;
  return { name, target, stream, load };
}

/** The file name a scenario from flags is parsed as: it has no file (summary.json says file ""). */
const FROM_FLAGS = 'command line';

/**
 * The scenario text made from flags, parsed as any file is. Its mistakes name the flags
 * (`-c: must be at least 1`), with no line numbers: the user wrote no file.
 */
export function parseFlagScenario(text: string, env: NodeJS.ProcessEnv = process.env): Scenario {
  try {
    return { ...parseScenario(text, FROM_FLAGS, env), file: '' };
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err;
    throw flagProblems(err.problems);
  }
}

/** The scenario `run <URL>` runs, made from the URL and the flags. */
export async function urlScenario(url: string, flags: ScenarioFlags): Promise<Scenario> {
  return parseFlagScenario(scenarioYaml(await fieldsFromFlags(url, flags, urlName(url))));
}

/**
 * With a scenario file, the flags that describe a scenario are refused: the file says
 * that itself, it may have stages, variants and headers of its own that a flag could
 * not apply to without guessing, and the report would no longer be the file's. -d
 * applies to a file (it stretches the stages, see run-options.ts) and is not refused.
 */
export function refuseWithFile(flags: ScenarioFlags, file: string, fileFlags: readonly string[]): void {
  const given = SCENARIO_FLAGS.filter((f) => f.key !== 'duration' && flags[f.key] !== undefined);
  if (given.length === 0) return;
  throw new CliError(
    `${given.map((f) => f.flag).join(', ')}: ${given.length === 1 ? 'is a flag' : 'are flags'} for a URL (sse-soak run <URL> -c 50 -d 30s); ` +
      `${file} is a scenario file, which says this itself: set ${given.map((f) => f.field).join(', ')} in it. ` +
      `With a file, these flags apply: ${fileFlags.join(', ')}`,
    EXIT.INVALID_INPUT,
  );
}

function numberOrText(text: string): number | string {
  return /^\s*-?\d+(\.\d+)?\s*$/.test(text) ? Number(text) : text;
}

/** -H "Name: value" → headers, names and values as given: the parser checks them as it checks a file's. */
function headerFlags(list: readonly string[] | undefined): Record<string, string> {
  const entries: [string, string][] = [];
  for (const h of list ?? []) {
    const colon = h.indexOf(':');
    if (colon < 1) throw new CliError(`-H: expected "Name: value", got ${JSON.stringify(h)}`, EXIT.INVALID_INPUT);
    const name = h.slice(0, colon).trim();
    if (entries.some(([n]) => n.toLowerCase() === name.toLowerCase())) throw new CliError(`-H ${name}: given twice; give each header once`, EXIT.INVALID_INPUT);
    entries.push([name, h.slice(colon + 1).trim()]);
  }
  // fromEntries, not assignment: a header named __proto__ stays a key.
  return Object.fromEntries(entries);
}

/** -b TEXT, or -b @FILE (as curl), refused past the size of a scenario file. */
async function bodyFlag(text: string): Promise<string> {
  if (!text.startsWith('@')) return text;
  const file = text.slice(1);
  let handle;
  try {
    handle = await open(file, 'r');
    const { size } = await handle.stat();
    if (size > MAX_SCENARIO_BYTES)
      throw new CliError(
        `-b @${file}: is ${Math.round(size / 1024)} KiB: a body may be ${MAX_SCENARIO_BYTES / 1024 / 1024} MiB at most, as a scenario file`,
        EXIT.INVALID_INPUT,
      );
    return decodeTextFile(await handle.readFile(), `-b @${file}`);
  } catch (err) {
    if (err instanceof CliError) throw err;
    if (err instanceof DataFileError) throw new CliError(err.message, EXIT.INVALID_INPUT);
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(
      `-b @${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${code ?? (err as Error).message})`}`,
      EXIT.INVALID_INPUT,
    );
  } finally {
    await handle?.close();
  }
}

function isJsonDocument(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null;
  } catch {
    return false;
  }
}

/** The flag that sets a field. */
function flagOf(problem: ScenarioProblem): string {
  const path = problem.path;
  if (path.startsWith('target.headers.')) return `-H ${path.slice('target.headers.'.length)}`;
  // The only problem of the whole load a flag can cause: a level of 0 (-c 0 is caught at load.sessions).
  if (path === 'load') return /sessions/.test(problem.message) ? '-c' : '-r';
  const prefixes: [string, string][] = [
    ['load.sessions', '-c'],
    ['load.rate', '-r'],
    ['load.duration', '-d'],
    ['target.method', '-m'],
    ['target.body', '-b'],
    ['target.url', 'the URL'],
    ['stream.sentinel', '--sentinel'],
    ['stream.tokens', '--tokens-json-path'],
    ['stream.api', '--api'],
    ['name', 'the name'],
  ];
  return prefixes.find(([p]) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`))?.[1] ?? path;
}

/** Problems that speak of fields and stages, said with flags. */
function inFlagWords(problem: ScenarioProblem): { message: string; hint: string | undefined } {
  if (problem.path === 'target.body' && /GET/.test(problem.message))
    return { message: problem.message, hint: 'leave -m out (a body makes it POST), or give -m POST' };
  if (problem.path === 'load') return { message: 'must be above 0: the run would send nothing', hint: undefined };
  return { message: problem.message, hint: problem.hint };
}

function flagProblems(problems: readonly ScenarioProblem[]): CliError {
  const lines = problems.map((p) => {
    const { message, hint } = inFlagWords(p);
    return `${flagOf(p)}: ${message}${hint === undefined ? '' : `\n    hint: ${hint}`}`;
  });
  const text =
    lines.length === 1 ? (lines[0] as string) : `${lines.length} problems with the flags:\n${lines.map((l) => `  ${l.replace(/\n/g, '\n  ')}`).join('\n')}`;
  return new CliError(text, EXIT.INVALID_INPUT);
}
