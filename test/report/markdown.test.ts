// The Markdown summaries of run, compare and capacity, as a CI page (GitHub's job summary, a
// GitLab MR note) renders them: the verdict in the heading, tables that stay tables whatever a
// name holds, and where the report is.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderCapacityMarkdown } from '../../src/capacity/markdown.js';
import { judgeGates, parseFailOn, type FailOn } from '../../src/compare/fail-on.js';
import { renderCompareMarkdown } from '../../src/compare/markdown.js';
import { compareCells } from '../../src/compare/table.js';
import { mdText, renderRunMarkdown, reportLink } from '../../src/report/markdown.js';
import { capacityFixture, failing, NASTY_NAME, passing, summaryFixture, withVariants } from '../helpers/ci-fixtures.js';
import { proseLines, tables } from '../helpers/markdown.js';

const CTX = { reportDir: 'reports/quickstart-20261207T100000Z', link: null };

const tablesOf = (md: string): ReturnType<typeof tables> => tables(proseLines(md));

describe('run', () => {
  const s = summaryFixture((x) => {
    x.thresholds = [failing('ttft p99 < 2s', 2310, '2310ms'), passing('drop_rate < 1%', 0, '0%')];
  });

  test('a heading with the scenario and the verdict; a row per rule with the measured value and the limit', () => {
    const md = renderRunMarkdown(s, CTX);
    assert.equal(md.split('\n')[0], '### ❌ sse-soak run · quickstart: 1 of 2 thresholds failed');
    const [rules] = tablesOf(md);
    assert.deepEqual(rules, {
      header: ['rule', 'measured', 'limit', 'result'],
      rows: [
        ['ttft p99 &lt; 2s', '2.31 s', '&lt; 2 s', '❌ fail'],
        ['drop\\_rate &lt; 1%', '0%', '&lt; 1%', '✅ pass'],
      ],
    });
  });

  test('the key latencies, drops, cuts, the buffering verdict and the report folder', () => {
    const md = renderRunMarkdown(s, CTX);
    const latency = tablesOf(md)[1];
    assert.deepEqual(latency?.header, ['latency', 'p50', 'p99']);
    assert.deepEqual(
      latency?.rows.map((r) => r[0]),
      ['ttft', 'itl', 'e2e'],
    );
    assert.deepEqual(latency?.rows[0], ['ttft', '338 ms', '342 ms']);
    assert.match(md, /^- \*\*streams\*\*: 50 started · \d+ completed · 0 failed · drop rate 0\.0%$/m);
    assert.match(md, /^- \*\*cuts\*\*: none$/m);
    assert.match(md, /^- \*\*buffering\*\*: streaming$/m);
    assert.match(md, /^- \*\*report\*\*: reports/m);
  });

  test('passed, with no thresholds: says how to make it a gate', () => {
    const md = renderRunMarkdown(
      summaryFixture((x) => (x.thresholds = [])),
      CTX,
    );
    assert.equal(md.split('\n')[0], '### ✅ sse-soak run · quickstart: passed (no thresholds)');
    assert.match(md, /No thresholds: give `--threshold`/);
  });

  test('stopped early or interrupted: the heading says so, and why', () => {
    const md = renderRunMarkdown(
      summaryFixture((x) => {
        x.run.stopReason = 'threshold failed: ttft p99 < 2s (measured 2500ms)';
        x.run.stoppedEarly = true;
      }),
      CTX,
    );
    assert.equal(md.split('\n')[0], '### ⚠️ sse-soak run · quickstart: stopped early: threshold failed: ttft p99 &lt; 2s (measured 2500ms)');
    assert.match(md, /^- ⚠️ \*\*stopped early\*\*: threshold failed/m);
  });

  test('a name with markup and pipes shows as written and never breaks a table', () => {
    const md = renderRunMarkdown(
      summaryFixture((x) => {
        x.scenario.name = NASTY_NAME;
        withVariants(x);
        x.thresholds = [failing('ttft p99 < 2s', 2310, '2310ms')];
      }),
      CTX,
    );
    assert.doesNotMatch(md, /<b>/);
    assert.equal(md.split('\n')[0], '### ❌ sse-soak run · chat &lt;b&gt;&amp;"tier"&lt;/b&gt; \'a\'\\|b \uFFFD: 1 of 1 threshold failed');
    for (const t of tablesOf(md)) for (const row of t.rows) assert.equal(row.length, t.header.length, JSON.stringify(row));
    const variants = tablesOf(md)[2];
    assert.deepEqual(
      variants?.rows.map((r) => [r[0], r[3]]),
      [
        ['fast', '900 ms'],
        ['slow &lt;&amp;&gt;', '3.1 s'],
      ],
    );
  });

  test('Markdown and HTML marks in text are escaped, line ends are spaces', () => {
    assert.equal(mdText('a|b *c* _d_ `e` [f](g) <h> & \\ ~~i~~ #j\nk'), 'a\\|b \\*c\\* \\_d\\_ \\`e\\` \\[f\\](g) &lt;h&gt; &amp; \\\\ \\~\\~i\\~\\~ \\#j k');
  });
});

