import type { Command } from 'commander';
import type { Dispatcher } from 'undici';
import type { ConnectorOptions } from '../driver/connector.js';
import { proxyForUrl, routeText, type ProxySpec } from '../proxy/settings.js';
import { conclude, DEFAULT_LADDER_MS, fmtDuration, ladder, probeQuery, type ProbeKind, type ProbeResult } from '../discover/ladder.js';
import { progressLine, type HeldProbe } from '../discover/progress.js';
import type { ProbeOutcome, runProbe as probeStream } from '../discover/probe-stream.js';
import { parseDurationMs } from '../scenario/units.js';
import { collect, commandProxy, headerFlags, httpUrl, PROXY_FLAG_HELP, urlWithCredentials } from './args.js';
import { CliError, EXIT } from '../util/exit-codes.js';

interface DiscoverFlags {
  max: string;
  ladder?: string;
  only?: string;
  header?: string[];
  headersTimeout: string;
  progressInterval: string;
  proxy?: string;
}

/** undici's own connect timeout, made explicit so the start line can state it. */
const CONNECT_TIMEOUT_MS = 10_000;
/** A probe may run this much longer than its rung before discover gives up on it: the path's limit must show first. */
const OVERRUN_MS = 60_000;

export function registerDiscover(program: Command): void {
  program
    .command('discover')
    .description("find a path's idle and lifetime limits: probe streams with growing silences and lifetimes, all at once, through the path to sse-soak serve")
    .argument('<url>', 'the stream URL of `sse-soak serve` deployed behind the gateway, e.g. https://gw.example/stream')
    .option('--max <duration>', 'the longest probe (discovery takes about this long); it bounds every wait, the connection and the headers included', '10m')
    .option(
      '--ladder <durations>',
      `the rungs, e.g. 5s,30s,60s,5m (default: ${DEFAULT_LADDER_MS.map((ms) => (ms >= 60_000 ? `${ms / 60_000}m` : `${ms / 1000}s`)).join(',')} up to --max)`,
    )
    .option('--only <kind>', 'idle or lifetime')
    .option('-H, --header <header>', '"Name: value" (repeatable)', collect)
    .option('--headers-timeout <duration>', 'give up on a probe whose response headers have not come after this long (at most --max)', '30s')
    .option('--progress-interval <duration>', 'how often a progress line is printed while probes are held', '10s')
    .option('--proxy <url|none>', PROXY_FLAG_HELP)
    .action(async (url: string, flags: DiscoverFlags, command: Command) => {
      const checked = httpUrl(url, 'discover');
      let maxMs = parseDurationMs(flags.max);
      if (maxMs === null || maxMs <= 0) throw new CliError(`--max: expected a duration such as 10m, got ${flags.max}`, EXIT.INVALID_INPUT);
      const headersTimeoutFlagMs = parseDurationMs(flags.headersTimeout);
      if (headersTimeoutFlagMs === null || headersTimeoutFlagMs <= 0)
        throw new CliError(`--headers-timeout: expected a duration such as 30s, got ${flags.headersTimeout}`, EXIT.INVALID_INPUT);
      const progressMs = parseDurationMs(flags.progressInterval);
      if (progressMs === null || progressMs < 100)
        throw new CliError(`--progress-interval: expected a duration of at least 100ms, such as 10s, got ${flags.progressInterval}`, EXIT.INVALID_INPUT);
      let rungs = ladder(maxMs);
      if (flags.ladder !== undefined) {
        const parsed = flags.ladder.split(',').map((t) => parseDurationMs(t.trim()));
        if (parsed.some((x) => x === null || x <= 0))
          throw new CliError(`--ladder: expected durations such as 5s,30s,60s, got ${flags.ladder}`, EXIT.INVALID_INPUT);
        rungs = [...new Set(parsed as number[])].sort((a, b) => a - b);
        const longestRung = Math.max(...rungs);
        // --max is the longest probe: a rung past a --max given is a contradiction; with --max left
        // at its default, a longer rung given raises it.
        if (command.getOptionValueSource('max') === 'default') maxMs = Math.max(maxMs, longestRung);
        else if (longestRung > maxMs)
          throw new CliError(`--ladder: the rung ${fmtDuration(longestRung)} is longer than --max (${fmtDuration(maxMs)})`, EXIT.INVALID_INPUT);
      }
      // Every wait is bounded by --max, the connection and the headers included: a far end
      // that never answers, or never ends a reply, holds discover no longer than a probe would.
      const connectTimeoutMs = Math.min(CONNECT_TIMEOUT_MS, maxMs);
      const headersTimeoutMs = Math.min(headersTimeoutFlagMs, maxMs);
      const headersBound = headersTimeoutMs < headersTimeoutFlagMs ? '--max' : '--headers-timeout';
      const overrunMs = Math.min(OVERRUN_MS, maxMs);
      if (flags.only !== undefined && flags.only !== 'idle' && flags.only !== 'lifetime')
        throw new CliError(`--only: idle or lifetime, got ${flags.only}`, EXIT.INVALID_INPUT);
      const kinds: ProbeKind[] = flags.only === undefined ? ['idle', 'lifetime'] : [flags.only];
      const headers = headerFlags(flags.header);
      // A user:password in the URL is sent as Basic auth, and never printed.
      const { url: base, shown } = urlWithCredentials(checked, headers, 'discover');
      const longest = Math.max(...rungs);
      // Each probe sets its own body limit (its rung and the overrun); the wait for headers
      // is bounded, so a URL that never answers is given up on in a stated time.
      const proxy = commandProxy(flags.proxy);
      const timeouts = { headersTimeout: headersTimeoutMs, bodyTimeout: longest + overrunMs };
      // Loaded when the command runs, not at the top: every command starts faster for not loading what the others need.
      const [{ Agent }, { makeConnector }, { forwardInterceptor }, { runProbe }] = await Promise.all([
        import('undici'),
        import('../driver/connector.js'),
        import('../proxy/forward.js'),
        import('../discover/probe-stream.js'),
      ]);
      // Through a proxy: sse-soak's own connector (CONNECT for https) and absolute-form requests for http.
      const agent =
        proxyForUrl(proxy, base) === null
          ? new Agent({ connections: null, connect: { timeout: connectTimeoutMs }, ...timeouts })
          : new Agent({ connections: null, connect: makeConnector(proxiedConnector(proxy, connectTimeoutMs), () => undefined), ...timeouts }).compose(
              forwardInterceptor(proxy),
            );
      const say = (text: string): boolean => process.stdout.write(text);
      try {
        say(`sse-soak discover ${shown}${proxy === null ? '' : `, ${routeText(proxy, base)}`}\n`);
        say(
          `gives up on a probe that has not connected within ${fmtDuration(connectTimeoutMs)} or has no response headers within ${fmtDuration(headersTimeoutMs)} (${headersBound})\n`,
        );
        say('checking the far end with a short probe\n');
        await checkTarget(runProbe, base, headers, agent, headersTimeoutMs, progressMs);
        const probes: HeldProbe[] = kinds.flatMap((kind) => rungs.map((rungMs) => ({ kind, rungMs, headersAtMs: null, result: null })));
        say(`${probes.length} probes at once; this takes about ${fmtDuration(longest)}, progress every ${fmtDuration(progressMs)}\n\n`);
        const results = await withProgress(probes, headersTimeoutMs, progressMs, (p, onHeaders) =>
          runProbe({
            url: withQuery(base, probeQuery(p.kind, p.rungMs)),
            headers,
            kind: p.kind,
            rungMs: p.rungMs,
            agent,
            headersTimeoutMs,
            overrunMs,
            onHeaders,
          }),
        );
        say('\n' + renderDiscovery(results, kinds));
      } finally {
        await agent.destroy();
      }
    });
}

