// Real nginx, haproxy and Caddy on loopback, with configurations generated into a temp
// folder, for the tests that prove verdicts on the real path. Where a binary is
// missing (a developer machine) the tests skip with a clear message; under CI=true
// they must run, so a missing binary fails them instead.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Tool = 'nginx' | 'haproxy' | 'caddy' | 'openssl' | 'squid';

const PATHS: Record<Tool, string[]> = {
  nginx: ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx'],
  haproxy: ['/usr/sbin/haproxy', '/usr/bin/haproxy', '/usr/local/sbin/haproxy'],
  caddy: ['/usr/bin/caddy', '/usr/local/bin/caddy'],
  openssl: ['/usr/bin/openssl', '/usr/local/bin/openssl'],
  squid: ['/usr/sbin/squid', '/usr/local/sbin/squid'],
};
/** The Debian package each tool comes in. */
const PACKAGES: Record<Tool, string> = { nginx: 'nginx-light', haproxy: 'haproxy', caddy: 'caddy', openssl: 'openssl', squid: 'squid' };

export function binary(name: Tool): string | null {
  return PATHS[name].find((p) => existsSync(p)) ?? null;
}

/** The reason to skip a test that needs these tools, or undefined to run it. Throws in CI. */
export function skipUnless(...names: Tool[]): string | undefined {
  const missing = names.filter((n) => binary(n) === null);
  if (missing.length === 0) return undefined;
  const why = `${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not installed here (apt-get install -y ${missing.map((n) => PACKAGES[n]).join(' ')}; .ci/run installs ${missing.length === 1 ? 'it' : 'them'})`;
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

/** SIGTERM, resolved once the process has exited. */
function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
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
    stop: () => stopChild(child),
  }));
}

/**
 * nginx in front of 127.0.0.1:upstreamPort; `location` holds the directives of the
 * proxied location (proxy_read_timeout, proxy_buffering, …).
 */
