// Real nginx and haproxy on loopback, with configurations generated into a temp
// folder, for the tests that prove verdicts on the real path. Where a binary is
// missing (a developer machine) the tests skip with a clear message; under CI=true
// they must run, so a missing binary fails them instead.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PATHS: Record<'nginx' | 'haproxy', string[]> = {
  nginx: ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx'],
  haproxy: ['/usr/sbin/haproxy', '/usr/bin/haproxy', '/usr/local/sbin/haproxy'],
};

export function binary(name: 'nginx' | 'haproxy'): string | null {
  return PATHS[name].find((p) => existsSync(p)) ?? null;
}

/** The reason to skip a test that needs `name`, or undefined to run it. Throws in CI. */
export function skipUnless(name: 'nginx' | 'haproxy'): string | undefined {
  if (binary(name) !== null) return undefined;
  const why = `${name} is not installed here (apt-get install -y ${name === 'nginx' ? 'nginx-light' : 'haproxy'}; .ci/run installs it)`;
  if (process.env.CI === 'true') throw new Error(`${why}: in CI these tests must run`);
  return why;
}

export interface Intermediary {
  port: number;
  url: string;
  log(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function waitForPort(port: number, child: ChildProcess, logs: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${logs()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`did not listen on ${port} in time: ${logs()}`);
}

function run(cmd: string, args: string[], port: number, logFile: string | null): Promise<Intermediary> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const logs = (): string => stderr + (logFile !== null && existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  return waitForPort(port, child, logs).then(() => ({
    port,
    url: `http://127.0.0.1:${port}`,
    log: logs,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  }));
}

/**
 * nginx in front of 127.0.0.1:upstreamPort; `location` holds the directives of the
 * proxied location (proxy_read_timeout, proxy_buffering, …).
 */
export async function startNginx(upstreamPort: number, location: string, http = '', workerConnections = 1024): Promise<Intermediary> {
  const dir = mkdtempSync(join(tmpdir(), 'sse-soak-nginx-'));
  const port = await freePort();
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, d));
  const conf = `
worker_processes 1;
daemon off;
master_process on;
user root;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections ${workerConnections}; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  ${http}
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://127.0.0.1:${upstreamPort};
      ${location}
    }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  return run(binary('nginx') as string, ['-p', dir, '-c', join(dir, 'nginx.conf')], port, join(dir, 'error.log'));
}

/** haproxy in HTTP mode in front of 127.0.0.1:upstreamPort; `defaults` holds timeouts. */
export async function startHaproxy(upstreamPort: number, defaults: string): Promise<Intermediary> {
  const dir = mkdtempSync(join(tmpdir(), 'sse-soak-haproxy-'));
  const port = await freePort();
  const cfg = `
global
  maxconn 2000
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  ${defaults}
frontend fe
  bind 127.0.0.1:${port}
  default_backend be
backend be
  server s1 127.0.0.1:${upstreamPort}
`;
  writeFileSync(join(dir, 'haproxy.cfg'), cfg);
  return run(binary('haproxy') as string, ['-db', '-f', join(dir, 'haproxy.cfg')], port, null);
}
