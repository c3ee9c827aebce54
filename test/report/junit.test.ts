// The JUnit XML of run, compare and capacity: the cases a CI user gates on, names that must be
// escaped read back by a real XML parser, and every document rendered here valid against the
// published schemas CI readers follow (Jenkins' and Apache Ant's, test/helpers/junit-schemas.ts;
// checked together at the end, as each xmllint run costs most of a second).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { capacityReportProblem } from '../../src/capacity/report.js';
import { CAPACITY_CASE, renderCapacityJunit } from '../../src/capacity/junit.js';
import { judgeGates, parseFailOn, type FailOn } from '../../src/compare/fail-on.js';
import { renderCompareJunit } from '../../src/compare/junit.js';
import { junitSeconds, junitTimestamp, renderJunit, xmlAttr, xmlText } from '../../src/report/junit-xml.js';
import { renderRunJunit, RUN_CASE } from '../../src/report/junit.js';
import { measuredAndLimit, msText, thresholdMessage } from '../../src/report/threshold-text.js';
import { capacityFixture, failing, NASTY_NAME, passing, summaryFixture, withVariants } from '../helpers/ci-fixtures.js';
import { junitSchemaErrors, xpathStrings } from '../helpers/junit-schemas.js';

const CTX = { hostname: 'ci-runner-1', reportDir: 'reports/chat-20261207T100000Z' };

/** Every document rendered by the tests below, validated by the last test. */
const rendered: { name: string; xml: string }[] = [];
function keep(name: string, xml: string): string {
  rendered.push({ name, xml });
  return xml;
}

describe('threshold messages', () => {
  test('the measured value and the limit, each in its unit', () => {
    assert.equal(thresholdMessage(failing('ttft p99 < 2s', 2310, '2310ms')), 'ttft p99 = 2.31 s, limit < 2 s');
    assert.equal(thresholdMessage(failing('itl p99 <= 150ms', 212.44, '212.44ms')), 'itl p99 = 212 ms, limit <= 150 ms');
    assert.equal(thresholdMessage(failing('drop_rate < 0.1%', 0.0052, '0.52%')), 'drop_rate = 0.52%, limit < 0.1%');
    assert.equal(thresholdMessage(failing('completed >= 99%', 0.9712, '97.12%')), 'completed = 97.1%, limit >= 99%');
    assert.equal(thresholdMessage(failing('outcome.reset == 0', 3, '3')), 'outcome.reset = 3, limit == 0');
    assert.equal(thresholdMessage(failing('cuts.idle == 0', 12, '12')), 'cuts.idle = 12, limit == 0');
    assert.equal(thresholdMessage(failing('ttft count >= 1000', 950, '950')), 'ttft count = 950, limit >= 1000');
  });

  test('a value just past its limit never reads as the limit', () => {
    assert.equal(thresholdMessage(failing('ttft p99 < 2s', 2000.4, '2000.4ms')), 'ttft p99 = 2.0004 s, limit < 2 s');
    assert.equal(
      thresholdMessage(failing('ttft p99 < 2s', 2000, '2000ms')),
      'ttft p99 = 2 s, limit < 2 s',
      'equal to a strict limit fails, and reads as equal',
    );
    assert.deepEqual(measuredAndLimit(1999.99, 2001, msText), ['2 s', '2.001 s']);
  });

  test('a rule an older sse-soak wrote in another grammar still shows what was measured', () => {
    assert.equal(thresholdMessage(failing('latency p99 < 2s', 2500, '2500ms')), 'latency p99 < 2s: measured 2500ms');
  });
});

