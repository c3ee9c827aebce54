// The console's lines on input tokens, and its tables by input length and by turn: shown
// only when some stream had them (a run whose requests come from a workload), so a run
// with a fixed body prints what it always did.
import { inputLengthLabel, turnLabel } from '../aggregate/by-input.js';
import { fmtInt, fmtMs, fmtPct, table } from './format.js';
import type { Summary } from './summary.js';

/** "input     1,000 streams of known input length: p50 812 tokens (p90 3,120, p99 7,900, max 15,002) · 1,234,567 in all". */
export function inputLine(s: Pick<Summary, 'input' | 'totals'>): string[] {
  const t = s.input?.tokens;
  if (t === undefined || t.count === 0) return [];
  const sum = s.totals.inputTokens;
  return [
    `input     ${fmtInt(t.count)} stream${t.count === 1 ? '' : 's'} of known input length: p50 ${fmtInt(t.p50)} tokens (p90 ${fmtInt(t.p90)}, p99 ${fmtInt(t.p99)}, max ${fmtInt(t.max)})` +
      (sum === undefined ? '' : ` · ${fmtInt(sum)} in all`),
  ];
}

/** ttft by input length (ms), a row per bucket some stream landed in. */
export function byInputLengthLines(s: Pick<Summary, 'byInputLength'>): string[] {
  const buckets = s.byInputLength ?? [];
  if (buckets.length === 0) return [];
  const rows = buckets.map((b) => [
    inputLengthLabel(b.fromTokens, b.toTokens),
    fmtInt(b.streams),
    failedCell(b.failed, b.streams),
    ms(b.ttft.count, b.ttft.p50),
    ms(b.ttft.count, b.ttft.p90),
    ms(b.ttft.count, b.ttft.p99),
    ms(b.ttft.count, b.ttft.max),
  ]);
  return [
    ...table([['input tokens', 'streams', 'failed', 'ttft p50', 'p90', 'p99', 'max (ms)'], ...rows]),
    "  by the stream's input tokens: the server's usage count, else the workload's tokenizer count",
  ];
}

/** The figures of conversations' streams by turn (ms; input in tokens), a row per turn some stream was. */
export function byTurnLines(s: Pick<Summary, 'byTurn'>): string[] {
  const turns = s.byTurn ?? [];
  if (turns.length === 0) return [];
  const rows = turns.map((t) => [
    turnLabel(t.turn, t.orLater),
    fmtInt(t.streams),
    failedCell(t.failed, t.streams),
    t.inputTokens.count === 0 ? '–' : fmtInt(t.inputTokens.p50),
    ms(t.ttft.count, t.ttft.p50),
    ms(t.ttft.count, t.ttft.p99),
    ms(t.itl.count, t.itl.p99),
    ms(t.tpot.count, t.tpot.p50),
    ms(t.e2e.count, t.e2e.p50),
  ]);
  return [
    ...table([['turn', 'streams', 'failed', 'input p50', 'ttft p50', 'ttft p99', 'itl p99', 'tpot p50', 'e2e p50 (ms)'], ...rows]),
    '  each turn resends the conversation so far: with prefix caching, ttft stays near turn 1’s as the input grows',
  ];
}

/** A statistic in ms, or a dash where no stream of the bucket had the value. */
const ms = (count: number, v: number): string => (count === 0 ? '–' : fmtMs(v));

const failedCell = (failed: number, streams: number): string => (failed === 0 ? '0' : `${fmtInt(failed)} (${fmtPct(failed / streams)})`);
