import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { parseConnectTo } from '../scenario/tls-section.js';
import { parseHttpMode } from '../scenario/target-section.js';
import { parseJsonPath, STREAM_DEFAULTS } from '../scenario/load.js';
import type { TokenCounting } from '../scenario/types.js';
import { parseDurationMs } from '../scenario/units.js';
import { proxyForUrl } from '../proxy/settings.js';
import { collect, commandProxy, headerFlags, httpUrl, PROXY_FLAG_HELP, urlWithCredentials } from './args.js';
import { CliError, EXIT } from '../util/exit-codes.js';
import { decodeTextFile } from '../workload/decode-text.js';
import { DataFileError } from '../workload/errors.js';

interface DoctorFlags {
  method?: string;
  header?: string[];
  data?: string;
  sentinel?: string;
  sentinelEvent?: string;
  tokensEvent?: string;
  tokensJsonPath?: string;
  ignoreEvents?: string;
  cacert?: string;
  cert?: string;
  key?: string;
  insecure?: boolean;
  resolve?: string;
  timeout: string;
  acceptEncoding: boolean;
  http: string;
  proxy?: string;
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      'open one stream and check it: status, headers, compression, HTTP version, first event, buffering, heartbeats, end — each finding with its fix',
    )
    .argument('<url>', 'the stream URL')
    .option('-X, --method <method>', 'GET or POST (POST when --data is given)')
    .option('-H, --header <header>', '"Name: value" (repeatable)', collect)
    .option('-d, --data <body>', 'request body, e.g. an OpenAI chat request with "stream": true')
    .option('--sentinel <data>', 'the data of the last event; "" for none', '[DONE]')
    .option('--sentinel-event <type>', 'the type of the event that ends a reply, e.g. message_stop (Anthropic); sets --sentinel ""')
    .option('--tokens-event <type>', 'only events of this type carry tokens, e.g. content_block_delta (as stream.tokens.event)')
    .option('--tokens-json-path <path>', 'where an event holds its token, e.g. choices[0].delta.content (as stream.tokens.jsonPath)')
    .option('--ignore-events <types>', 'comma-separated event types that are keep-alives, never tokens ("" for none)', STREAM_DEFAULTS.ignoreEvents.join(','))
    .option('--timeout <duration>', 'give up on the stream after this long', '60s')
    .option('--cacert <file>', 'a CA to trust besides the system ones (an internal CA), PEM')
    .option('--cert <file>', 'a client certificate, PEM, for a server that requires one (mutual TLS; as target.tls.cert)')
    .option('--key <file>', "the client certificate's private key, PEM (as target.tls.key)")
    .option('--insecure', 'do not verify the certificate (a test path only)')
    .option('--resolve <host:port:address>', "connect to this address for the URL's host and port; Host and SNI keep the name (as curl --resolve)")
    .option('--http <version>', 'auto (h2 where the server offers it over TLS, as run and browsers), 2 (h2 only; prior knowledge on http://) or 1.1', 'auto')
    .option('--proxy <url|none>', PROXY_FLAG_HELP)
    .option('--no-accept-encoding', 'do not offer compression (browsers offer gzip, deflate, br, so doctor does too)')
    .action(async (url: string, flags: DoctorFlags) => {
      const checked = httpUrl(url, 'doctor');
      const timeoutMs = parseDurationMs(flags.timeout);
      if (timeoutMs === null || timeoutMs <= 0) throw new CliError(`--timeout: expected a duration such as 60s, got ${flags.timeout}`, EXIT.INVALID_INPUT);
      const headers: Record<string, string> = { Accept: 'text/event-stream', 'Cache-Control': 'no-cache' };
      if (flags.acceptEncoding) headers['Accept-Encoding'] = 'gzip, deflate, br';
      Object.assign(headers, headerFlags(flags.header));
      // A user:password in the URL is sent as Basic auth, and never printed.
      const { url: target, shown } = urlWithCredentials(checked, headers, 'doctor');
      const body = flags.data ?? null;
      if (body !== null && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
      const method = (flags.method ?? (body === null ? 'GET' : 'POST')).toUpperCase();
      if (method !== 'GET' && method !== 'POST') throw new CliError(`--method: GET or POST, got ${flags.method}`, EXIT.INVALID_INPUT);
      const sentinelEvent = flags.sentinelEvent === undefined || flags.sentinelEvent === '' ? null : flags.sentinelEvent;
      const sentinel = sentinelEvent !== null || flags.sentinel === '' ? null : (flags.sentinel ?? '[DONE]');
      const tokens = tokenFlags(flags);

      const mode = parseHttpMode(flags.http);
      if (mode === null) throw new CliError(`--http: expected 1.1, 2 or auto, got ${flags.http}`, EXIT.INVALID_INPUT);
      const tls = tlsFlags(flags);
      const proxy = commandProxy(flags.proxy);
      // Through a proxy the proxy resolves the target's name: --resolve would not be used.
      const resolve = proxyForUrl(proxy, target) === null ? resolveFlag(flags, target) : {};
      // --timeout bounds the whole of doctor: the ALPN question and the stream share it, so a
      // server that accepts and never answers is given up on within it, not twice over.
      const deadline = performance.now() + timeoutMs;
      // Over TLS, what the server agrees to; the stream then goes as run's target.http would send it.
      // Loaded when the command runs, not at the top: every command starts faster for not loading what the others need.
      const [{ checkStream, DEFAULT_EXPECTATIONS, renderFindings }, { alpnOffered, probe }] = await Promise.all([
        import('../doctor/checks.js'),
        import('../doctor/probe.js'),
      ]);
      const offered = await alpnOffered(target, tls, resolve.connectTo, Math.min(timeoutMs, 10_000), proxy);
      const http2 = mode === '2' || (mode === 'auto' && offered?.includes('h2') === true);
      const left = Math.max(0, deadline - performance.now());
      const observation = await probe({ url: target, method, headers, body, timeoutMs: left, sentinel, sentinelEvent, tokens, tls, ...resolve, http2, proxy });
      observation.timeoutMs = timeoutMs;
      observation.alpnOffered = offered;
      const findings = checkStream(observation, { ...DEFAULT_EXPECTATIONS, sentinel, sentinelEvent });
      process.stdout.write(renderFindings(shown, findings));
      process.exitCode = findings.some((f) => f.level === 'fail') ? EXIT.CHECKS_FAILED : EXIT.OK;
    });
}

