// A rule broken beyond recovery (thresholds/early-stop.ts), held to the rule's own judgement:
// for every rule it decides, a stop is called exactly when no end of the run could pass the
// rule, the most favourable end (every stream still to come good, as many as the run can
// judge) included. The rules are judged as summary.json judges them (figuresForRules, evaluate),
// so a stop can never change a verdict, and none is called later than the counts allow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newHistogram } from '../../src/aggregate/histogram.js';
import { RunAggregate } from '../../src/aggregate/run-aggregate.js';
import { brokenBeyondRecovery, countAgainst, countAtPercentile, whyOnlyAtEnd } from '../../src/thresholds/early-stop.js';
import { figuresForRules } from '../../src/thresholds/judge.js';
import { evaluate, parseRule, type Threshold } from '../../src/thresholds/rules.js';

function rule(text: string): Threshold {
  const r = parseRule(text);
  if ('error' in r) assert.fail(`${text}: ${r.error}`);
  return { ...r.rule, abortOnFail: false, abortGraceMs: 0 };
}

/** A seeded generator (mulberry32): the same cases every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const passes = (t: Threshold, agg: RunAggregate): boolean => evaluate(t, figuresForRules(agg, 10_000)).pass;

test("countAtPercentile is HdrHistogram's own rank: one more value past it and the percentile reads it", () => {
  const h = newHistogram();
  for (const p of [50, 90, 99, 99.9, 100]) {
    for (let n = 1; n <= 1500; n++) {
      const allowed = n - countAtPercentile(p, n);
      for (const [high, readsHigh] of [
        [allowed, false],
        [allowed + 1, true],
      ] as const) {
        if (high > n) continue;
        h.reset();
        if (n - high > 0) h.recordValueWithCount(1000, n - high);
        if (high > 0) h.recordValueWithCount(5_000_000, high);
        assert.equal(h.getValueAtPercentile(p) >= 5_000_000, readsHigh, `p${p} of ${n} values, ${high} of them high`);
      }
    }
  }
});

test('what a percentile allows past its limit only grows with the count (so the most streams is the most favourable end)', () => {
  for (const p of [50, 90, 99, 99.9, 100]) {
    let last = -1;
    for (let n = 1; n <= 200_000; n++) {
      const allowed = n - countAtPercentile(p, n);
      assert.ok(allowed >= last, `p${p}: ${n} values allow ${allowed}, ${n - 1} allowed ${last}`);
      last = allowed;
    }
  }
});

test('a latency percentile or max: stopped on exactly when no end of the run can pass it', () => {
  const next = random(24);
  const rules = ['ttft p99 < 2s', 'ttft p90 <= 1500ms', 'ttft p50 < 800ms', 'e2e p999 < 30s', 'ttft max < 2s', 'ttfb p99 == 100ms'].map(rule);
  let stops = 0;
  let holds = 0;
  // 600 random cases (100 a rule): each makes run aggregates of every metric, some 8 ms, and the fast tier has a minute for all its files.
  for (let i = 0; i < 600; i++) {
    const t = rules[i % rules.length] as Threshold;
    const metric = t.subject.kind === 'latency' ? t.subject.metric : 'ttft';
    const limitUs = t.value * 1000;
    const maxJudged = 1 + Math.floor(next() * 400);
    const now = Math.floor(next() * (maxJudged + 1));
    const badShare = next() * 0.1;
    // Values near the limit, at it, a µs either side of it, and far from it: bucket edges included.
    const value = (): number => {
      const u = next();
      if (u < badShare) return limitUs + Math.floor(next() * 3) - 1 + (next() < 0.5 ? 0 : Math.floor(next() * limitUs));
      return Math.floor(next() * limitUs);
    };
    const agg = new RunAggregate();
    for (let k = 0; k < now; k++) agg.histograms[metric].recordValue(value());
    const against = countAgainst(t, [agg]);
    const broken = brokenBeyondRecovery(t, against, maxJudged) !== null;
    // The most favourable end: every stream still to come as fast as can be.
    const best = new RunAggregate();
    best.add(agg);
    if (maxJudged - now > 0) best.histograms[metric].recordValueWithCount(0, maxJudged - now);
    const why = `${t.text}: ${against} of ${now} past it, at most ${maxJudged}: ${broken ? 'stopped, yet the best end passes' : 'not stopped, yet even the best end fails'}`;
    // `==` can also be missed from below, so the end that passes it is not the fastest one: a stop is only checked to be right.
    if (t.op === '==') assert.ok(!broken || !passes(t, best), why);
    else assert.equal(passes(t, best), !broken, why);
    if (broken) {
      stops++;
      // Any other end fails too.
      const other = new RunAggregate();
      other.add(agg);
      const more = Math.floor(next() * (maxJudged - now + 1));
      for (let k = 0; k < more; k++) other.histograms[metric].recordValue(value());
      assert.equal(passes(t, other), false, `${t.text}: stopped, yet an end of ${now + more} streams passes`);
    } else holds++;
  }
  assert.ok(stops > 60 && holds > 60, `both cases are exercised: ${stops} stops, ${holds} not`);
});

test("counts from several variants or workers add up to the merged histogram's", () => {
  const t = rule('ttft p99 < 2s');
  const a = new RunAggregate();
  const b = new RunAggregate();
  for (const v of [100, 1_999_999, 2_000_000, 2_000_500, 9_000_000]) a.histograms.ttft.recordValue(v);
  for (const v of [2_001_000, 50]) b.histograms.ttft.recordValue(v);
  const merged = new RunAggregate();
  merged.add(a);
  merged.add(b);
  assert.equal(countAgainst(t, [a, b]), countAgainst(t, [merged]));
  // 1,999,999 µs shares its bucket with 2 s (the bucket reads 2000.383 ms): it counts against the rule, as the report would read it.
  assert.equal(countAgainst(t, [merged]), 5);
});

/** An aggregate whose measured streams ended as given (nothing else is read by these rules). */
function ended(outcomes: Partial<Record<'completed' | 'reset' | 'http_error' | 'aborted', number>>): RunAggregate {
  const agg = new RunAggregate();
  for (const [o, n] of Object.entries(outcomes)) agg.outcomes[o as 'completed'] = n;
  return agg;
}

