// The console summary: what a person reads at a glance when a run ends.
import type { BackgroundSummary } from '../background/background.js';
import { saturationReason, type SaturatedSpan } from '../record/harness.js';
import { certificateAdvice } from './tls-advice.js';
import { MIN_GROUP } from '../aggregate/cuts.js';
import { listedMetrics } from '../aggregate/metrics.js';
import { ANSWER_RATE_FORMULA, REASONING_RATE_FORMULA } from '../aggregate/reasoning.js';
import { MODEL_RATE_FORMULA } from '../aggregate/usage.js';
import { OUTCOMES } from '../record/outcome.js';
import { byInputLengthLines, byTurnLines, inputLine } from './by-input-text.js';
import { fmtBytes, fmtInt, fmtMs, fmtPct, fmtSeconds, table } from './format.js';
import { formatDurationMs } from '../scenario/units.js';
import type { Summary } from './summary.js';

export function renderConsoleSummary(s: Summary, reportDir?: string): string {
  const lines: string[] = [];
  const t = s.settings.target;
  const load = s.settings.load;
  const peak = Math.max(...load.stages.map((st) => st.to));
  const shape =
    load.model === 'closed'
      ? `closed model, ${load.stages.length > 1 ? `up to ${peak}` : peak} sessions`
      : `open model, ${load.stages.length > 1 ? `up to ${peak}` : peak}/s ${load.arrivals}${load.maxConcurrency ? `, cap ${load.maxConcurrency}` : ''}`;
  const shard = s.run.shard.count > 1 ? ` · shard ${s.run.shard.index + 1}/${s.run.shard.count}` : '';
  lines.push(
    `sse-soak · ${s.scenario.name} · ${shape}${load.stages.length > 1 ? ` in ${load.stages.length} stages` : ''} · ${fmtSeconds(s.run.durationMs)}${shard}`,
  );
  if (s.run.stopReason !== null) lines.push(`stopped   early: ${s.run.stopReason}`);
  for (const e of s.run.internalErrors ?? []) lines.push(`ERROR     internal error (a bug in sse-soak, please report it): ${e}`);
  for (const v of t.variants) {
    lines.push(
      `target    ${v.method} ${v.url}${t.builtin ? '  (built-in target)' : ''}${t.variants.length > 1 ? `  [${v.name}, weight ${v.weight}]` : ''}${proxyText(v.proxy, t.proxy)}`,
    );
  }
  lines.push('');

  const st = s.streams;
  lines.push(
    `streams   ${fmtInt(st.started)} started · ${fmtInt(s.outcomes.completed)} completed · ${fmtInt(st.failed)} failed · ` +
      `${fmtInt(st.aborted)} aborted at run end · drop rate ${fmtPct(s.dropRate)}`,
  );
  const outcomeParts = OUTCOMES.filter((o) => s.outcomes[o] > 0).map((o) => `${o} ${fmtInt(s.outcomes[o])}`);
  lines.push(`outcomes  ${outcomeParts.length ? outcomeParts.join(' · ') : 'none'}`);
  const statuses = Object.entries(s.httpStatuses).map(([k, v]) => `${k}×${v}`);
  if (statuses.length) lines.push(`          http status: ${statuses.join(', ')}`);
  const codes = Object.entries(s.errorCodes)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([k, v]) => `${k}×${v}`);
  if (codes.length) lines.push(`          errors: ${codes.join(', ')}`);
  lines.push(...osLimitLines(s.errorCodes), ...certificateLines(s.errorCodes));
  if (s.settings.target.tls?.insecure === true) lines.push('TLS       certificates were not verified (target.tls.insecure): a test path only');
  lines.push(
    `tokens    ${fmtInt(s.totals.tokens)} (${fmtInt(s.totals.tokensPerSecond)}/s) · events ${fmtInt(s.totals.events)} (${fmtInt(s.totals.eventsPerSecond)}/s) · ${fmtBytes(s.totals.bytes)}${compressionText(s)}`,
  );
  lines.push(...connectionLines(s.connections));
  lines.push(...usageLines(s));
  lines.push(...inputLine(s));
  lines.push(...reasoningLines(s));
  if (s.warmup.streams > 0) {
    const w = OUTCOMES.filter((o) => s.warmup.outcomes[o] > 0).map((o) => `${o} ${fmtInt(s.warmup.outcomes[o])}`);
    lines.push(`warm-up   ${fmtInt(s.warmup.streams)} streams kept out of the results (${w.join(' · ') || 'none ended'})`);
  }
  lines.push(...drainLines(s));
  if (s.run.notStarted > 0) {
    const why =
      load.model === 'open' && load.maxConcurrency
        ? 'they waited for the concurrency cap until the end, or the harness fell behind the schedule'
        : 'the harness fell behind the schedule';
    lines.push(`backlog   ${fmtInt(s.run.notStarted)} streams the schedule asked for never started: ${why}`);
  }
  lines.push('');
  if (s.variants.length > 1) {
    const vrows = s.variants.map((v) => [
      v.name,
      fmtInt(v.streams.started),
      fmtPct(v.dropRate),
      fmtMs(v.metrics.ttft.p50),
      fmtMs(v.metrics.ttft.p99),
      fmtMs(v.metrics.itl.p99),
      fmtMs(v.metrics.e2e.p50),
    ]);
    lines.push(...table([['variant', 'streams', 'drops', 'ttft p50', 'ttft p99', 'itl p99', 'e2e p50'], ...vrows]));
    lines.push('');
  }

  const head = ['metric (ms)', 'count', 'min', 'mean', 'p50', 'p90', 'p99', 'p99.9', 'max'];
  const listed = listedMetrics(s);
  const rows = listed.map((m) => {
    const x = s.metrics[m];
    return [m, fmtInt(x.count), fmtMs(x.min), fmtMs(x.mean), fmtMs(x.p50), fmtMs(x.p90), fmtMs(x.p99), fmtMs(x.p999), fmtMs(x.max)];
  });
  lines.push(...table([head, ...rows]));
  lines.push('');
  for (const m of listed) lines.push(`  ${m.padEnd(12)} ${s.metricFormulas[m]}`);
  if (s.notes.tokenParseErrors > 0) lines.push(`note      ${fmtInt(s.notes.tokenParseErrors)} events were not JSON while counting tokens by JSON path`);
  if ((s.notes.recordAnomalies ?? 0) > 0) {
    lines.push(
      `WARNING   ${fmtInt(s.notes.recordAnomalies ?? 0)} measured values could not be recorded as they were (below zero, or not a number): a bug in sse-soak, please report it`,
    );
  }
  if (s.notes.negativeDeliveryLags > 0) {
    lines.push(`note      ${fmtInt(s.notes.negativeDeliveryLags)} delivery lags were below zero (target and harness clocks differ) and count as 0`);
  }
  lines.push('');
  for (const part of [byInputLengthLines(s), byTurnLines(s)]) if (part.length > 0) lines.push(...part, '');
  const rc = s.reconnects;
  if (rc.total > 0) {
    lines.push(
      `reconnects ${fmtInt(rc.total)} by ${fmtInt(rc.streams)} streams${reconnectCauses(rc.causes)} · delay p50 ${fmtMs(rc.delay.p50)} ms, max ${fmtMs(rc.delay.max)} ms`,
    );
    lines.push(`          ${resumeLine(rc)}`);
    lines.push('');
  }
  const b = s.buffering;
  lines.push(`buffering ${b.verdict}${b.verdict === 'buffered' ? ' — events are held back on the way' : ''}`);
  for (const e of b.evidence) lines.push(`          ${e}`);
  lines.push('');
  if (s.cuts.total > 0) {
    lines.push(
      `cuts      ${fmtInt(s.cuts.total)} streams ended early by the peer (idle ${s.cuts.byKind.idle} · lifetime ${s.cuts.byKind.lifetime} · silent ${s.cuts.byKind.silent})`,
    );
    for (const g of s.cuts.groups) lines.push(`          ${describeCutGroup(g)}`);
    if (s.cuts.scattered > 0) lines.push(`          ${fmtInt(s.cuts.scattered)} more at scattered times (fewer than ${MIN_GROUP} alike)`);
    lines.push('');
  }
  if (s.thresholds.length > 0) {
    for (const r of s.thresholds) lines.push(`${r.pass ? 'pass' : 'FAIL'}      ${r.rule}   (measured ${r.shown})`);
    lines.push('');
  }
  if (s.background !== undefined) lines.push(...backgroundLines(s.background), '');
  const h = s.harness;
  lines.push(
    `harness   event-loop lag p99 ${fmtMs(h.eventLoopDelayMs.p99)} ms, max ${fmtMs(h.eventLoopDelayMs.max)} ms · ` +
      `CPU ${fmtPct(h.cpuCoreShare)} of one core · max RSS ${fmtBytes(h.maxRssBytes)}${(h.processes ?? 1) > 1 ? ` (${h.processes} processes together)` : ''}`,
  );
  lines.push(...saturationLines(h.saturated ?? [], h.processes ?? 1, h.cores ?? null));
  for (const f of h.fallbacks ?? []) lines.push(`WARNING   undici hook did not take effect: ${f}`);
  if (reportDir !== undefined) lines.push(`report    ${reportDir}`);
  return lines.join('\n') + '\n';
}

