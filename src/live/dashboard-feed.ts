// What the live page (`run --dashboard`) is told, one frame a second, and the bounded
// ring of past frames a reconnecting page is replayed from (Last-Event-ID), so its
// charts have no gap. Pure: no sockets here (dashboard-server.ts writes the frames).
import { newHistogram, statsMs, type Histogram } from '../aggregate/histogram.js';
import { METRICS } from '../aggregate/metrics.js';
import type { SecondSnapshot } from '../aggregate/second-window.js';
import { emptyOutcomeCounts, isFailure, OUTCOMES, type Outcome } from '../record/outcome.js';
import type { Summary } from '../report/summary.js';
import type { Scenario } from '../scenario/types.js';
import { evaluate, type RuleFigures, type Threshold } from '../thresholds/rules.js';

/** Past frames kept for a page that reconnects or opens late: an hour of seconds (about 1 MB). */
const RING_SECONDS = 3600;

/** One second as the page draws it. Times in ms; rates per second. */
export interface Frame {
  second: number;
  elapsedMs: number;
  stage: number;
  warmup: boolean;
  draining: boolean;
  drainLeftMs: number;
  level: number;
  sessions: number;
  open: number;
  opened: number;
  ended: number;
  /** Since the start of the run (warm-up included). */
  outcomes: Record<Outcome, number>;
  eventsPerS: number;
  tokensPerS: number;
  /** Within this second (null: no sample in it). */
  ttftP50: number | null;
  ttftP99: number | null;
  itlP50: number | null;
  itlP99: number | null;
  lagP99Ms: number;
  cpu: number;
  rssMiB: number;
  /** Why the harness's own figures are untrustworthy this second, or ''. */
  saturated: string;
  /** Each rule as it stands on what was measured so far; pass null: only known at the end. */
  thresholds: { rule: string; shown: string; pass: boolean | null }[];
}

/** The page's static facts, sent first on every connection. */
export interface RunInfo {
  scenario: string;
  run: string;
  model: 'closed' | 'open';
  totalMs: number;
  stages: number;
}

/** The end: the report's verdicts, which the per-second feed cannot know. */
export interface EndFrame {
  outcomes: Record<Outcome, number>;
  cuts: { total: number; groups: string[] };
  buffering: string;
  thresholds: { rule: string; shown: string; pass: boolean }[];
  stopReason: string | null;
}

/** An SSE message: `id` only on seconds, so Last-Event-ID always names the last second seen. */
export interface FeedMessage {
  event: 'info' | 'second' | 'end' | 'gap';
  id: number | null;
  data: unknown;
}

/** The metrics a live rule can read; the others are only known from the summary. */
const LIVE_METRICS = new Set(['ttft', 'itl', 'tpot', 'scheduleLag']);

export class DashboardFeed {
  private readonly ring: Frame[] = [];
  private readonly outcomes = emptyOutcomeCounts();
  private readonly cumulative = { ttft: newHistogram(), itl: newHistogram(), tpot: newHistogram(), scheduleLag: newHistogram() };
  private readonly thresholds: readonly Threshold[];
  private events = 0;
  private tokens = 0;
  private opened = 0;
  private endFrame: EndFrame | null = null;
  private lastElapsedMs = 0;
  readonly info: RunInfo;

  constructor(
    scenario: Scenario,
    run: string,
    private readonly ringSize = RING_SECONDS,
  ) {
    this.thresholds = scenario.thresholds;
    this.info = { scenario: scenario.name, run, model: scenario.load.model, totalMs: scenario.load.durationMs, stages: scenario.load.stages.length };
  }

