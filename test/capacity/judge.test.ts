// A step's verdicts from its figures, with no run: SLOs judged on a summary, goodput judged
// stream by stream from streams.csv rows, a failure put down to the harness only when the
// harness can explain it, the evidence and the answer, and compare of two capacity reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { evidence, firstBreak } from '../../src/capacity/evidence.js';
import { csvCells, goodputFromCsv, judgeRow, perStreamRules } from '../../src/capacity/goodput.js';
import { answerText, buildCapacityReport } from '../../src/capacity/report.js';
import type { SearchResult } from '../../src/capacity/search.js';
import { judgeStep, type CapacityStep } from '../../src/capacity/step.js';
import { msText, renderCapacityTable } from '../../src/capacity/table.js';
import { STREAM_COLUMNS } from '../../src/report/csv-rows.js';
import type { Summary } from '../../src/report/summary.js';
import { parseRule, type Threshold } from '../../src/thresholds/rules.js';
import { cli, noStack, tempDir } from '../helpers/cli.js';

const rule = (text: string): Threshold => {
  const r = parseRule(text);
  if ('error' in r) throw new Error(r.error);
  return { ...r.rule, abortOnFail: false, abortGraceMs: 0 };
};

const OUTCOMES = {
  completed: 0,
  http_error: 0,
  bad_content_type: 0,
  connect_error: 0,
  reset: 0,
  eof_early: 0,
  client_idle_timeout: 0,
  client_lifetime: 0,
  protocol_error: 0,
  aborted: 0,
};

/** The fields a step's judgement reads; the rest of a summary is not consulted. */
function summary(o: {
  ttftP99: number;
  itlP99?: number;
  ttftCount?: number;
  outcomes?: Partial<typeof OUTCOMES>;
  errorCodes?: Record<string, number>;
  saturated?: { fromSecond: number; toSecond: number; lagP99Ms: number }[];
}): Summary {
  const stats = (p99: number) => ({ count: 100, min: 1, mean: p99 / 2, p50: p99 / 2, p90: p99 * 0.9, p99, p999: p99, max: p99 });
  const outcomes = { ...OUTCOMES, completed: 100, ...o.outcomes };
  const failed = Object.entries(outcomes)
    .filter(([k]) => k !== 'completed' && k !== 'aborted')
    .reduce((n, [, v]) => n + v, 0);
  const ended = outcomes.completed + failed + outcomes.aborted;
  return {
    metrics: {
      ttft: { ...stats(o.ttftP99), count: o.ttftCount ?? 100 },
      itl: stats(o.itlP99 ?? 50),
      e2e: stats(1000),
      connect: stats(1),
      tls: stats(0),
      ttfb: stats(5),
      deliveryLag: stats(1),
      scheduleLag: stats(0),
    },
    dropRate: failed / Math.max(1, ended - outcomes.aborted),
    outcomes,
    errorCodes: o.errorCodes ?? {},
    httpStatuses: {},
    streams: { started: ended, ended, failed, aborted: outcomes.aborted },
    totals: { tokensPerSecond: 100, eventsPerSecond: 100 },
    cuts: { total: 0, byKind: { idle: 0, lifetime: 0, silent: 0 }, groups: [], scattered: 0 },
    buffering: { verdict: 'streaming' },
    harness: { saturated: (o.saturated ?? []).map((s) => ({ ...s, process: '', cpuCoreShare: 0.5 })) },
    histograms: { ttft: 'HISTFAAAA' },
  } as unknown as Summary;
}

const timing = { warmupMs: 2000, measuredMs: 4000, drainMs: 5000 };

test('SLOs are judged on the step summary; a step that measured nothing does not pass', () => {
  const slos = [rule('ttft p99 < 2s'), rule('drop_rate < 1%')];
  assert.equal(judgeStep(summary({ ttftP99: 1500 }), slos, timing).pass, true);
  const j = judgeStep(summary({ ttftP99: 2400 }), slos, timing);
  assert.equal(j.pass, false);
  assert.equal(j.saturated, false);
  assert.deepEqual(
    j.slos.map((r) => r.pass),
    [false, true],
  );
  assert.equal(judgeStep(summary({ ttftP99: 0, outcomes: { completed: 0 } }), slos, timing).pass, false);
});

