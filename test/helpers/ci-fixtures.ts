// Summaries and capacity reports for the CI renderers' tests (junit, markdown): a real
// summary.json (test/fixtures/run-f9ad041) with the fields each test is about set by hand.
import { readFileSync } from 'node:fs';
import { buildCapacityReport, type CapacityReport } from '../../src/capacity/report.js';
import type { CapacityStep } from '../../src/capacity/step.js';
import type { SearchStop } from '../../src/capacity/search.js';
import { withLaterMetrics } from '../../src/report/summary-check.js';
import type { Summary } from '../../src/report/summary.js';
import type { ThresholdResult } from '../../src/thresholds/rules.js';

const FIXTURE = new URL('../../../test/fixtures/run-f9ad041/summary.json', import.meta.url);

/** A name with everything XML and Markdown must escape, and a character XML 1.0 cannot carry. */
export const NASTY_NAME = `chat <b>&"tier"</b> 'a'|b \u0001`;

export function summaryFixture(edit: (s: Summary) => void = () => undefined): Summary {
  const s = withLaterMetrics(JSON.parse(readFileSync(FIXTURE, 'utf8')) as Summary);
  edit(s);
  return s;
}

export const failing = (rule: string, measured: number, shown: string): ThresholdResult => ({ rule, measured, shown, pass: false });
export const passing = (rule: string, measured: number, shown: string): ThresholdResult => ({ rule, measured, shown, pass: true });

/** Two variants, `fast` and `slow`, with ttft p99 of 900 ms and 3,100 ms. */
export function withVariants(s: Summary): void {
  const base = s.variants[0] as Summary['variants'][number];
  const v = (name: string, p99: number): Summary['variants'][number] => ({
    ...structuredClone(base),
    name,
    metrics: { ...base.metrics, ttft: { ...base.metrics.ttft, p99 } },
  });
  s.variants = [v('fast', 900), v('slow <&>', 3100)];
}

/** A capacity report of steps at these levels, each passing or failing `ttft p99 < 2s` with this ttft p99 (ms). */
export function capacityFixture(
  stop: SearchStop,
  steps: readonly { level: number; ttftP99: number; saturated?: boolean }[],
  capacity: number | null,
  firstBad: number | null,
  name = 'chat',
): CapacityReport {
  const made: CapacityStep[] = steps.map((st, index) => {
    const summary = summaryFixture((s) => {
      s.metrics.ttft = { ...s.metrics.ttft, p99: st.ttftP99 };
      s.scenario.name = name;
    });
    const slos = [{ rule: 'ttft p99 < 2s', measured: st.ttftP99, shown: `${st.ttftP99}ms`, pass: st.ttftP99 < 2000 }, passing('drop_rate < 1%', 0, '0%')];
    return {
      index,
      level: st.level,
      pass: slos.every((r) => r.pass),
      saturated: st.saturated ?? false,
      dir: `steps/${String(index + 1).padStart(2, '0')}`,
      timing: { warmupMs: 1000, measuredMs: 3000, drainMs: 0 },
      slos,
      goodput: { judged: 100, good: 90, share: 0.9, perSecond: 30, rules: ['ttft < 2s'] },
      // judgeStep's, which capacity.json keeps beside each step's verdict.
      harness: { saturatedSeconds: st.saturated === true ? 3 : 0, worstLagMs: st.saturated === true ? 150 : 0 },
      earlyStop: null,
      summary,
    } as CapacityStep;
  });
  return buildCapacityReport({
    version: '0.1.0',
    scenario: { name, file: 'scenarios/chat.yaml' },
    model: 'closed',
    slos: ['ttft p99 < 2s', 'drop_rate < 1%'],
    search: { from: 10, to: 1000, factor: 2, precision: 0.1, integer: true, stepMs: null, warmupMs: null },
    builtinTarget: null,
    result: { steps: made, stop, capacity, firstBad },
    startedAt: new Date('2026-12-07T10:00:00.000Z'),
    endedAt: new Date('2026-12-07T10:12:30.500Z'),
  });
}