/**
 * "usage     12,345 output tokens reported by 100/100 streams · model 41.2 tok/s p50 (p10 35.0,
 * p90 48.1) · 1.00 chunks per token", and the rate's formula: nothing where no stream reported
 * usage, unless the scenario said where to read it (then that nothing was found is news).
 */
export function usageLines(s: Summary): string[] {
  const u = s.usage;
  const reported = s.totals.usageTokens ?? 0;
  if (u === undefined || u.streams === 0) {
    const asked = s.settings.stream.usage;
    return asked === undefined || asked === 'auto' || asked === 'off' ? [] : [`usage     no stream reported a usage count (stream.usage ${asked})`];
  }
  const rate = u.modelTokensPerSecond;
  const tps = (n: number): string => n.toFixed(1);
  const parts = [`${fmtInt(reported)} output tokens reported by ${fmtInt(u.streams)}/${fmtInt(s.streams.ended)} streams`];
  if (rate.count > 0)
    parts.push(
      `model ${tps(rate.p50)} tok/s p50 (p10 ${tps(rate.p10)}, p90 ${tps(rate.p90)})${rate.count === u.streams ? '' : ` over ${fmtInt(rate.count)} streams`}`,
    );
  // Counted tokens per usage token: above 1, the server sends a token over several events; below, several per event.
  if (reported > 0) parts.push(`${(u.countedTokens / reported).toFixed(2)} chunks per token`);
  return [`usage     ${parts.join(' · ')}`, ...(rate.count > 0 ? [`          model tok/s: ${MODEL_RATE_FORMULA}`] : [])];
}