/** The token options, as a scenario's stream.tokens and stream.ignoreEvents say them. */
function tokenFlags(flags: DoctorFlags): TokenCounting {
  const ignoreTypes = (flags.ignoreEvents ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  const eventTypes = flags.tokensEvent === undefined || flags.tokensEvent === '' ? null : [flags.tokensEvent];
  if (flags.tokensJsonPath === undefined) return { mode: 'event', eventTypes, ignoreTypes };
  const segments = parseJsonPath(flags.tokensJsonPath);
  if (segments === null) throw new CliError(`--tokens-json-path: not a path: ${flags.tokensJsonPath} (e.g. choices[0].delta.content)`, EXIT.INVALID_INPUT);
  return { mode: 'jsonPath', path: flags.tokensJsonPath, paths: [segments], eventTypes, ignoreTypes };
}

function tlsFlags(flags: DoctorFlags): { ca?: string[]; cert?: string; key?: string; rejectUnauthorized?: boolean } {
  const out: { ca?: string[]; cert?: string; key?: string; rejectUnauthorized?: boolean } = {};
  const pem = (flag: string, file: string): string => {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      throw new CliError(`${flag}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EXIT.INVALID_INPUT);
    }
    try {
      return decodeTextFile(bytes, file);
    } catch (err) {
      if (err instanceof DataFileError) throw new CliError(`${flag}: ${err.message}`, EXIT.INVALID_INPUT);
      throw err;
    }
  };
  if (flags.cacert !== undefined) out.ca = [...rootCertificates, pem('--cacert', flags.cacert)];
  // As target.tls: a client certificate goes with its key.
  if ((flags.cert === undefined) !== (flags.key === undefined))
    throw new CliError(
      `${flags.cert === undefined ? '--cert' : '--key'}: required with ${flags.cert === undefined ? '--key' : '--cert'} (a client certificate and its key, PEM)`,
      EXIT.INVALID_INPUT,
    );
  if (flags.cert !== undefined) out.cert = pem('--cert', flags.cert);
  if (flags.key !== undefined) out.key = pem('--key', flags.key);
  if (flags.insecure === true) out.rejectUnauthorized = false;
  return out;
}

function resolveFlag(flags: DoctorFlags, url: string): { connectTo?: string } {
  if (flags.resolve === undefined) return {};
  const c = parseConnectTo(flags.resolve);
  if (c === null) throw new CliError(`--resolve: expected host:port:address, got ${flags.resolve}`, EXIT.INVALID_INPUT);
  const u = new URL(url);
  const port = Number(u.port) || (u.protocol === 'https:' ? 443 : 80);
  // As curl: an entry for another host or port is not used.
  return c.host === u.hostname.toLowerCase() && c.port === port ? { connectTo: c.address } : {};
}