describe('XML', () => {
  test('text and attributes escape markup, quotes and line ends; characters XML cannot carry are replaced', () => {
    assert.equal(xmlText('a<b>&c'), 'a&lt;b&gt;&amp;c');
    assert.equal(xmlAttr(`"x" 'y'\n\tz`), '&quot;x&quot; &apos;y&apos;&#10;&#9;z');
    assert.equal(xmlText('bell\u0007 nul\u0000 \uD800 \uFFFE ok \u{1F600}'), 'bell\uFFFD nul\uFFFD \uFFFD \uFFFD ok \u{1F600}');
  });

  test('times and timestamps as the schemas have them', () => {
    assert.equal(junitSeconds(3.10749), '3.107');
    assert.equal(junitSeconds(Number.NaN), '0.000');
    assert.equal(junitTimestamp(new Date('2026-12-07T10:00:00.537Z')), '2026-12-07T10:00:00');
  });

  test('a suite with no case, no property and a blank name is still one the schemas take', () => {
    const xml = keep(
      'empty suite',
      renderJunit([{ name: ' ', package: 'sse-soak.compare', startedAt: new Date(0), timeS: 0, hostname: '', properties: [], cases: [], systemOut: '' }]),
    );
    assert.match(
      xml,
      /<testsuite name="sse-soak" package="sse-soak.compare" id="0" timestamp="1970-01-01T00:00:00" hostname="localhost" tests="0" failures="0" errors="0" time="0.000">/,
    );
    assert.match(xml, /<property name="generator" value="sse-soak"\/>/);
  });
});