/**
 * "reasoning 4,000 tokens on 100/100 streams (usage: 4,000 on 100) · 50.0 tok/s p50 (p10 49.0,
 * p90 51.0) · answer 50.0 tok/s p50 (…)", with the rates' formulas; where usage reports reasoning
 * that the scenario does not count, the warning that ttft and model tok/s then read it as answer.
 */
export function reasoningLines(s: Summary): string[] {
  const x = s.reasoning;
  if (x === undefined) return [];
  if (x.streams === 0) {
    if (x.usageTokens > 0 && s.settings.stream.reasoning === undefined) {
      return [
        `reasoning ${fmtInt(x.usageTokens)} reasoning tokens reported in usage by ${fmtInt(x.usageStreams)} streams, but stream.reasoning counts none: ttft and model tok/s take the reasoning for answer or leave its time out (set stream.api, or stream.reasoning)`,
      ];
    }
    return s.settings.stream.reasoning === undefined ? [] : [`reasoning no stream carried a reasoning token (stream.reasoning ${s.settings.stream.reasoning})`];
  }
  const tps = (n: number): string => n.toFixed(1);
  const rate = (r: typeof x.tokensPerSecond): string => `${tps(r.p50)} tok/s p50 (p10 ${tps(r.p10)}, p90 ${tps(r.p90)})`;
  const parts = [
    `${fmtInt(x.tokens)} tokens on ${fmtInt(x.streams)}/${fmtInt(s.streams.ended)} streams${x.usageStreams > 0 ? ` (usage: ${fmtInt(x.usageTokens)} on ${fmtInt(x.usageStreams)})` : ''}`,
  ];
  if (x.tokensPerSecond.count > 0) parts.push(rate(x.tokensPerSecond));
  if (x.answerTokensPerSecond.count > 0) parts.push(`answer ${rate(x.answerTokensPerSecond)}`);
  const ttft = s.metrics.ttft;
  const any = s.metrics.ttftAny;
  if (any !== undefined && any.count > 0 && ttft.count > 0) parts.push(`first token p50 ${fmtMs(any.p50)} ms, first answer token p50 ${fmtMs(ttft.p50)} ms`);
  return [`reasoning ${parts.join(' · ')}`, `          reasoning tok/s: ${REASONING_RATE_FORMULA}`, `          answer tok/s: ${ANSWER_RATE_FORMULA}`];
}