/**
 * Runs the probes, printing a progress line every `everyMs` while any is held: what
 * is held, what still waits for its headers, what ended, and what ends next.
 */
async function withProgress(
  probes: HeldProbe[],
  headersTimeoutMs: number,
  everyMs: number,
  start: (p: HeldProbe, onHeaders: () => void) => Promise<ProbeResult>,
): Promise<ProbeResult[]> {
  const t0 = performance.now();
  const ticker = setInterval(() => process.stdout.write(progressLine(performance.now() - t0, probes, headersTimeoutMs) + '\n'), everyMs);
  try {
    return await Promise.all(
      probes.map(async (p) => {
        p.result = await start(p, () => (p.headersAtMs = performance.now() - t0));
        return p.result;
      }),
    );
  } finally {
    clearInterval(ticker);
  }
}

function withQuery(url: string, query: string): string {
  return url + (url.includes('?') ? '&' : '?') + query;
}

/** discover needs sse-soak serve at the far end: a short probe checks that it honours the knobs. */
async function checkTarget(
  runProbe: typeof probeStream,
  url: string,
  headers: Record<string, string>,
  agent: Dispatcher,
  headersTimeoutMs: number,
  progressMs: number,
): Promise<void> {
  const check: HeldProbe = { kind: 'idle', rungMs: 300, headersAtMs: null, result: null };
  // Its body is bounded too: 300 ms of silence asked for, so a far end that sends headers and then nothing is not sse-soak serve.
  const [r] = (await withProgress([check], headersTimeoutMs, progressMs, (p, onHeaders) =>
    runProbe({
      url: withQuery(url, probeQuery('idle', p.rungMs)),
      headers,
      kind: 'idle',
      rungMs: p.rungMs,
      agent,
      headersTimeoutMs,
      overrunMs: headersTimeoutMs,
      onHeaders,
    }),
  )) as [ProbeOutcome];
  if (!r.survived) throw new CliError(`the first short probe failed (${r.how}): check the URL and that sse-soak serve answers there`, EXIT.CANNOT_START);
  // The check asks for 3 tokens, the first at once and the others after 300 ms of
  // silence. sse-soak serve keeps to that schedule from the request's arrival, so the
  // reply cannot end sooner than 320 ms after the request left, however late either
  // process runs; a target that ignores the query (or a gateway that drops it) sends a
  // reply of another length, or sends it at once. The gap as received is no test: a busy
  // machine that sends or reads the first token late sees the silence shortened.
  const honoured = r.tokens === 3 && r.tookMs >= 300;
  if (!honoured) {
    throw new CliError(
      'the target ignored ?silence=: discover needs `sse-soak serve` deployed behind the gateway (its query parameters shape each probe)',
      EXIT.INVALID_INPUT,
    );
  }
}

