// The OpenAI- and Anthropic-shaped Starlette app (test/fixtures/ai_app.py) under
// Debian's uvicorn, on loopback. Tests skip with a message where the Python packages
// are missing; under CI=true they must run (.ci/run installs them).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

// Debian's interpreter, where python3-uvicorn installs; a python3 earlier on PATH may lack it.
const PYTHON = ['/usr/bin/python3'].find((p) => existsSync(p)) ?? 'python3';
const APP_DIR = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));

function hasModules(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import uvicorn, starlette'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function skipUnlessAiApp(): string | undefined {
  if (hasModules()) return undefined;
  const why = 'uvicorn and starlette are not installed here (apt-get install -y python3-uvicorn python3-starlette; .ci/run installs them)';
  if (process.env.CI === 'true') throw new Error(`${why}: in CI this test must run`);
  return why;
}

export interface AiApp {
  origin: string;
  /** uvicorn's access log: one line per request, with its HTTP version. */
  log(): string;
  stop(): Promise<void>;
}

export async function startAiApp(): Promise<AiApp> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const child = spawn(PYTHON, ['-m', 'uvicorn', 'ai_app:app', '--app-dir', APP_DIR, '--host', '127.0.0.1', '--port', String(port), '--log-level', 'info'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 15_000;
  while (!out.includes('Uvicorn running on')) {
    if (child.exitCode !== null) throw new Error(`uvicorn exited with ${child.exitCode}: ${out}`);
    if (Date.now() > deadline) throw new Error(`uvicorn did not start in time: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    origin: `http://127.0.0.1:${port}`,
    log: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
