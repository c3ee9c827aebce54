// Runs the CLI with its live views on, as a user would, and reads them while it runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from '../helpers/cli.js';

export interface LiveRun {
  child: ChildProcess;
  /** Resolves with the URLs once the run has printed them. */
  urls: Promise<{ metrics: string | null; dashboard: string | null }>;
  /** Resolves when the run has ended and /metrics waits for its last scrape. */
  lingering: Promise<void>;
  /** Resolves with the exit code and output. */
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

export function startLiveRun(args: string[], timeoutMs: number): LiveRun {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let gotUrls: (u: { metrics: string | null; dashboard: string | null }) => void = () => undefined;
  let gotLinger: () => void = () => undefined;
  const urls = new Promise<{ metrics: string | null; dashboard: string | null }>((r) => (gotUrls = r));
  const lingering = new Promise<void>((r) => (gotLinger = r));
  const wantMetrics = args.includes('--metrics-listen');
  const wantDashboard = args.includes('--dashboard');
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    const metrics = /live: metrics at (\S+)/.exec(stderr)?.[1] ?? null;
    const dashboard = /live: dashboard at (\S+)/.exec(stderr)?.[1] ?? null;
    if ((metrics !== null || !wantMetrics) && (dashboard !== null || !wantDashboard)) gotUrls({ metrics, dashboard });
    if (stderr.includes('stays up until it is scraped once more')) gotLinger();
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sse-soak ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, urls, lingering, done };
}
