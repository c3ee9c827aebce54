import type { Command } from 'commander';
import { Agent } from 'undici';
import { conclude, DEFAULT_LADDER_MS, fmtDuration, ladder, probeQuery, type ProbeKind, type ProbeResult } from '../discover/ladder.js';
import { runProbe } from '../discover/probe-stream.js';
import { parseDurationMs } from '../scenario/units.js';
import { collect, headerFlags, httpUrl, urlWithCredentials } from './args.js';
import { CliError, EXIT } from './exit-codes.js';

interface DiscoverFlags {
  max: string;
  ladder?: string;
  only?: string;
  header?: string[];
}

export function registerDiscover(program: Command): void {
  program
    .command('discover')
    .description("find a path's idle and lifetime limits: probe streams with growing silences and lifetimes, all at once, through the path to sse-soak serve")
    .argument('<url>', 'the stream URL of `sse-soak serve` deployed behind the gateway, e.g. https://gw.example/stream')
    .option('--max <duration>', 'the longest probe (discovery takes about this long)', '10m')
    .option('--ladder <durations>', `the rungs, e.g. 5s,30s,60s,5m (default: ${DEFAULT_LADDER_MS.map((ms) => (ms >= 60_000 ? `${ms / 60_000}m` : `${ms / 1000}s`)).join(',')} up to --max)`)
    .option('--only <kind>', 'idle or lifetime')
    .option('-H, --header <header>', '"Name: value" (repeatable)', collect)
    .action(async (url: string, flags: DiscoverFlags) => {
      const checked = httpUrl(url, 'discover');
      const maxMs = parseDurationMs(flags.max);
      if (maxMs === null || maxMs <= 0) throw new CliError(`--max: expected a duration such as 10m, got ${flags.max}`, EXIT.INVALID_INPUT);
      let rungs = ladder(maxMs);
      if (flags.ladder !== undefined) {
        const parsed = flags.ladder.split(',').map((t) => parseDurationMs(t.trim()));
        if (parsed.some((x) => x === null || x <= 0)) throw new CliError(`--ladder: expected durations such as 5s,30s,60s, got ${flags.ladder}`, EXIT.INVALID_INPUT);
        rungs = [...new Set(parsed as number[])].sort((a, b) => a - b);
      }
      if (flags.only !== undefined && flags.only !== 'idle' && flags.only !== 'lifetime') throw new CliError(`--only: idle or lifetime, got ${flags.only}`, EXIT.INVALID_INPUT);
      const kinds: ProbeKind[] = flags.only === undefined ? ['idle', 'lifetime'] : [flags.only as ProbeKind];
      const headers = headerFlags(flags.header);
      // A user:password in the URL is sent as Basic auth, and never printed.
      const { url: base, shown } = urlWithCredentials(checked, headers, 'discover');
      const longest = Math.max(...rungs);
      // The probes' own client limits stay out of the way: longer than any probe.
      const agent = new Agent({ connections: null, headersTimeout: longest + 60_000, bodyTimeout: longest + 60_000 });
      try {
        await checkTarget(base, headers, agent);
        const probes = kinds.flatMap((kind) => rungs.map((rungMs) => ({ kind, rungMs })));
        process.stdout.write(`sse-soak discover ${shown}\n${probes.length} probes at once; this takes about ${fmtDuration(longest)}\n\n`);
        const results = await Promise.all(probes.map((p) => runProbe({ url: withQuery(base, probeQuery(p.kind, p.rungMs)), headers, kind: p.kind, rungMs: p.rungMs, agent })));
        process.stdout.write(renderDiscovery(results, kinds));
      } finally {
        await agent.destroy();
      }
    });
}

function withQuery(url: string, query: string): string {
  return url + (url.includes('?') ? '&' : '?') + query;
}

/** discover needs sse-soak serve at the far end: a short probe checks that it honours the knobs. */
async function checkTarget(url: string, headers: Record<string, string>, agent: Agent): Promise<void> {
  const r = await runProbe({ url: withQuery(url, probeQuery('idle', 300)), headers, kind: 'idle', rungMs: 300, agent });
  if (!r.survived) throw new CliError(`the first short probe failed (${r.how}): check the URL and that sse-soak serve answers there`, EXIT.CANNOT_START);
  // Half the silence asked for: a target that ignores it leaves gaps of 10 ms, and a busy
  // machine may send or read the token before the silence late, which shortens the gap seen.
  if (r.longestSilenceMs < 150) {
    throw new CliError('the target ignored ?silence=: discover needs `sse-soak serve` deployed behind the gateway (its query parameters shape each probe)', EXIT.INVALID_INPUT);
  }
}

export function renderDiscovery(results: readonly ProbeResult[], kinds: readonly ProbeKind[]): string {
  const lines: string[] = [];
  for (const r of [...results].sort((a, b) => (a.kind === b.kind ? a.rungMs - b.rungMs : a.kind === 'idle' ? -1 : 1))) {
    const label = `${r.kind === 'idle' ? 'silence' : 'lifetime'} ${fmtDuration(r.rungMs)}`.padEnd(18);
    const outcome = r.survived ? 'survived' : `cut after ${fmtDuration(r.cutAtMs ?? 0)}${r.kind === 'idle' ? ' of silence' : ''} (${r.how})`;
    lines.push(`${label}${outcome}`);
  }
  lines.push('');
  for (const k of kinds) lines.push(conclude(k, results).text);
  return lines.join('\n') + '\n';
}