/** ", after connect_error 1,200 · reset 3": what the attempts that were followed by a reconnect ended with. */
function reconnectCauses(causes: Summary['reconnects']['causes'] | undefined): string {
  const parts = OUTCOMES.filter((o) => (causes?.[o] ?? 0) > 0).map((o) => `${o} ${fmtInt(causes?.[o] ?? 0)}`);
  return parts.length === 0 ? '' : `, after ${parts.join(' · ')}`;
}

/** Says only what was checked: a resume is checked when a reconnect delivered a numeric id after an earlier one. */
function resumeLine(rc: Pick<Summary['reconnects'], 'resumes' | 'resumeGaps' | 'resumeDuplicates'>): string {
  const checked = rc.resumes ?? 0;
  if (checked === 0) return 'no resume was checked: no reconnect delivered a numeric event id after an earlier one';
  const of = `${fmtInt(checked)} resume${checked === 1 ? '' : 's'} checked`;
  if (rc.resumeGaps + rc.resumeDuplicates === 0) return `${of}: every one went on without a gap or a repeat`;
  return `${of}: they lost ${fmtInt(rc.resumeGaps)} events and repeated ${fmtInt(rc.resumeDuplicates)}`;
}

/** What happened after the schedule ended: the streams that finished in the drain, and those it cut. */
export function drainLines(s: Summary): string[] {
  const d = s.run.drain;
  if (d === undefined || d.finished + d.aborted === 0) return [];
  if (d.limitMs <= 0) return [`drain     none (load.drain: 0): ${fmtInt(d.aborted)} streams open when the schedule ended were aborted`];
  const cut =
    d.aborted === 0
      ? 'none was left to abort'
      : `${fmtInt(d.aborted)} still open were aborted when it ${s.run.stopReason === null ? 'ran out' : 'was stopped'}`;
  return [`drain     up to ${formatDurationMs(d.limitMs)} after the schedule: ${fmtInt(d.finished)} streams finished in it · ${cut}`];
}

/** Error codes that mean this machine ran out of something, not that the target failed, each with what to raise (docs/troubleshooting.md lists them). */
export const OS_LIMITS: Readonly<Record<string, string>> = {
  EMFILE: 'the open-files limit of one process: raise it (ulimit -n 1048576, or LimitNOFILE= for a service), or use more --workers: each has its own',
  ENFILE: 'the open-files limit of the whole machine: raise fs.file-max (sysctl -w fs.file-max=2097152)',
  EADDRNOTAVAIL:
    'ephemeral ports towards this target: widen net.ipv4.ip_local_port_range (sysctl -w net.ipv4.ip_local_port_range="1024 65535") or add target.sourceAddresses (127.0.0.2-127.0.0.9 on loopback)',
  EADDRINUSE:
    'ephemeral ports of target.sourceAddresses, all bound, or some still in TIME_WAIT from earlier streams or runs: widen net.ipv4.ip_local_port_range, set net.ipv4.tcp_tw_reuse=1, or add target.sourceAddresses',
  ENOBUFS: 'kernel socket memory: raise net.core.* / net.ipv4.tcp_mem, or use fewer streams per machine',
};