export async function startNginx(
  upstreamPort: number,
  location: string,
  http = '',
  workerConnections = 1024,
  tls: TlsFiles | null = null,
): Promise<Intermediary & { origin: string }> {
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
  log_format proto '$server_protocol $status $request_uri';
  access_log ${dir}/access.log proto;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  ${http}
  server {
    listen 127.0.0.1:${port}${tls === null ? '' : ` ssl http2;\n    ssl_certificate ${tls.cert};\n    ssl_certificate_key ${tls.key}`};
    location / {
      proxy_pass http://127.0.0.1:${upstreamPort};
      ${location}
    }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const started = await run(binary('nginx') as string, ['-p', dir, '-c', join(dir, 'nginx.conf')], port, join(dir, 'error.log'));
  // The access log names the protocol each request came in on (HTTP/1.1, HTTP/2.0).
  const accessLog = join(dir, 'access.log');
  return {
    ...started,
    origin: tls === null ? started.url : `https://localhost:${port}`,
    log: () => started.log() + (existsSync(accessLog) ? readFileSync(accessLog, 'utf8') : ''),
  };
}

export interface TlsFiles {
  /** The certificate to trust: a CA that signed `cert`. */
  ca: string;
  cert: string;
  key: string;
}

/**
 * A private CA and a certificate it signed for localhost and 127.0.0.1, made with
 * openssl into a temp folder: an "internal CA", as a company's gateway has.
 */
export function makeCertificates(names: readonly string[] = []): TlsFiles {
  const dir = mkdtempSync(join(tmpdir(), 'sse-soak-tls-'));
  const f = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => void execFileSync(binary('openssl') as string, args, { stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=sse-soak test CA',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.crt'),
  );
  openssl(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-subj',
    '/CN=localhost',
    '-keyout',
    f('server.key'),
    '-out',
    f('server.csr'),
  );
  const dns = ['localhost', ...names].map((n) => `DNS:${n}`).join(',');
  writeFileSync(f('ext.cnf'), `subjectAltName=${dns},IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  openssl(
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.crt'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    f('ext.cnf'),
    '-out',
    f('server.crt'),
  );
  return { ca: f('ca.crt'), cert: f('server.crt'), key: f('server.key') };
}

/**
 * Caddy's reverse_proxy in front of 127.0.0.1:upstreamPort, on HTTPS with its own
 * internal CA (`tls internal`, h2 offered by ALPN, as Caddy does by default) or on plain
 * HTTP. `encode` is the body of an `encode` block (e.g. 'gzip' or 'gzip\nminimum_length 1').
 * Its admin endpoint is off and its state stays in a temp folder.
 */
export async function startCaddy(
  upstreamPort: number,
  opts: { tls: boolean; encode?: string; proxy?: string },
): Promise<Intermediary & { origin: string; ca: string | null }> {
  const dir = mkdtempSync(join(tmpdir(), 'sse-soak-caddy-'));
  const port = await freePort();
  const httpPort = await freePort();
  const site = opts.tls ? `https://localhost:${port}` : `http://127.0.0.1:${port}`;
  const caddyfile = `{
	admin off
	skip_install_trust
	auto_https disable_redirects
	http_port ${opts.tls ? httpPort : port}
	https_port ${opts.tls ? port : httpPort}
	storage file_system ${dir}/storage
}
${site} {
	bind 127.0.0.1
${opts.tls ? '\ttls internal\n' : ''}${opts.encode === undefined ? '' : `\tencode {\n\t\t${opts.encode.split('\n').join('\n\t\t')}\n\t}\n`}\treverse_proxy 127.0.0.1:${upstreamPort} {
		${opts.proxy ?? ''}
	}
	log {
		output file ${dir}/access.log
	}
}
`;
  writeFileSync(join(dir, 'Caddyfile'), caddyfile);
  const env = { ...process.env, HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') };
  const child = spawn(binary('caddy') as string, ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env,
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const accessLog = join(dir, 'access.log');
  const logs = (): string => stderr + (existsSync(accessLog) ? readFileSync(accessLog, 'utf8') : '');
  await waitForPort(port, child, logs);
  const ca = join(dir, 'storage', 'pki', 'authorities', 'local', 'root.crt');
  if (opts.tls) {
    // The internal CA is written as the server starts; the leaf certificate comes just after.
    const deadline = Date.now() + 10_000;
    while (!existsSync(ca) || !/certificate obtained successfully/.test(stderr)) {
      if (Date.now() > deadline) throw new Error(`Caddy made no certificate in time: ${logs()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    port,
    url: opts.tls ? `https://localhost:${port}` : `http://127.0.0.1:${port}`,
    origin: opts.tls ? `https://localhost:${port}` : `http://127.0.0.1:${port}`,
    ca: opts.tls ? ca : null,
    log: logs,
    stop: () => stopChild(child),
  };
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

export interface SquidOptions {
  /** Basic proxy authentication with this user and password (basic_ncsa_auth, an apr1 password file made by openssl). */
  auth?: { user: string; password: string };
  /** Ports a CONNECT may reach besides 443 (Squid refuses others: `http_access deny CONNECT !SSL_ports`). */
  connectPorts?: number[];
  /** Names Squid resolves from its own hosts file (name → address): targets the harness never resolves itself. */
  hosts?: Record<string, string>;
  /** More directives (timeouts such as read_timeout). */
  extra?: string;
}

/**
 * Squid as a forward proxy on loopback, in the foreground (-N), with a configuration in a temp
 * folder: no cache, its pid, logs and core files there, localhost allowed (with a password where
 * `auth` says), CONNECT only to 443 and `connectPorts`, as a company proxy is set up.
 * `accessLog()` is what it proxied: one line per request or tunnel.
 */
export async function startSquid(opts: SquidOptions = {}): Promise<Intermediary & { accessLog(): string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sse-soak-squid-'));
  // Started as root, Squid works as its own user (cache_effective_user): its files must be writable to it.
  chmodSync(dir, 0o777);
  const port = await freePort();
  const hostsFile = join(dir, 'hosts');
  writeFileSync(
    hostsFile,
    Object.entries(opts.hosts ?? {})
      .map(([name, address]) => `${address} ${name}\n`)
      .join(''),
  );
  let auth = '';
  if (opts.auth !== undefined) {
    const hash = execFileSync(binary('openssl') as string, ['passwd', '-apr1', opts.auth.password], { encoding: 'utf8' }).trim();
    writeFileSync(join(dir, 'passwd'), `${opts.auth.user}:${hash}\n`, { mode: 0o644 });
    auth = `auth_param basic program /usr/lib/squid/basic_ncsa_auth ${dir}/passwd
auth_param basic realm sse-soak test proxy
acl users proxy_auth REQUIRED
http_access allow localhost users`;
  }
  const conf = `
http_port 127.0.0.1:${port}
pid_filename ${dir}/squid.pid
access_log stdio:${dir}/access.log
cache_log ${dir}/cache.log
coredump_dir ${dir}
cache deny all
hosts_file ${hostsFile}
pinger_enable off
shutdown_lifetime 0 seconds
acl localhost src 127.0.0.1/32
acl SSL_ports port 443 ${(opts.connectPorts ?? []).join(' ')}
acl CONNECT method CONNECT
http_access deny CONNECT !SSL_ports
${auth === '' ? 'http_access allow localhost' : auth}
http_access deny all
${opts.extra ?? ''}
`;
  writeFileSync(join(dir, 'squid.conf'), conf);
  const started = await run(binary('squid') as string, ['-N', '-f', join(dir, 'squid.conf')], port, join(dir, 'cache.log'));
  const accessLog = join(dir, 'access.log');
  return { ...started, accessLog: () => (existsSync(accessLog) ? readFileSync(accessLog, 'utf8') : '') };
}
