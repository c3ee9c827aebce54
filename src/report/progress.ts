// Live progress while a run goes: a block refreshed in place on a terminal, or one
// plain line every few seconds in a CI log. Pure renderers of a second's snapshot.
import type { SecondSnapshot } from '../aggregate/second-window.js';
import { OUTCOMES, type Outcome } from '../record/outcome.js';
import { fmtInt, fmtMs, fmtSeconds } from './format.js';

export interface ProgressState {
  snapshot: SecondSnapshot;
  totalMs: number;
  stages: number;
  model: 'closed' | 'open';
  /** Outcomes since the start of the run. */
  outcomes: Record<Outcome, number>;
  rollingTtft: { p50: number; p99: number; count: number };
}

function outcomeText(outcomes: Record<Outcome, number>): string {
  const parts = OUTCOMES.filter((o) => outcomes[o] > 0).map((o) => `${o} ${fmtInt(outcomes[o])}`);
  return parts.length > 0 ? parts.join(' · ') : 'none yet';
}

function levelText(p: ProgressState): string {
  const s = p.snapshot;
  if (s.draining) return `draining: no new streams, the open ones may finish (at most ${fmtSeconds(s.drainLeftMs)} more)`;
  return p.model === 'closed'
    ? `sessions ${fmtInt(s.sessions)} (target ${fmtInt(Math.floor(s.level))})`
    : `rate ${s.level.toFixed(1)}/s${s.backlog > 0 ? `, waiting for the cap ${fmtInt(s.backlog)}` : ''}`;
}

/** The block a terminal shows, redrawn about once a second. */
export function renderProgressBlock(p: ProgressState): string[] {
  const s = p.snapshot;
  const w = s.window;
  // Over the second's real length: a timer 2 ms late makes elapsedMs % 1000 read 2 ms, not 1002.
  const secs = Math.max(0.001, s.lengthMs / 1000);
  const ttft = p.rollingTtft.count > 0 ? `${fmtMs(p.rollingTtft.p50)} / ${fmtMs(p.rollingTtft.p99)} ms` : '–';
  return [
    `elapsed   ${fmtSeconds(s.elapsedMs)} / ${fmtSeconds(p.totalMs)} · ${s.draining ? '' : `stage ${s.stage + 1}/${p.stages}${s.warmup ? ' (warm-up)' : ''} · `}${levelText(p)}`,
    `streams   ${fmtInt(s.activeStreams)} open · ${fmtInt(s.totalStarted)} opened · ${fmtInt(s.totalEnded)} ended`,
    `outcomes  ${outcomeText(p.outcomes)}`,
    `rate      ${fmtInt(w.events / secs)} events/s · ${fmtInt(w.tokens / secs)} tokens/s · ttft p50/p99 (last 10 s) ${ttft}`,
    `harness   event-loop lag p99 ${fmtMs(s.harness.lagP99Ms)} ms · CPU ${Math.round(s.harness.cpuCoreShare * 100)}%${s.harness.cpuMaxProcessShare !== s.harness.cpuCoreShare ? ` (busiest worker ${Math.round(s.harness.cpuMaxProcessShare * 100)}%)` : ''} · RSS ${Math.round(s.harness.rssBytes / 2 ** 20)} MiB${s.harness.saturated === '' ? '' : ' · SATURATED'}`,
  ];
}

/** One line for logs that are not a terminal. */
export function renderProgressLine(p: ProgressState): string {
  const s = p.snapshot;
  const ttft = p.rollingTtft.count > 0 ? ` ttft p50/p99 ${fmtMs(p.rollingTtft.p50)}/${fmtMs(p.rollingTtft.p99)} ms` : '';
  return (
    `[${fmtSeconds(s.elapsedMs)}/${fmtSeconds(p.totalMs)}] ${s.draining ? '' : `stage ${s.stage + 1}/${p.stages}${s.warmup ? ' warm-up' : ''} `}${levelText(p)}; ` +
    `open ${s.activeStreams}, opened ${s.totalStarted}, ended ${s.totalEnded}; ${outcomeText(p.outcomes)};${ttft}; loop lag p99 ${fmtMs(s.harness.lagP99Ms)} ms`
  );
}