/** Certificate errors, each with what to do (see tls-advice.ts). */
function certificateLines(errorCodes: Record<string, number>): string[] {
  return Object.entries(errorCodes).flatMap(([code, n]) => {
    const advice = certificateAdvice(code);
    return advice === null ? [] : [`TLS       ${fmtInt(n)} streams failed with ${code}: ${advice}`];
  });
}

/** What to raise when streams failed on a limit of this machine. */
function osLimitLines(errorCodes: Record<string, number>): string[] {
  return Object.keys(OS_LIMITS)
    .filter((code) => (errorCodes[code] ?? 0) > 0)
    .map((code) => `LIMIT     ${fmtInt(errorCodes[code] ?? 0)} streams failed with ${code}, a limit of this machine, not of the target: ${OS_LIMITS[code]}`);
}

/** The background requests' latencies and errors before, during and after the streams. */
function backgroundLines(b: BackgroundSummary): string[] {
  const rows = [['phase', 'seconds', 'requests', 'errors', 'non-2xx', 'p50', 'p90', 'p99', 'max (ms)']];
  for (const p of b.phases) {
    const l = p.latencyMs;
    rows.push([
      p.name,
      (p.durationMs / 1000).toFixed(1),
      fmtInt(p.requests),
      fmtInt(p.errors),
      fmtInt(p.non2xx),
      fmtMs(l.p50),
      fmtMs(l.p90),
      fmtMs(l.p99),
      fmtMs(l.max),
    ]);
  }
  const errs = b.phases.flatMap((p) => Object.entries(p.errorCodes).map(([code, n]) => `${p.name}: ${code} ×${fmtInt(n)}`));
  return [
    `background ${b.method} ${b.url} · ${b.connections} connections${b.rate === null ? '' : ` · ${b.rate}/s`}: requests alone, then alongside the streams, then alone again`,
    ...table(rows).map((r) => `  ${r}`),
    ...(errs.length > 0 ? [`  errors: ${errs.join(' · ')}`] : []),
    ...backgroundSilence(b),
  ];
}

/**
 * A warning for background phases of a second or more in which no request was answered and none
 * failed: their zeros measure nothing. autocannon speaks HTTP/1.1 only, and a target that speaks
 * only HTTP/2 (h2c with prior knowledge) answers none of its requests and refuses none either.
 */
export function backgroundSilence(b: BackgroundSummary): string[] {
  const silent = b.phases.filter((p) => p.durationMs >= 1000 && p.requests === 0 && p.errors === 0);
  if (silent.length === 0) return [];
  return [
    `WARNING   background: no request was answered and none failed in ${silent.map((p) => `"${p.name}"`).join(', ')} (${silent.map((p) => `${(p.durationMs / 1000).toFixed(1)} s`).join(', ')}): ` +
      'those figures measure nothing. The background requests are HTTP/1.1 (autocannon); a target that speaks only HTTP/2 (h2c) answers none of them. ' +
      'Point background.url at an endpoint that speaks HTTP/1.1',
  ];
}