  /** Folds one second in and returns its frame (kept in the ring). */
  second(s: SecondSnapshot): Frame {
    const w = s.window;
    for (const o of OUTCOMES) this.outcomes[o] += w.ended[o];
    this.events += w.events;
    this.tokens += w.tokens;
    this.opened += w.opened;
    this.cumulative.ttft.add(w.ttft);
    this.cumulative.itl.add(w.itl);
    this.cumulative.tpot.add(w.tpot);
    this.cumulative.scheduleLag.add(w.scheduleLag);
    // The second's own length: about 1 s, the last one partial. (Not elapsed % 1000: a timer that
    // fires 2 ms late would make that 2 ms, and the rate 500 times too high.)
    const secs = Math.max(0.001, (s.elapsedMs - this.lastElapsedMs) / 1000);
    this.lastElapsedMs = s.elapsedMs;
    const pct = (h: Histogram, p: number): number | null => (h.totalCount === 0 ? null : Math.round(h.getValueAtPercentile(p)) / 1000);
    const frame: Frame = {
      second: s.second,
      elapsedMs: Math.round(s.elapsedMs),
      stage: s.stage + 1,
      warmup: s.warmup,
      draining: s.draining,
      drainLeftMs: Math.round(s.drainLeftMs),
      level: s.level,
      sessions: s.sessions,
      open: s.activeStreams,
      opened: s.totalStarted,
      ended: s.totalEnded,
      outcomes: { ...this.outcomes },
      eventsPerS: Math.round(w.events / secs),
      tokensPerS: Math.round(w.tokens / secs),
      ttftP50: pct(w.ttft, 50),
      ttftP99: pct(w.ttft, 99),
      itlP50: pct(w.itl, 50),
      itlP99: pct(w.itl, 99),
      lagP99Ms: s.harness.lagP99Ms,
      cpu: s.harness.cpuCoreShare,
      rssMiB: Math.round(s.harness.rssBytes / 2 ** 20),
      saturated: s.harness.saturated,
      thresholds: this.liveThresholds(s.elapsedMs),
    };
    this.ring.push(frame);
    if (this.ring.length > this.ringSize) this.ring.shift();
    return frame;
  }

  /** The run's end, from its summary. */
  end(summary: Summary): EndFrame {
    this.endFrame = {
      outcomes: { ...summary.outcomes },
      cuts: {
        total: summary.cuts.total,
        groups: summary.cuts.groups.map(
          (g) =>
            `${g.count} ${g.kind} cut${g.count === 1 ? '' : 's'} at ${Math.round(g.centreMs / 100) / 10} s ± ${Math.round(g.spreadMs / 100) / 10} s${g.matches === null ? '' : ` (${g.matches})`}`,
        ),
      },
      buffering: summary.buffering.verdict,
      thresholds: summary.thresholds.map((t) => ({ rule: t.rule, shown: t.shown, pass: t.pass })),
      stopReason: summary.run.stopReason,
    };
    return this.endFrame;
  }

  /**
   * What a connection is sent first: the run's facts, then every kept second after
   * `lastId` (all of them for a new page), then the end if it came. When `lastId` is
   * older than the ring, a `gap` says which seconds are lost, and the page says so.
   */
  replay(lastId: number | null): FeedMessage[] {
    const out: FeedMessage[] = [{ event: 'info', id: null, data: this.info }];
    const first = this.ring[0];
    if (lastId !== null && first !== undefined && lastId < first.second - 1)
      out.push({ event: 'gap', id: null, data: { from: lastId + 1, to: first.second - 1 } });
    for (const f of this.ring) if (lastId === null || f.second > lastId) out.push({ event: 'second', id: f.second, data: f });
    if (this.endFrame !== null) out.push({ event: 'end', id: null, data: this.endFrame });
    return out;
  }

  /** Rules on the figures so far (warm-up included); those on figures the feed lacks wait for the end. */
  private liveThresholds(elapsedMs: number): Frame['thresholds'] {
    if (this.thresholds.length === 0) return [];
    const metrics = {} as RuleFigures['metrics'];
    for (const m of METRICS) metrics[m] = statsMs(m in this.cumulative ? this.cumulative[m as keyof typeof this.cumulative] : newHistogram());
    const ended = OUTCOMES.reduce((n, o) => n + this.outcomes[o], 0);
    const failed = OUTCOMES.filter(isFailure).reduce((n, o) => n + this.outcomes[o], 0);
    const judged = ended - this.outcomes.aborted;
    const secs = Math.max(0.001, elapsedMs / 1000);
    const f: RuleFigures = {
      metrics,
      dropRate: judged === 0 ? 0 : failed / judged,
      outcomes: this.outcomes,
      streams: { started: this.opened, ended, aborted: this.outcomes.aborted },
      totals: { tokensPerSecond: Math.round((this.tokens / secs) * 10) / 10, eventsPerSecond: Math.round((this.events / secs) * 10) / 10 },
      cuts: { byKind: { idle: 0, lifetime: 0, silent: 0 } },
    };
    return this.thresholds.map((t) => {
      const known = t.subject.kind !== 'cuts' && (t.subject.kind !== 'latency' || LIVE_METRICS.has(t.subject.metric));
      if (!known) return { rule: t.text, shown: 'at the end', pass: null };
      const r = evaluate(t, f);
      return { rule: t.text, shown: r.shown, pass: r.pass };
    });
  }
}

/** One SSE message on the wire (data is one JSON line: no newline can split it). */
export function sseText(m: FeedMessage): string {
  return `${m.id === null ? '' : `id: ${m.id}\n`}event: ${m.event}\ndata: ${JSON.stringify(m.data)}\n\n`;
}