test('a dead target holds no load: latency SLOs over no samples fail, with or without a drop rule', () => {
  // Every stream a connect_error: the ttft histogram is empty and its p99 reads 0 ms.
  const dead = summary({ ttftP99: 0, ttftCount: 0, outcomes: { completed: 0, connect_error: 500 } });
  const j = judgeStep(dead, [rule('ttft p99 < 2s'), rule('itl p99 < 200ms')], timing);
  assert.equal(j.pass, false);
  assert.equal(j.slos[0]?.pass, false);
  assert.equal(j.slos[0]?.shown, 'no samples');
  // A count rule is still a count: zero samples is a measurement.
  assert.equal(judgeStep(dead, [rule('ttft count == 0')], timing).slos[0]?.pass, true);
});

test("a failure is the harness's only when its lag or saturation can explain every failed rule", () => {
  const slos = [rule('ttft p99 < 2s'), rule('drop_rate < 1%')];
  const late = [{ fromSecond: 3, toSecond: 4, lagP99Ms: 500 }];
  // 2.3 s with a harness 500 ms late: it may be the harness's.
  assert.equal(judgeStep(summary({ ttftP99: 2300, saturated: late }), slos, timing).saturated, true);
  // 4 s: past what 500 ms of lag explains.
  assert.equal(judgeStep(summary({ ttftP99: 4000, saturated: late }), slos, timing).saturated, false);
  // Saturated only in the warm-up: the measured part is clean.
  assert.equal(judgeStep(summary({ ttftP99: 2300, saturated: [{ fromSecond: 0, toSecond: 1, lagP99Ms: 500 }] }), slos, timing).saturated, false);
  // A peer's resets are never the harness's; its own idle timeouts may be, when it was saturated long enough.
  assert.equal(judgeStep(summary({ ttftP99: 100, outcomes: { reset: 5 }, saturated: late }), slos, timing).saturated, false);
  assert.equal(judgeStep(summary({ ttftP99: 100, outcomes: { client_idle_timeout: 5 }, saturated: late }), slos, timing).saturated, true);
  // A passing step passed, whatever the harness did: its lag only adds to what it measured.
  assert.equal(judgeStep(summary({ ttftP99: 100, saturated: late }), slos, timing).pass, true);
});

test('streams.csv cells: quoted, with commas and quotes inside', () => {
  assert.deepEqual(csvCells('1,"a,b","say ""hi""",,x'), ['1', 'a,b', 'say "hi"', '', 'x']);
  assert.deepEqual(csvCells(''), ['']);
});

test('goodput: each stream judged on its own ttft and its own worst gap; warm-up and aborted streams not judged', async () => {
  const rules = perStreamRules([rule('ttft p99 < 2s'), rule('itl p99 < 200ms'), rule('drop_rate < 1%')]);
  assert.deepEqual(
    rules.map((r) => r.text),
    ['ttft p99 < 2s', 'itl p99 < 200ms'],
  );
  const dir = tempDir();
  const file = join(dir, 'streams.csv');
  const row = (o: Record<string, string>): string => STREAM_COLUMNS.map((c) => o[c] ?? '').join(',');
  const rows = [
    { warmup: '0', outcome: 'completed', ttft_ms: '150.000', max_itl_ms: '60.000' }, // good
    { warmup: '0', outcome: 'completed', ttft_ms: '2500.000', max_itl_ms: '60.000' }, // slow first token
    { warmup: '0', outcome: 'completed', ttft_ms: '150.000', max_itl_ms: '900.000' }, // one long stall, though its p99 might hide it
    { warmup: '0', outcome: 'reset', ttft_ms: '150.000', max_itl_ms: '60.000' }, // failed
    { warmup: '0', outcome: 'completed', ttft_ms: '150.000', max_itl_ms: '' }, // one token: no gap to break
    { warmup: '1', outcome: 'completed', ttft_ms: '9000.000', max_itl_ms: '60.000' }, // warm-up: not judged
    { warmup: '0', outcome: 'aborted', ttft_ms: '150.000', max_itl_ms: '' }, // step ended: not judged
  ];
  writeFileSync(file, [STREAM_COLUMNS.join(','), ...rows.map(row)].join('\n') + '\n');
  const g = await goodputFromCsv(file, [rule('ttft p99 < 2s'), rule('itl p99 < 200ms')], 2000);
  assert.deepEqual({ judged: g.judged, good: g.good, share: g.share, perSecond: g.perSecond }, { judged: 5, good: 2, share: 0.4, perSecond: 1 });
  assert.equal(
    judgeRow(() => '', rules),
    null,
    'a row with no outcome is not judged',
  );
  // The same file saved again as UTF-16 LE with a BOM (a spreadsheet's "Unicode"), or UTF-8 with
  // one (its BOM would make the first column's name "\uFEFFseq"): read alike.
  const text = [STREAM_COLUMNS.join(','), ...rows.map(row)].join('\r\n') + '\r\n';
  for (const [name, bytes] of [
    ['utf-16le', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])],
    ['utf-8 with a BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])],
  ] as const) {
    writeFileSync(file, bytes);
    const again = await goodputFromCsv(file, [rule('ttft p99 < 2s'), rule('itl p99 < 200ms')], 2000);
    assert.deepEqual({ judged: again.judged, good: again.good }, { judged: 5, good: 2 }, name);
  }
});