/** The seconds whose latencies include the harness's own delay, and what to do about it. */
/** @param cores of the machine that ran it, as its summary recorded (null: an older summary that did not). */
export function saturationLines(spans: readonly SaturatedSpan[], processes: number, cores: number | null): string[] {
  if (spans.length === 0) return [];
  const seconds = spans.reduce((n, x) => n + x.toSecond - x.fromSecond + 1, 0);
  const lines = [
    `WARNING   the harness itself was saturated in ${fmtInt(seconds)} second${seconds === 1 ? '' : 's'}: latencies measured then include its own delay and are not trustworthy`,
  ];
  for (const x of spans.slice(0, 8)) {
    const when = x.fromSecond === x.toSecond ? `second ${x.fromSecond}` : `seconds ${x.fromSecond}–${x.toSecond}`;
    lines.push(`          ${when}${x.process === '' ? '' : ` (${x.process})`}: ${saturationReason(x)}`);
  }
  if (spans.length > 8) lines.push(`          and ${spans.length - 8} more spans (summary.json harness.saturated)`);
  lines.push(`          ${saturationAdvice(processes, cores)}`);
  return lines;
}

/** @param cores of the machine that ran the harness; null where that is not known (an older summary). */
export function saturationAdvice(processes: number, cores: number | null): string {
  if (cores === null) return 'run with --workers set to the cores of the machine that ran it, or spread the load over more machines (--shard i/N, then merge)';
  return processes < cores
    ? `run with --workers ${cores} (this machine has ${cores} cores), or spread the load over more machines (--shard i/N, then merge)`
    : `spread the load over more machines (run --shard i/N on each, then merge): every core here already runs a worker`;
}

const CUT_WORDS = { idle: 'idle cut after', lifetime: 'lifetime cut at', silent: 'cut with no data at all after' } as const;

/** e.g. "idle cut after 60.0 s ± 0.1 s, 212 streams — matches nginx proxy_read_timeout (idle 60s)". */
export function describeCutGroup(g: Summary['cuts']['groups'][number]): string {
  const spread = g.spreadMs < 1000 ? `${Math.round(g.spreadMs)} ms` : `${(g.spreadMs / 1000).toFixed(1)} s`;
  const match = g.matches !== null ? `matches ${g.matches}` : 'no declared limit matches';
  return `${CUT_WORDS[g.kind]} ${(g.centreMs / 1000).toFixed(1)} s ± ${spread}, ${fmtInt(g.count)} stream${g.count === 1 ? '' : 's'} — ${match}`;
}

/**
 * "wire      HTTP/2 1,000 streams over 10 connections (peak 100 at once on one; the server allows 128)":
 * which protocol carried the streams and, over HTTP/2, how they shared connections.
 */
export function connectionLines(c: Summary['connections']): string[] {
  if (c === undefined) return [];
  const parts: string[] = [];
  for (const [v, streams] of Object.entries(c.httpVersions).sort()) {
    const opened = c.opened[v] ?? 0;
    let text = `HTTP/${v} ${fmtInt(streams)} stream${streams === 1 ? '' : 's'} over ${fmtInt(opened)} new connection${opened === 1 ? '' : 's'}`;
    if (v === '2') {
      const limit = c.serverMaxConcurrentStreams;
      text += ` (peak ${fmtInt(c.peakStreamsPerConnection)} at once on one${limit === null ? '' : `; the server allows ${fmtInt(limit)}`})`;
    }
    parts.push(text);
  }
  return parts.length === 0 ? [] : [`wire      ${parts.join(' · ')}`];
}

/** " (gzip ×40: 3.1 MiB decoded)" where responses came compressed; '' where none did. */
export function compressionText(s: Summary): string {
  const coded = Object.entries(s.contentEncodings ?? {}).filter(([c, n]) => c !== 'identity' && n > 0);
  if (coded.length === 0) return '';
  return ` (${coded.map(([c, n]) => `${c} ×${fmtInt(n)}`).join(', ')}: ${fmtBytes(s.totals.decodedBytes ?? s.totals.bytes)} decoded)`;
}

/** "  via proxy http://proxy:3128 (https_proxy)", or where a proxy is set but this target bypasses it, "  direct". */
function proxyText(via: string | null | undefined, proxy: Summary['settings']['target']['proxy']): string {
  if (proxy === undefined || via === undefined) return '';
  return via === null ? '  direct (not through the proxy)' : `  via proxy ${via} (${proxy.source})`;
}