describe('run', () => {
  test('a case per rule and one for the run; a failure carries the measured value and the limit', () => {
    const s = summaryFixture((x) => {
      x.thresholds = [failing('ttft p99 < 2s', 2310, '2310ms'), passing('drop_rate < 1%', 0, '0%')];
    });
    const xml = keep('run', renderRunJunit(s, CTX));
    assert.match(
      xml,
      /<testsuite name="quickstart" package="sse-soak.run" id="0" timestamp="2026-12-02T03:16:29" hostname="ci-runner-1" tests="3" failures="1" errors="0" time="2.028">/,
    );
    assert.match(
      xml,
      new RegExp(`<testcase name="${RUN_CASE}" classname="quickstart" time="2.028"/>`),
      "the run finished as scheduled, and took the run's time",
    );
    assert.match(xml, /<testcase name="drop_rate &lt; 1%" classname="quickstart" time="0.000"\/>/);
    assert.match(
      xml,
      /<testcase name="ttft p99 &lt; 2s" classname="quickstart" time="0.000">\n {6}<failure type="threshold" message="ttft p99 = 2.31 s, limit &lt; 2 s">ttft p99 = 2.31 s, limit &lt; 2 s\n/,
    );
    assert.match(xml, /report: reports\/chat-20261207T100000Z\n<\/failure>/);
    assert.match(xml, /<property name="report" value="reports\/chat-20261207T100000Z"\/>/);
    assert.match(xml, /<system-out>sse-soak · quickstart · closed model, 50 sessions/, 'the console summary');
  });

  test('names from the scenario, the rules and the stop reason are escaped, and a parser reads them back as written', async () => {
    const s = summaryFixture((x) => {
      x.scenario.name = NASTY_NAME;
      x.thresholds = [failing('ttft p99 < 2s', 2310, '2310ms')];
      x.run.stopReason = `threshold failed: <&"'>\nsecond line`;
      x.run.stoppedEarly = true;
    });
    const xml = keep('nasty names', renderRunJunit(s, CTX));
    const [suite, classname, message, failure] = await xpathStrings(xml, [
      '//testsuite/@name',
      '//testcase[2]/@classname',
      '//error/@message',
      '//testcase[2]/failure',
    ]);
    const readable = NASTY_NAME.replace('\u0001', '\uFFFD');
    assert.equal(suite, readable);
    assert.equal(classname, readable);
    assert.equal(message, `stopped early: threshold failed: <&"'>\nsecond line (after 2.0 s of 2.0 s scheduled)`);
    assert.match(failure ?? '', /^ttft p99 = 2\.31 s, limit < 2 s\n/);
  });

  test('a run stopped early or interrupted is an error case; the rules are still judged on what ran', () => {
    for (const [reason, type] of [
      ['threshold failed: ttft p99 < 2s (measured 2500ms)', 'stopped_early'],
      ['interrupted', 'interrupted'],
    ] as const) {
      const s = summaryFixture((x) => {
        x.run.stopReason = reason;
        x.run.stoppedEarly = true;
        x.run.durationMs = 800;
        x.thresholds = [failing('ttft p99 < 2s', 2500, '2500ms')];
      });
      const xml = keep(type, renderRunJunit(s, CTX));
      assert.match(xml, /tests="2" failures="1" errors="1" time="0.800"/, reason);
      assert.match(
        xml,
        new RegExp(
          `<testcase name="${RUN_CASE}" classname="quickstart" time="0.800">\\n {6}<error type="${type}" message="[^"]*after 0.8 s of 2.0 s scheduled\\)">`,
        ),
        reason,
      );
    }
    const broken = summaryFixture((x) => {
      x.run.internalErrors = ['boom'];
    });
    assert.match(keep('internal error', renderRunJunit(broken, CTX)), /<error type="internal_error" message="internal error \(a bug in sse-soak\): boom/);
  });

  test("rules are judged on every variant together: one case each, with each variant's own value in the text", () => {
    const s = summaryFixture((x) => {
      withVariants(x);
      x.thresholds = [failing('ttft p99 < 2s', 2310, '2310ms'), failing('cuts == 0', 2, '2')];
    });
    const xml = keep('variants', renderRunJunit(s, CTX));
    assert.match(xml, /tests="3" failures="2"/);
    assert.match(xml, /by variant, for reading \(the rule judges them together\): fast 900 ms, slow &lt;&amp;&gt; 3.1 s \(would fail alone\)/);
    assert.equal(xml.match(/by variant/g)?.length, 1, 'cuts are counted for the run only');
  });

  test('a rule given twice (in the scenario and by --threshold) is two cases with two names', () => {
    const s = summaryFixture((x) => {
      x.thresholds = [passing('drop_rate < 1%', 0, '0%'), passing('drop_rate < 1%', 0, '0%')];
    });
    const xml = keep('a rule twice', renderRunJunit(s, CTX));
    assert.match(xml, /<testcase name="drop_rate &lt; 1%" classname="quickstart"[^>]*\/>\n {4}<testcase name="drop_rate &lt; 1% \(2\)"/);
  });

  test("a shard is named as one, so that the shards' files are suites of their own", () => {
    const s = summaryFixture((x) => {
      x.run.shard = { index: 1, count: 3 };
    });
    assert.match(keep('shard', renderRunJunit(s, CTX)), /<testsuite name="quickstart \(shard 2\/3\)"/);
  });
});

describe('compare', () => {
  const gate = (text: string): FailOn => {
    const g = parseFailOn(text);
    if ('error' in g) throw new Error(g.error);
    return g;
  };

  test('a case per gate and run; a regression is a failure with the value, the limit and the baseline', () => {
    const base = summaryFixture();
    const slower = summaryFixture((x) => {
      x.metrics.ttft = { ...x.metrics.ttft, p99: 513 };
    });
    const gates = judgeGates([gate('ttft.p99 +10%'), gate('drop_rate +0.05pp')], ['v1', 'v2 <&>'], [base, slower], 0);
    const xml = keep(
      'compare',
      renderCompareJunit(gates, {
        scenario: 'quickstart',
        hostname: 'h',
        at: new Date('2026-12-07T10:00:00Z'),
        htmlFile: 'reports/compare.html',
        names: ['v1', 'v2 <&>'],
        baseline: 0,
        table: 'table',
      }),
    );
    assert.match(
      xml,
      /<testsuite name="quickstart" package="sse-soak.compare" id="0" timestamp="2026-12-07T10:00:00" hostname="h" tests="2" failures="1" errors="0" time="0.000">/,
    );
    assert.match(
      xml,
      /<testcase name="ttft.p99 \+10%" classname="v2 &lt;&amp;&gt;" time="0.000">\n {6}<failure type="regression" message="ttft.p99 = 513 ms, limit &lt;= 375.935 ms \(baseline 341.759 ms \+10%\)">/,
    );
    assert.match(xml, /<testcase name="drop_rate \+0.05pp" classname="v2 &lt;&amp;&gt;" time="0.000"\/>/);
  });
});

describe('capacity', () => {
  test("found: the capacity passes, and each SLO is shown at the capacity's step", () => {
    const r = capacityFixture(
      'found',
      [
        { level: 10, ttftP99: 400 },
        { level: 20, ttftP99: 900 },
        { level: 40, ttftP99: 2600 },
        { level: 30, ttftP99: 1700 },
        { level: 35, ttftP99: 2100 },
      ],
      30,
      35,
    );
    assert.equal(capacityReportProblem(JSON.parse(JSON.stringify(r))), null, 'a capacity.json sse-soak reads');
    const xml = keep('capacity found', renderCapacityJunit(r, CTX));
    assert.match(
      xml,
      /<testsuite name="chat" package="sse-soak.capacity" id="0" timestamp="2026-12-07T10:00:00" hostname="ci-runner-1" tests="3" failures="0" errors="0" time="750.500">/,
      "the capacity and the 2 SLOs, not a case per step: the steps past a capacity fail, as every search's do",
    );
    assert.match(xml, new RegExp(`<testcase name="${CAPACITY_CASE}" classname="chat" time="750.500"/>`));
    assert.match(xml, /<property name="capacity" value="30"\/>/);
    assert.match(xml, /<property name="slos.judged.at" value="30"\/>/);
    assert.match(xml, /<system-out>capacity: chat · closed model[^]*capacity: 30 sessions within every SLO/);
  });

  test('no capacity: the capacity fails, and the SLOs that broke at the first step fail with their values', () => {
    const r = capacityFixture('first_step_failed', [{ level: 10, ttftP99: 2400 }], null, 10);
    const xml = keep('capacity none', renderCapacityJunit(r, CTX));
    assert.match(xml, /tests="3" failures="2" errors="0"/);
    assert.match(
      xml,
      /<testcase name="capacity" classname="chat" time="750.500">\n {6}<failure type="no_capacity" message="no capacity found: even 10 sessions \(--from\) breaks an SLO/,
    );
    assert.match(xml, /<failure type="slo" message="ttft p99 = 2.4 s, limit &lt; 2 s at 10 sessions">/);
    assert.match(xml, /<testcase name="drop_rate &lt; 1%" classname="chat" time="0.000"\/>/);
  });

  test('a saturated harness or an interrupted search is an error, as its exit code (3, 130) is no verdict', () => {
    const saturated = capacityFixture(
      'harness_saturated',
      [
        { level: 10, ttftP99: 400 },
        { level: 20, ttftP99: 2500, saturated: true },
      ],
      10,
      null,
    );
    assert.match(
      keep('capacity saturated', renderCapacityJunit(saturated, CTX)),
      /<testcase name="capacity" classname="chat" time="750.500">\n {6}<error type="harness_saturated" message="capacity: more than 10 sessions/,
    );
    const interrupted = capacityFixture('interrupted', [], null, null, NASTY_NAME);
    const xml = keep('capacity interrupted', renderCapacityJunit(interrupted, CTX));
    assert.match(xml, /<error type="interrupted"/);
    assert.match(xml, /tests="1"/, 'no step: no SLO to show');
  });
});

test("every document above is valid against Jenkins' and Apache Ant's JUnit schemas", async () => {
  assert.ok(rendered.length >= 12, `${rendered.length} documents`);
  // One the Ant schema refuses, so that a validator that took anything would not pass this test.
  const broken = {
    name: 'broken on purpose',
    xml: '<testsuites><testsuite name="x" tests="1"><testcase name="t"><failure>no type</failure></testcase></testsuite></testsuites>',
  };
  const errors = await junitSchemaErrors([...rendered, broken]);
  assert.deepEqual(errors.jenkins, []);
  assert.ok(errors.ant.length > 0);
  assert.deepEqual(
    errors.ant.filter((e) => !e.startsWith('broken on purpose: ')),
    [],
  );
});