test('goodput: a tpot rule is judged on the stream’s own tpot_ms; a one-token reply has none and cannot break it', async () => {
  const rules = perStreamRules([rule('tpot p99 < 50ms'), rule('e2e p99 < 10s')]);
  assert.deepEqual(
    rules.map((r) => r.text),
    ['tpot p99 < 50ms', 'e2e p99 < 10s'],
  );
  const cells =
    (o: Record<string, string>) =>
    (name: string): string =>
      o[name] ?? '';
  assert.equal(judgeRow(cells({ warmup: '0', outcome: 'completed', tpot_ms: '20.000', e2e_ms: '900.000' }), rules), true);
  assert.equal(judgeRow(cells({ warmup: '0', outcome: 'completed', tpot_ms: '80.000', e2e_ms: '900.000' }), rules), false);
  assert.equal(judgeRow(cells({ warmup: '0', outcome: 'completed', tpot_ms: '', e2e_ms: '300.000' }), rules), true, 'one token');
  const dir = tempDir();
  const old = join(dir, 'old.csv');
  writeFileSync(old, `${STREAM_COLUMNS.filter((c) => c !== 'tpot_ms').join(',')}\n`);
  await assert.rejects(goodputFromCsv(old, [rule('tpot p99 < 50ms')], 1000), /no tpot_ms column/, 'an older file cannot be judged on tpot: said, not passed');
});

function step(level: number, s: Summary, slos: Threshold[]): CapacityStep {
  const j = judgeStep(s, slos, timing);
  return {
    index: 0,
    level,
    dir: `steps/${level}`,
    timing,
    ...j,
    goodput: { judged: 100, good: 90, share: 0.9, perSecond: 9, rules: [] },
    earlyStop: null,
    summary: s,
  };
}

function report(levels: [number, Summary][], stop: SearchResult<CapacityStep>['stop'], capacity: number | null, firstBad: number | null) {
  const slos = [rule('ttft p99 < 2s'), rule('drop_rate < 1%')];
  const steps = levels.map(([l, s], i) => ({ ...step(l, s, slos), index: i }));
  return buildCapacityReport({
    version: 'test',
    scenario: { name: 'tier <a>', file: 'x.yaml' },
    model: 'closed',
    slos: slos.map((s) => s.text),
    search: { from: 100, to: 10_000, factor: 2, precision: 0.1, integer: true, stepMs: null, warmupMs: null },
    builtinTarget: null,
    result: { steps, stop, capacity, firstBad },
    startedAt: new Date(0),
    endedAt: new Date(1000),
  });
}