describe('the link to the report', () => {
  test('GitLab: the job artifacts browser, for a folder inside the project', () => {
    const env = { CI_JOB_URL: 'https://gitlab.example/g/p/-/jobs/42', CI_PROJECT_DIR: '/builds/g/p' };
    assert.deepEqual(reportLink('reports/my run', env, '/builds/g/p'), {
      url: 'https://gitlab.example/g/p/-/jobs/42/artifacts/browse/reports/my%20run',
      label: 'job artifacts',
    });
    assert.deepEqual(reportLink('/tmp/elsewhere', env, '/builds/g/p'), { url: 'https://gitlab.example/g/p/-/jobs/42', label: 'job' });
  });

  test('GitHub Actions: the workflow run, whose page lists the artifacts; elsewhere none', () => {
    const env = { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'o/r', GITHUB_RUN_ID: '123' };
    assert.deepEqual(reportLink('reports/x', env, '/w'), { url: 'https://github.com/o/r/actions/runs/123', label: 'workflow run and its artifacts' });
    assert.equal(reportLink('reports/x', {}, '/w'), null);
    const md = renderRunMarkdown(summaryFixture(), { reportDir: 'reports/x', link: reportLink('reports/x', env, '/w') });
    assert.match(md, /^- \*\*report\*\*: reports\/x \(\[workflow run and its artifacts\]\(https:\/\/github\.com\/o\/r\/actions\/runs\/123\)\)$/m);
  });
});

describe('compare', () => {
  const gate = (text: string): FailOn => {
    const g = parseFailOn(text);
    if ('error' in g) throw new Error(g.error);
    return g;
  };

  test('the side-by-side, the gates with value, limit and baseline, and the verdict', () => {
    const base = summaryFixture();
    const slower = summaryFixture((x) => (x.metrics.ttft = { ...x.metrics.ttft, p99: 513 }));
    const names = ['v1', 'v2'];
    const gates = judgeGates([gate('ttft.p99 +10%'), gate('cuts +0')], names, [base, slower], 0);
    const md = renderCompareMarkdown(
      { what: 'runs', scenario: 'quickstart', cells: compareCells(names, [base, slower], 0), gates },
      { reportDir: 'reports/compare.html', link: null },
    );
    assert.equal(md.split('\n')[0], '### ❌ sse-soak compare · quickstart: 1 of 2 gate checks failed');
    const [side, gateTable] = tablesOf(md);
    assert.deepEqual(side?.header, ['', 'v1 (baseline)', 'v2']);
    assert.deepEqual(
      side?.rows.find((r) => r[0] === 'ttft p99'),
      ['ttft p99', '342 ms', '513 ms (+50.1% worse)'],
    );
    assert.deepEqual(gateTable?.rows, [
      ['ttft.p99 +10%', 'v2', '513 ms', '&lt;= 375.935 ms', '341.759 ms', '❌ fail'],
      ['cuts +0', 'v2', '0', '&lt;= 0', '0', '✅ pass'],
    ]);
    assert.match(md, /^- \*\*side by side\*\*: reports\/compare\.html$/m);
  });

  test('without gates: nothing to judge, and the heading says so', () => {
    const runs = [summaryFixture(), summaryFixture()];
    const md = renderCompareMarkdown(
      { what: 'runs', scenario: 'quickstart', cells: compareCells(['a', 'b'], runs, 0), gates: [] },
      { reportDir: 'c.html', link: null },
    );
    assert.equal(md.split('\n')[0], '### ✅ sse-soak compare · quickstart: no gates (--fail-on) to judge');
    assert.equal(tablesOf(md).length, 1);
  });
});

describe('capacity', () => {
  test('the answer in the heading and in a sentence, and the steps in load order, each verdict marked', () => {
    const r = capacityFixture(
      'found',
      [
        { level: 10, ttftP99: 400 },
        { level: 20, ttftP99: 2600 },
        { level: 15, ttftP99: 1500 },
      ],
      15,
      20,
    );
    const md = renderCapacityMarkdown(r, { reportDir: 'reports/chat-capacity', link: null });
    assert.equal(md.split('\n')[0], '### ✅ sse-soak capacity · chat: 15 sessions');
    assert.match(md, /^capacity: 15 sessions within every SLO \(20 sessions broke one; precision 10%\); first to break: ttft p99 &lt; 2s/m);
    const [steps] = tablesOf(md);
    assert.deepEqual(
      steps?.rows.map((row) => [row[1], row[2]]),
      [
        ['10', '✅ pass'],
        ['15', '✅ pass'],
        ['20', '❌ FAIL ttft p99 &lt; 2s'],
      ],
    );
  });

  test('no capacity, or a saturated harness: the heading says which', () => {
    const none = capacityFixture('first_step_failed', [{ level: 10, ttftP99: 2400 }], null, 10);
    assert.equal(
      renderCapacityMarkdown(none, { reportDir: 'x' }).split('\n')[0],
      '### ❌ sse-soak capacity · chat: no capacity, even 10 sessions breaks an SLO',
    );
    const saturated = capacityFixture(
      'harness_saturated',
      [
        { level: 10, ttftP99: 400 },
        { level: 20, ttftP99: 2500, saturated: true },
      ],
      10,
      null,
    );
    const md = renderCapacityMarkdown(saturated, { reportDir: 'x' });
    assert.equal(md.split('\n')[0], '### ⚠️ sse-soak capacity · chat: the harness saturated above 10 sessions');
    assert.match(md, /\| ⚠️ HARNESS SATURATED \|/);
  });
});
