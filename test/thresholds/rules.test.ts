import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyOutcomeCounts } from '../../src/record/outcome.js';
import { evaluate, parseRule, type RuleFigures } from '../../src/thresholds/rules.js';

function rule(text: string): NonNullable<Extract<ReturnType<typeof parseRule>, { rule: unknown }>['rule']> {
  const r = parseRule(text);
  if ('error' in r) assert.fail(`${text}: ${r.error}`);
  return r.rule;
}

const stats = (p99: number) => ({ count: 100, min: 1, mean: p99 / 2, p50: p99 / 3, p90: p99 / 1.5, p99, p999: p99 * 1.2, max: p99 * 2 });

function figures(): RuleFigures {
  const outcomes = { ...emptyOutcomeCounts(), completed: 990, reset: 4, eof_early: 6, aborted: 50 };
  return {
    metrics: {
      connect: stats(5),
      tls: stats(3),
      ttfb: stats(40),
      ttft: stats(1800),
      itl: stats(120),
      tpot: stats(40),
      e2e: stats(30_000),
      deliveryLag: stats(2),
      scheduleLag: stats(1),
      ttftAny: stats(900),
    },
    dropRate: 10 / 1000,
    outcomes,
    streams: { started: 1050, ended: 1050, aborted: 50 },
    totals: { tokensPerSecond: 950.5, eventsPerSecond: 1000 },
    cuts: { byKind: { idle: 7, lifetime: 0, silent: 2 } },
  };
}

test('the example rules of docs/scenarios.md#thresholds parse', () => {
  assert.deepEqual(rule('ttft p99 < 2s').subject, { kind: 'latency', metric: 'ttft', stat: 'p99' });
  assert.equal(rule('ttft p99 < 2s').value, 2000);
  assert.equal(rule('itl p99 < 250ms').value, 250);
  assert.deepEqual(rule('drop_rate < 0.1%').subject, { kind: 'dropRate' });
  assert.equal(rule('drop_rate < 0.1%').value, 0.001);
  assert.deepEqual(rule('outcome.reset == 0').subject, { kind: 'outcome', outcome: 'reset', share: false });
  assert.deepEqual(rule('completed >= 99%').subject, { kind: 'outcome', outcome: 'completed', share: true });
  assert.equal(rule('completed >= 99%').value, 0.99);
  assert.deepEqual(rule('ttft.p99.9<=3s').subject, { kind: 'latency', metric: 'ttft', stat: 'p999' });
  assert.deepEqual(rule('delivery_lag p50 < 5ms').subject, { kind: 'latency', metric: 'deliveryLag', stat: 'p50' });
  assert.deepEqual(rule('tokens_per_s > 100').subject, { kind: 'total', name: 'tokens_per_s' });
  assert.deepEqual(rule('tpot p99 < 50ms').subject, { kind: 'latency', metric: 'tpot', stat: 'p99' });
  assert.equal(evaluate(rule('tpot p99 < 50ms'), figures()).pass, true);
  assert.equal(evaluate(rule('tpot p99 < 30ms'), figures()).pass, false);
});

test('bad rules are rejected with the reason', () => {
  const bad: [string, RegExp][] = [
    ['ttft < 2s', /needs a statistic/],
    ['ttft p99 < 2', /compared with a duration/],
    ['ttft p42x < 2s', /not a rule|needs a statistic/],
    ['latency p99 < 2s', /unknown metric "latency"/],
    ['drop_rate < lots', /share such as 0.1%/],
    ['outcome.resets == 0', /unknown metric/],
    ['drop_rate p99 < 1%', /takes no statistic/],
    ['ttft p99 2s', /not a rule/],
    ['cuts.sudden == 0', /unknown kind of cut "sudden"/],
  ];
  for (const [text, why] of bad) {
    const r = parseRule(text);
    assert.ok('error' in r, `${text} should be rejected`);
    assert.match(r.error, why, text);
  }
});

test('rules evaluate against a run’s figures, with the value shown', () => {
  const f = figures();
  const check = (text: string): [boolean, string] => {
    const r = evaluate(rule(text), f);
    return [r.pass, r.shown];
  };
  assert.deepEqual(check('ttft p99 < 2s'), [true, '1800ms']);
  assert.deepEqual(check('ttft p99 < 1800ms'), [false, '1800ms']);
  assert.deepEqual(check('ttft p99 <= 1800ms'), [true, '1800ms']);
  assert.deepEqual(check('drop_rate < 0.1%'), [false, '1%']);
  assert.deepEqual(check('drop_rate <= 1%'), [true, '1%']);
  assert.deepEqual(check('outcome.reset == 0'), [false, '4']);
  assert.deepEqual(check('eof_early < 10'), [true, '6']);
  // completed ÷ (ended − aborted) = 990 / 1000
  assert.deepEqual(check('completed >= 99%'), [true, '99%']);
  assert.deepEqual(check('completed > 99%'), [false, '99%']);
  assert.deepEqual(check('streams >= 1000'), [true, '1050']);
  assert.deepEqual(check('itl count != 0'), [true, '100']);
  assert.deepEqual(check('cuts == 0'), [false, '9']);
  assert.deepEqual(check('cuts.idle <= 7'), [true, '7']);
  assert.deepEqual(check('cuts.lifetime == 0'), [true, '0']);
});

test('ttftAny, the first token of any kind (reasoning or answer), is a latency rules read like ttft', () => {
  assert.deepEqual(rule('ttftAny p99 < 1s').subject, { kind: 'latency', metric: 'ttftAny', stat: 'p99' });
  assert.deepEqual(rule('ttft_any p99 < 1s').subject, { kind: 'latency', metric: 'ttftAny', stat: 'p99' }, 'snake case, as delivery_lag');
  assert.equal(evaluate(rule('ttftAny p99 < 1s'), figures()).pass, true, '900 ms');
  assert.equal(evaluate(rule('ttft p99 < 1s'), figures()).pass, false, 'the answer’s first token, 1800 ms');
});