test('the answer names the capacity, the first SLO to break with its value and load, and the evidence with its hint', () => {
  const r = report(
    [
      [800, summary({ ttftP99: 900 })],
      [1400, summary({ ttftP99: 1200, outcomes: { connect_error: 1, completed: 400 }, errorCodes: { ECONNRESET: 1 } })],
      [1450, summary({ ttftP99: 2400, outcomes: { connect_error: 30 }, errorCodes: { ECONNRESET: 30 } })],
      [1600, summary({ ttftP99: 3000, outcomes: { connect_error: 60 }, errorCodes: { ECONNRESET: 60 } })],
    ],
    'found',
    1400,
    1450,
  );
  assert.deepEqual(firstBreak(r.steps), { rule: 'ttft p99 < 2s', shown: '2400ms', level: 1450 });
  const ev = evidence(r.steps)[0];
  assert.equal(ev?.what, 'connect_error ECONNRESET');
  assert.equal(ev?.fromLevel, 1400);
  assert.match(ev?.hint ?? '', /nginx worker_connections/);
  assert.match(
    r.answer,
    /^capacity: 1,400 sessions within every SLO \(1,450 sessions broke one; precision 10%\); first to break: ttft p99 < 2s \(measured 2400ms at 1,450 sessions\); connect_error ECONNRESET from 1,400 sessions/,
  );
  const table = renderCapacityTable(r);
  assert.match(table, /^1 +800 +pass/m);
  assert.match(table, /evidence: connect_error ECONNRESET from 1,400/);
});

test("a background section: its requests' p99 while the streams ran, per step", () => {
  const withBg = (p99: number): Summary =>
    ({
      ...summary({ ttftP99: 500 }),
      background: { url: 'http://x/healthz', method: 'GET', connections: 2, rate: null, phases: [{ name: 'during', latencyMs: { p99 } }] },
    }) as unknown as Summary;
  const r = report(
    [
      [10, withBg(4)],
      [20, withBg(250)],
    ],
    'reached_max',
    20,
    null,
  );
  const table = renderCapacityTable(r);
  assert.match(table, /bg p99/);
  assert.match(table, /^2 +20 +pass .* 250ms +-$/m);
});

test('the other answers: below --from, at least --to, more than N with a saturated harness', () => {
  const base = {
    unit: 'sessions' as const,
    firstBreak: null,
    evidence: [],
    search: { from: 10, to: 100, factor: 2, precision: 0.1, integer: true, stepMs: null, warmupMs: null },
  };
  assert.match(
    answerText({ ...base, stop: 'first_step_failed', capacity: null, firstBad: 10 }),
    /no capacity found: even 10 sessions \(--from\) breaks an SLO/,
  );
  assert.match(answerText({ ...base, stop: 'reached_max', capacity: 100, firstBad: null }), /at least 100 sessions \(--to\)/);
  assert.match(
    answerText({ ...base, stop: 'harness_saturated', capacity: 40, firstBad: null }),
    /more than 40 sessions .*use more workers \(--workers\) or machines/,
  );
  assert.match(
    answerText({ ...base, stop: 'harness_saturated', capacity: null, firstBad: null }),
    /^no capacity measured: the harness itself saturated at the first step/,
  );
  assert.deepEqual([msText(58_600), msText(309.2), msText(4.5)], ['58.6s', '309ms', '4.50ms']);
});

test("compare refuses capacity reports mixed with runs, and gates other than the capacity's", async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'tier-a'));
  writeFileSync(join(dir, 'tier-a', 'capacity.json'), JSON.stringify(report([[100, summary({ ttftP99: 500 })]], 'reached_max', 100, null)));
  const a = join(dir, 'tier-a');
  mkdirSync(join(dir, 'run'));
  writeFileSync(join(dir, 'run', 'summary.json'), '{}');
  const mixed = await cli(['compare', a, join(dir, 'run'), '--html', join(dir, 'e.html')]);
  noStack(mixed.stderr);
  assert.equal(mixed.code, 2);
  assert.match(mixed.stderr, /compare runs with runs, capacity reports with capacity reports/);
  const gate = await cli(['compare', a, a, '--html', join(dir, 'f.html'), '--fail-on', 'ttft.p99 +10%']);
  assert.equal(gate.code, 2);
  assert.match(gate.stderr, /capacity -N%/);
  // A capacity.json whose step summaries are not summaries is refused, naming the field.
  const bad = await cli(['compare', a, a, '--html', join(dir, 'g.html')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /capacity\.json: steps\[0\]\.summary/);
});
