// What broke first and whose limit it is: the SLO that failed at the lowest load, with its
// value there, and the failures that rose with the load (outcomes and error codes, cut
// groups, a buffering verdict), each with a hint at the layer whose limit it matches.
import type { ThresholdResult } from '../thresholds/rules.js';
import type { CapacityStep } from './step.js';

export interface FirstBreak {
  rule: string;
  /** The measured value as shown (2400ms, 1.2%). */
  shown: string;
  level: number;
}

export interface Evidence {
  /** What the failure is: `connect_error ECONNRESET`, `http_error 503`, `cuts (idle)`, `buffered`. */
  what: string;
  /** The lowest level it was seen at. */
  fromLevel: number;
  /** Its share of the judged streams at the highest level stepped. */
  shareAtTop: number;
  topLevel: number;
  hint: string;
}

const byLevel = (steps: readonly CapacityStep[]): CapacityStep[] => [...steps].sort((a, b) => a.level - b.level);

/** The SLOs a step failed: for a step that ended early, the one it broke beyond recovery (the others were not judged to the end). */
export function failedSlos(s: Pick<CapacityStep, 'slos' | 'earlyStop'>): ThresholdResult[] {
  const early = s.earlyStop;
  return early === null ? s.slos.filter((r) => !r.pass) : s.slos.filter((r) => r.rule === early.rule);
}

/** The SLO that broke at the lowest load (ties: the one furthest past its limit, in order given). */
export function firstBreak(steps: readonly CapacityStep[]): FirstBreak | null {
  for (const s of byLevel(steps)) {
    if (s.saturated) continue;
    const failed = failedSlos(s)[0];
    if (failed !== undefined) return { rule: failed.rule, shown: failed.shown, level: s.level };
  }
  return null;
}

/** Hints by failure: the usual owner of such a limit in a streaming path. */
function hintFor(outcome: string, code: string): string {
  if (outcome === 'connect_error' || code === 'ECONNRESET' || code === 'ECONNREFUSED' || code === 'UND_ERR_SOCKET') {
    return "a connection limit in the path: nginx worker_connections (each stream holds two connections), a listen backlog (somaxconn), a load balancer's connection cap, or ulimit -n";
  }
  if (outcome === 'http_error') {
    if (code === 'HTTP 429') return 'a rate limit in front of the target';
    if (code === 'HTTP 502' || code === 'HTTP 504')
      return 'the gateway could not reach or wait for its upstream: upstream connection pool, upstream timeouts, or the app itself overloaded';
    if (code === 'HTTP 503') return 'a gateway or app shedding load (max connections, a queue limit, an unhealthy upstream)';
    return 'the target or a gateway answering with errors under load';
  }
  if (outcome === 'reset' || outcome === 'eof_early')
    return 'connections dropped mid-stream: a proxy out of connections (nginx worker_connections: each stream holds two, client and upstream), at a memory limit, or a timeout (see the cut groups)';
  if (outcome === 'client_idle_timeout') return "the target stalled past the client's idle limit: queueing in the target, or a buffering proxy";
  if (outcome === 'client_lifetime') return "replies slowed past the client's lifetime limit: the target shares its throughput among more streams";
  return "see the step's report";
}

const FAILURE_OUTCOMES = ['connect_error', 'http_error', 'bad_content_type', 'reset', 'eof_early', 'client_idle_timeout', 'client_lifetime', 'protocol_error'];

/** The failures that appeared with the load: each with the lowest level it was seen at. */
export function evidence(steps: readonly CapacityStep[]): Evidence[] {
  const sorted = byLevel(steps);
  const top = sorted[sorted.length - 1];
  if (top === undefined) return [];
  const judged = (s: CapacityStep): number => Math.max(1, s.summary.streams.ended - s.summary.streams.aborted);
  const found: Evidence[] = [];
  const count = (s: CapacityStep, outcome: string): number => (s.summary.outcomes as Record<string, number>)[outcome] ?? 0;
  for (const outcome of FAILURE_OUTCOMES) {
    const from = sorted.find((s) => count(s, outcome) > 0);
    if (from === undefined) continue;
    // The error codes behind it, at the step where the failures are most.
    const worst = sorted.reduce((a, b) => (count(b, outcome) / judged(b) > count(a, outcome) / judged(a) ? b : a));
    const codes = Object.entries(worst.summary.errorCodes).sort((a, b) => b[1] - a[1]);
    const code = outcome === 'http_error' ? (Object.entries(worst.summary.httpStatuses).sort((a, b) => b[1] - a[1])[0]?.[0] ?? '') : (codes[0]?.[0] ?? '');
    const shown = outcome === 'http_error' && code !== '' ? `HTTP ${code}` : code;
    found.push({
      what: `${outcome}${shown === '' ? '' : ` ${shown}`}`,
      fromLevel: from.level,
      shareAtTop: count(top, outcome) / judged(top),
      topLevel: top.level,
      hint: hintFor(outcome, shown),
    });
  }
  const cutFrom = sorted.find((s) => s.summary.cuts.total > 0);
  if (cutFrom !== undefined) {
    const g = cutFrom.summary.cuts.groups[0];
    found.push({
      what: `cuts${g === undefined ? '' : ` (${g.kind}${g.matches === null ? '' : `, matches ${g.matches}`})`}`,
      fromLevel: cutFrom.level,
      shareAtTop: top.summary.cuts.total / judged(top),
      topLevel: top.level,
      hint: 'a timeout in the path ends streams that became slower or quieter under load',
    });
  }
  const buffered = sorted.find((s) => s.summary.buffering.verdict === 'buffered');
  if (buffered !== undefined && sorted[0]?.summary.buffering.verdict !== 'buffered') {
    found.push({
      what: 'buffered',
      fromLevel: buffered.level,
      shareAtTop: 0,
      topLevel: top.level,
      hint: 'events arrive in bursts from this load on: a proxy buffers when it falls behind',
    });
  }
  return found;
}
