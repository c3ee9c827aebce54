// A real Prometheus (Debian's `prometheus` package) on loopback, scraping one target every
// second, for the tests that check what a user's Prometheus would see. Skips with a
// message where it is missing; under CI=true it must run (.ci/run installs it).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PROMETHEUS = ['/usr/bin/prometheus', '/usr/local/bin/prometheus'].find((p) => existsSync(p)) ?? null;

export function skipUnlessPrometheus(): string | undefined {
  if (PROMETHEUS !== null) return undefined;
  const why = 'prometheus is not installed here (apt-get install -y prometheus; .ci/run installs it)';
  if (process.env.CI === 'true') throw new Error(`${why}: in CI this test must run`);
  return why;
}

/** A port free on loopback now (for a server whose port must be known before it starts). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export interface RunningPrometheus {
  origin: string;
  /** An instant PromQL query's result: one number per series, in Prometheus' order. */
  query(promql: string): Promise<number[]>;
  stop(): Promise<void>;
}

export async function startPrometheus(target: string): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'sse-soak-prom-'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global: { scrape_interval: 1s, scrape_timeout: 900ms }\nscrape_configs:\n  - job_name: sse-soak\n    static_configs: [{ targets: ["${target}"] }]\n`,
  );
  const child: ChildProcess = spawn(
    PROMETHEUS as string,
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const origin = `http://127.0.0.1:${port}`;
  // Startup reads nothing but an empty folder: a few seconds even on a busy machine; 30 s is ample.
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${log}`);
    const ready = await fetch(`${origin}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`prometheus not ready in 30 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    origin,
    async query(promql) {
      const res = await fetch(`${origin}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await res.json()) as { status: string; error?: string; data: { result: { value: [number, string] }[] } };
      if (body.status !== 'success') throw new Error(`${promql}: ${body.error}`);
      return body.data.result.map((r) => Number(r.value[1]));
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
