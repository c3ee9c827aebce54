// Runs the CLI as a user would (the bundle, package.json's bin): a child process, its exit code and output.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Summary } from '../../src/report/summary.js';
import { SHIPPED_CLI } from '../../src/util/paths.js';

export const CLI = SHIPPED_CLI;

export interface Done {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The forward proxy variables: a CLI a test starts never inherits a developer's (their proxy
 * would see the suite's traffic to names such as gw.example.test, and tests would depend on it).
 * A test of the proxy passes its own in `opts.env`.
 */
const PROXY_VARIABLES = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY', 'no_proxy', 'NO_PROXY'] as const;

/** This process's environment without the proxy variables. */
function envWithoutProxies(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of PROXY_VARIABLES) delete env[name];
  return env;
}

/** @param opts.nodeArgs given to node before the CLI (e.g. --import of a module that injects a fault) */
export function cli(
  args: string[],
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string; nodeArgs?: string[]; onSpawn?: (pid: number) => void } = {},
): Promise<Done> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), CLI, ...args], {
      env: { ...envWithoutProxies(), ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: opts.cwd,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    if (child.pid !== undefined) opts.onSpawn?.(child.pid);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sse-soak ${args.join(' ')} did not finish in time\n${stdout}\n${stderr}`));
    }, opts.timeoutMs ?? 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sse-soak-cli-'));
}

export const noStack = (text: string): void => assert.doesNotMatch(text, /^\s+at .+:\d+:\d+\)?$/m, `a stack trace was printed:\n${text}`);

/**
 * Waits until a running report's timeseries.csv holds `seconds` rows (the run is that far
 * in, however long its start took); false if it does not within `timeoutMs`.
 */
export async function waitForSeconds(series: string, seconds: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (!(existsSync(series) && readFileSync(series, 'utf8').trim().split('\n').length > seconds)) {
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/** A run folder's summary.json. */
export const readSummary = (dir: string): Summary => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;

/** A CSV file's rows, its header first, split on commas (the run's files quote no field these tests read). */
export const csvRows = (file: string): string[][] =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(','));