test('drop rate and outcome shares: stopped on exactly when even every stream still to come completing cannot pass', () => {
  const next = random(7);
  const rules = ['drop_rate < 1%', 'drop_rate <= 0.5%', 'drop_rate == 0', 'outcome.reset < 2%', 'completed >= 99%', 'completed > 95%'].map(rule);
  let stops = 0;
  for (let i = 0; i < 5000; i++) {
    const t = rules[i % rules.length] as Threshold;
    const maxJudged = 1 + Math.floor(next() * 1000);
    const judged = Math.floor(next() * (maxJudged + 1));
    const failed = Math.floor(next() * Math.min(judged, Math.ceil(maxJudged * 0.05)) + 0.5);
    const reset = Math.floor(failed / 2);
    const agg = ended({ completed: judged - failed, reset, http_error: failed - reset, aborted: Math.floor(next() * 20) });
    const broken = brokenBeyondRecovery(t, countAgainst(t, [agg]), maxJudged) !== null;
    const best = ended({ completed: maxJudged - failed, reset, http_error: failed - reset, aborted: agg.outcomes.aborted });
    assert.equal(passes(t, best), !broken, `${t.text}: ${failed} failed of ${judged}, at most ${maxJudged}`);
    if (broken) stops++;
  }
  assert.ok(stops > 500, `${stops} stops`);
});

test('counts alone break an outcome count, the cuts and a max, with or without a known number of streams', () => {
  const reset = rule('outcome.reset == 0');
  assert.equal(brokenBeyondRecovery(reset, countAgainst(reset, [ended({ completed: 10 })]), null), null);
  assert.match(brokenBeyondRecovery(reset, countAgainst(reset, [ended({ completed: 10, reset: 1 })]), null) ?? '', /1 streams ended reset already/);
  const cuts = rule('cuts < 3');
  const agg = new RunAggregate();
  agg.cuts.histograms.idle.recordValueWithCount(60_000_000, 2);
  assert.equal(brokenBeyondRecovery(cuts, countAgainst(cuts, [agg]), null), null);
  agg.cuts.histograms.lifetime.recordValue(30_000_000);
  assert.notEqual(brokenBeyondRecovery(cuts, countAgainst(cuts, [agg]), null), null);
  const itlMax = rule('itl max < 1s');
  const gaps = new RunAggregate();
  gaps.histograms.itl.recordValueWithCount(50_000, 10_000);
  assert.equal(brokenBeyondRecovery(itlMax, countAgainst(itlMax, [gaps]), null), null);
  gaps.histograms.itl.recordValue(1_200_000);
  assert.match(brokenBeyondRecovery(itlMax, countAgainst(itlMax, [gaps]), null) ?? '', /1 itl value past 1000ms/);
});

test('a count past the most streams the run can judge is a wrong bound, never a stop', () => {
  const t = rule('ttft p99 < 2s');
  assert.equal(brokenBeyondRecovery(t, 101, 100), null);
  assert.notEqual(brokenBeyondRecovery(t, 100, 100), null);
  assert.equal(brokenBeyondRecovery(rule('drop_rate < 1%'), 11, 10), null);
});

test('what only the end can judge, and why', () => {
  const cases: [string, boolean, RegExp | null][] = [
    ['ttft p99 < 2s', true, null],
    ['ttft p99 < 2s', false, /not known ahead/],
    ['ttft max < 2s', false, null],
    ['itl p99 < 200ms', true, /itl is counted per event/],
    ['itl max < 1s', true, null],
    ['deliveryLag p99 < 50ms', true, /per event/],
    ['ttft mean < 1s', true, /mean can move either way/],
    ['ttft p99 > 10ms', true, /still to come can meet it/],
    ['drop_rate < 1%', true, null],
    ['drop_rate < 1%', false, /not known ahead/],
    ['drop_rate != 0', true, /still to come/],
    ['outcome.reset == 0', false, null],
    ['completed >= 99%', true, null],
    ['completed >= 99%', false, /not known ahead/],
    ['completed > 1000', true, /still to come/],
    ['outcome.aborted == 0', true, /aborted/],
    ['cuts == 0', false, null],
    ['tokens_per_s > 100', true, /either way/],
  ];
  for (const [text, countKnown, why] of cases) {
    const got = whyOnlyAtEnd(rule(text), countKnown);
    if (why === null) assert.equal(got, null, `${text} (count ${countKnown ? 'known' : 'unknown'}) can stop a run early`);
    else assert.match(got ?? '', why, `${text} (count ${countKnown ? 'known' : 'unknown'})`);
  }
});
