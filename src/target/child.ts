// Runs the built-in target in a child process, so its work never shows up as the
// harness's own event-loop lag or CPU, and the two cores of a machine are both used.
import { fork, type ChildProcess } from 'node:child_process';
import { CLI_MAIN } from '../util/paths.js';

export interface ChildTarget {
  origin: string;
  pid: number;
  stop(): Promise<void>;
}

export interface ChildTargetOptions {
  host?: string;
  timeoutMs?: number;
  /** `serve --http2`: h2c in cleartext; with the TLS files, ALPN offers h2 and http/1.1. */
  http2?: boolean;
  /** `serve --tls-cert --tls-key`: PEM files for HTTPS. */
  tls?: { certFile: string; keyFile: string };
  /** Knob defaults as `serve` flags (external names, e.g. { slots: 8 }): how the server-wide model-server knobs are set. */
  knobs?: Record<string, string | number | boolean>;
}

export function spawnTarget(options: ChildTargetOptions = {}): Promise<ChildTarget> {
  const { host = '127.0.0.1', timeoutMs = 10_000 } = options;
  const args = ['serve', '--host', host, '--port', '0', '--quiet'];
  if (options.http2 === true) args.push('--http2');
  if (options.tls !== undefined) args.push('--tls-cert', options.tls.certFile, '--tls-key', options.tls.keyFile);
  for (const [name, value] of Object.entries(options.knobs ?? {})) args.push(`--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, String(value));
  // Its own process group: a Ctrl-C in the terminal reaches the run (which ends its
  // streams as `aborted`), not the target (whose death would turn them into resets).
  // The target still goes when the run does: stop() below, or the IPC channel closing.
  const child: ChildProcess = fork(CLI_MAIN, args, {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    detached: true,
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`the built-in target did not start within ${timeoutMs} ms${stderr ? `: ${stderr.trim()}` : ''}`));
    }, timeoutMs);
    child.once('message', (msg: { type?: string; origin?: string }) => {
      if (msg?.type !== 'ready' || typeof msg.origin !== 'string') return;
      clearTimeout(timer);
      resolve({ origin: msg.origin, pid: child.pid ?? 0, stop });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the built-in target exited (code ${code})${stderr ? `: ${stderr.trim()}` : ''}`));
    });
  });
}
