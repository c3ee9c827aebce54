// A step that ended early in the capacity report: failed on the SLO it broke beyond recovery
// (not on the others, which the part that ran does not judge), marked in the table, the page
// and capacity.json, whose schema holds it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failedSlos, firstBreak } from '../../src/capacity/evidence.js';
import { renderCapacityHtml } from '../../src/capacity/html.js';
import { buildCapacityReport, capacityReportProblem, type CapacityReport } from '../../src/capacity/report.js';
import { renderCapacityTable } from '../../src/capacity/table.js';
import { capacityFixture, failing, passing } from '../helpers/ci-fixtures.js';

const REASON = "broken beyond recovery: ttft p99 < 2s (4 streams' ttft past 2000ms already, and the p99 of at most 356 streams allows 3)";

/** Steps at 10 (pass), 20 (ended early on ttft; itl read past its limit on the part that ran) and 15 (pass). */
function report(): CapacityReport {
  const base = capacityFixture(
    'found',
    [
      { level: 10, ttftP99: 900 },
      { level: 20, ttftP99: 2500 },
      { level: 15, ttftP99: 1200 },
    ],
    15,
    20,
  );
  const steps = base.steps.map((s) =>
    s.level !== 20
      ? s
      : {
          ...s,
          pass: false,
          slos: [failing('ttft p99 < 2s', 2500, '2500ms'), failing('itl p99 < 200ms', 240, '240ms'), passing('drop_rate < 1%', 0, '0%')],
          earlyStop: { rule: 'ttft p99 < 2s', reason: REASON, afterMs: 41_000 },
        },
  );
  return buildCapacityReport({
    version: '0.1.0',
    scenario: base.scenario,
    model: base.model,
    slos: ['ttft p99 < 2s', 'itl p99 < 200ms', 'drop_rate < 1%'],
    search: base.search,
    builtinTarget: null,
    result: { steps, stop: 'found', capacity: 15, firstBad: 20 },
    startedAt: new Date(base.startedAt),
    endedAt: new Date(base.endedAt),
  });
}

test('a step that ended early failed the SLO it broke beyond recovery, and only that one', () => {
  const r = report();
  const early = r.steps.find((s) => s.level === 20);
  assert.ok(early !== undefined);
  assert.deepEqual(
    failedSlos(early).map((x) => x.rule),
    ['ttft p99 < 2s'],
  );
  assert.deepEqual(firstBreak(r.steps), { rule: 'ttft p99 < 2s', shown: '2500ms', level: 20 });
  assert.match(r.answer, /^capacity: 15 sessions within every SLO \(20 sessions broke one/);
});

test('the table and the page say it ended early; capacity.json holds why', () => {
  const r = report();
  const table = renderCapacityTable(r);
  assert.match(table, /^2 +20 +FAIL ttft p99 < 2s \(ended early\) /m);
  assert.doesNotMatch(table, /itl p99 < 200ms \(ended/);
  assert.match(table, /^1 +10 +pass/m);
  const html = renderCapacityHtml(r, { uplotJs: '', uplotCss: '' });
  assert.match(html, /title="broken beyond recovery: ttft p99 &lt; 2s \([^"]*">ended early<\/span>/, 'marked, with the reason on the mark');
  const json = JSON.parse(JSON.stringify(r)) as CapacityReport;
  assert.equal(capacityReportProblem(json), null);
  assert.deepEqual(json.steps.find((s) => s.level === 20)?.earlyStop, { rule: 'ttft p99 < 2s', reason: REASON, afterMs: 41_000 });
  // A report of an older version has no earlyStop: still read.
  const older = structuredClone(json) as unknown as { steps: Record<string, unknown>[] };
  for (const s of older.steps) delete s.earlyStop;
  assert.equal(capacityReportProblem(older), null);
  const wrong = structuredClone(json);
  (wrong.steps[1] as { earlyStop: unknown }).earlyStop = { rule: 'ttft p99 < 2s' };
  assert.match(capacityReportProblem(wrong) ?? '', /earlyStop/);
});
