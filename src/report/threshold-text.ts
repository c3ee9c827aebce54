// A judged rule as CI shows it: "ttft p99 = 2.31 s, limit < 2 s". The rule is read again from
// its text (thresholds/rules.ts) for its unit and limit; the measured value is shown with as many
// digits as it takes to differ from the limit, so a value just past it never reads as equal.
import { parseRule, type ThresholdResult } from '../thresholds/rules.js';

export interface ThresholdLine {
  /** The rule as written: `ttft p99 < 2s`. */
  rule: string;
  /** What it measures: `ttft p99`. */
  subject: string;
  /** `2.31 s`, `0.5%`, `3`. */
  measured: string;
  /** The operator and the limit: `< 2 s`; empty when the rule cannot be read again (an older sse-soak's grammar). */
  limit: string;
  pass: boolean;
}

type Format = (v: number, digits: number) => string;

const sig = (v: number, digits: number): number => Number(v.toPrecision(digits));

/** ms with 3 (or more) significant digits, in s from 1 s up: 2310 → "2.31 s", 341.759 → "342 ms". */
export const msText: Format = (ms, digits) => {
  const r = sig(ms, digits);
  return Math.abs(r) >= 1000 ? `${sig(r / 1000, digits)} s` : `${r} ms`;
};

export const pctText: Format = (fraction, digits) => `${sig(fraction * 100, digits)}%`;

const numberText: Format = (v, digits) => (Number.isInteger(v) ? String(v) : String(sig(v, digits)));

/** The limit in full, and the measured value with the fewest digits (3 at least) that tell it from the limit. */
export function measuredAndLimit(measured: number, limit: number, format: Format): [string, string] {
  const limitText = format(limit, 6);
  if (!Number.isFinite(measured)) return [String(measured), limitText];
  let digits = 3;
  while (digits < 12 && measured !== limit && format(measured, digits) === limitText) digits++;
  return [format(measured, digits), limitText];
}

export function thresholdLine(r: ThresholdResult): ThresholdLine {
  const parsed = parseRule(r.rule);
  const op = /\s*(<=|>=|==|!=|<|>)/.exec(r.rule);
  const subject = op === null ? r.rule : r.rule.slice(0, op.index).trim();
  if ('error' in parsed) return { rule: r.rule, subject, measured: r.shown, limit: '', pass: r.pass };
  const { subject: s, op: operator, value } = parsed.rule;
  const format: Format =
    s.kind === 'latency' ? (s.stat === 'count' ? numberText : msText) : s.kind === 'dropRate' || (s.kind === 'outcome' && s.share) ? pctText : numberText;
  const [measured, limit] = measuredAndLimit(r.measured, value, format);
  // A rule judged on nothing (capacity: "no samples") shows why instead of a number.
  return { rule: r.rule, subject, measured: Number.isFinite(r.measured) ? measured : r.shown, limit: `${operator} ${limit}`, pass: r.pass };
}

/** One line: `ttft p99 = 2.31 s, limit < 2 s`. */
export function thresholdMessage(r: ThresholdResult): string {
  const t = thresholdLine(r);
  if (t.limit === '') return `${t.rule}: measured ${t.measured}`;
  // Judged on nothing: `ttft p99: no samples, limit < 2 s`.
  return Number.isFinite(r.measured) ? `${t.subject} = ${t.measured}, limit ${t.limit}` : `${t.subject}: ${t.measured}, limit ${t.limit}`;
}