function renderDiscovery(results: readonly ProbeResult[], kinds: readonly ProbeKind[]): string {
  const lines: string[] = [];
  for (const r of [...results].sort((a, b) => (a.kind === b.kind ? a.rungMs - b.rungMs : a.kind === 'idle' ? -1 : 1))) {
    const label = `${r.kind === 'idle' ? 'silence' : 'lifetime'} ${fmtDuration(r.rungMs)}`.padEnd(18);
    const outcome = r.survived
      ? 'survived'
      : r.notCounted !== undefined
        ? `not counted: ${r.how}`
        : `cut after ${fmtDuration(r.cutAtMs ?? 0)}${r.kind === 'idle' ? ' of silence' : ''} (${r.how})`;
    lines.push(`${label}${outcome}`);
  }
  lines.push('');
  for (const k of kinds) lines.push(conclude(k, results).text);
  return lines.join('\n') + '\n';
}

/** The connector's options for discover through a proxy: Node's CAs, HTTP/1.1, the stated connect timeout. */
function proxiedConnector(proxy: ProxySpec | null, timeoutMs: number): ConnectorOptions {
  return { timeoutMs, tls: null, alpn: ['http/1.1'], requireH2: false, h2c: false, resolveTo: new Map(), sourceAddresses: [], proxy };
}
