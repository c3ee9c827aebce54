// The files CI reads, through the CLI as a pipeline runs it: a run that fails a threshold
// exits 4 and still writes its JUnit XML (the failure with the measured value) and appends its
// Markdown table to $GITHUB_STEP_SUMMARY; compare's gates and capacity's answer likewise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, noStack, tempDir } from '../helpers/cli.js';
import { junitSchemaErrors } from '../helpers/junit-schemas.js';
import { proseLines, tables } from '../helpers/markdown.js';

const dir = tempDir();
const run = join(dir, 'run');
/** Not GitHub Actions, unless a test says so: the machine running the tests may be one. */
const NOT_GITHUB = { GITHUB_STEP_SUMMARY: '', GITHUB_SERVER_URL: '', CI_JOB_URL: '' };

test('run: a failed threshold exits 4, and the JUnit file and the job summary say which and by how much', async () => {
  const file = join(dir, 's.yaml');
  writeFileSync(
    file,
    `name: 'ci <gate> & "chat"'
target: { builtin: { firstTokenDelay: 50ms, tokenInterval: 10ms, tokens: 5 } }
load: { sessions: 2, duration: 1s, thinkTime: 0s }
thresholds: ["drop_rate < 1%"]
`,
  );
  const stepSummary = join(dir, 'step-summary.md');
  writeFileSync(stepSummary, '## what an earlier command of the step wrote\n');
  const junit = join(dir, 'ci', 'junit.xml');
  const r = await cli(['run', file, '--out', run, '--quiet', '--threshold', 'ttft p99 < 1ms', '--junit', junit], {
    env: { ...NOT_GITHUB, GITHUB_STEP_SUMMARY: stepSummary, GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'o/r', GITHUB_RUN_ID: '7' },
  });
  noStack(r.stderr);
  assert.equal(r.code, 4, r.stdout + r.stderr);

  const xml = readFileSync(junit, 'utf8');
  assert.match(
    xml,
    /<testsuite name="ci &lt;gate&gt; &amp; &quot;chat&quot;" package="sse-soak.run" id="0" timestamp="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d" hostname="[^"]+" tests="3" failures="1" errors="0" time="\d+\.\d{3}">/,
  );
  assert.match(xml, /<testcase name="run finished as scheduled" classname="ci &lt;gate&gt; &amp; &quot;chat&quot;" time="\d+\.\d{3}"\/>/);
  assert.match(xml, /<testcase name="drop_rate &lt; 1%" [^>]*\/>/);
  assert.match(xml, /<testcase name="ttft p99 &lt; 1ms" [^>]*>\n {6}<failure type="threshold" message="ttft p99 = \d+(\.\d+)? m?s, limit &lt; 1 ms">/);
  assert.deepEqual(await junitSchemaErrors([{ name: 'run', xml }]), { jenkins: [], ant: [] });

  const md = readFileSync(stepSummary, 'utf8');
  assert.ok(
    md.startsWith('## what an earlier command of the step wrote\n\n### ❌ sse-soak run · ci &lt;gate&gt; &amp; "chat": 1 of 2 thresholds failed\n'),
    md,
  );
  const [rules] = tables(proseLines(md));
  assert.deepEqual(rules?.header, ['rule', 'measured', 'limit', 'result']);
  assert.deepEqual(
    rules?.rows.map((row) => [row[0], row[2], row[3]]),
    [
      ['drop\\_rate &lt; 1%', '&lt; 1%', '✅ pass'],
      ['ttft p99 &lt; 1ms', '&lt; 1 ms', '❌ fail'],
    ],
  );
  assert.match(md, /^- \*\*report\*\*: .*run \(\[workflow run and its artifacts\]\(https:\/\/github\.com\/o\/r\/actions\/runs\/7\)\)$/m);
});

test('compare: a gate that a run breaks exits 6, and is the failed case of the JUnit file; --summary-md has the gates', async () => {
  // The same run again, its ttft p99 half as long again: a regression past +10 %.
  const slower = join(dir, 'slower');
  cpSync(run, slower, { recursive: true });
  const summary = JSON.parse(readFileSync(join(slower, 'summary.json'), 'utf8')) as { metrics: { ttft: { p99: number } } };
  const base = summary.metrics.ttft.p99;
  summary.metrics.ttft.p99 = base * 1.5;
  writeFileSync(join(slower, 'summary.json'), JSON.stringify(summary));
  const junit = join(dir, 'compare.xml');
  const md = join(dir, 'compare.md');
  const r = await cli(
    [
      'compare',
      run,
      slower,
      '--fail-on',
      'ttft.p99 +10%',
      '--fail-on',
      'drop_rate +0.1pp',
      '--html',
      join(dir, 'compare.html'),
      '--junit',
      junit,
      '--summary-md',
      md,
    ],
    { env: NOT_GITHUB },
  );
  noStack(r.stderr);
  assert.equal(r.code, 6, r.stdout + r.stderr);
  const xml = readFileSync(junit, 'utf8');
  assert.match(xml, /<testsuite name="ci &lt;gate&gt; &amp; &quot;chat&quot;" package="sse-soak.compare" [^>]* tests="2" failures="1" errors="0"/);
  assert.match(
    xml,
    /<testcase name="ttft.p99 \+10%" classname="slower" time="0.000">\n {6}<failure type="regression" message="ttft.p99 = [^,]+, limit &lt;= [^(]+ \(baseline [^)]+ \+10%\)">/,
  );
  assert.deepEqual(await junitSchemaErrors([{ name: 'compare', xml }]), { jenkins: [], ant: [] });
  const text = readFileSync(md, 'utf8');
  assert.match(text, /^### ❌ sse-soak compare · ci &lt;gate&gt; &amp; "chat": 1 of 2 gate checks failed$/m);
  const gates = tables(proseLines(text))[1];
  assert.deepEqual(
    gates?.rows.map((row) => [row[0], row[1], row[5]]),
    [
      ['ttft.p99 +10%', 'slower', '❌ fail'],
      ['drop\\_rate +0.1pp', 'slower', '✅ pass'],
    ],
  );
});

test('capacity: no level holds, exit 4; the JUnit file fails the capacity and the SLOs that broke; only capacity appends to the job summary', async () => {
  const file = join(dir, 'dead.yaml');
  // Port 9 (discard) on loopback: nothing listens, every stream is a connect_error at once.
  writeFileSync(file, 'name: dead\ntarget: { url: "http://127.0.0.1:9/stream" }\nload: { model: closed, sessions: 1, duration: 5s }\n');
  const stepSummary = join(dir, 'capacity-step.md');
  const junit = join(dir, 'capacity.xml');
  const r = await cli(
    [
      'capacity',
      file,
      '--slo',
      'ttft p99 < 2s',
      '--slo',
      'drop_rate < 1%',
      '--from',
      '2',
      '--step',
      '1s',
      '--warmup',
      '1s',
      '--workers',
      '1',
      '--out',
      join(dir, 'cap'),
      '--quiet',
      '--junit',
      junit,
    ],
    {
      env: { ...NOT_GITHUB, GITHUB_STEP_SUMMARY: stepSummary },
    },
  );
  noStack(r.stderr);
  assert.equal(r.code, 4, r.stdout + r.stderr);
  const xml = readFileSync(junit, 'utf8');
  assert.match(xml, /<testsuite name="dead" package="sse-soak.capacity" [^>]* tests="3" failures="3" errors="0"/);
  assert.match(
    xml,
    /<testcase name="capacity" classname="dead" time="\d+\.\d{3}">\n {6}<failure type="no_capacity" message="no capacity found: even 2 sessions/,
  );
  assert.match(xml, /<failure type="slo" message="ttft p99: no samples, limit &lt; 2 s at 2 sessions">/);
  assert.match(xml, /<failure type="slo" message="drop_rate = 100%, limit &lt; 1% at 2 sessions">/);
  assert.deepEqual(await junitSchemaErrors([{ name: 'capacity', xml }]), { jenkins: [], ant: [] });
  const md = readFileSync(stepSummary, 'utf8');
  assert.deepEqual(
    md.split('\n').filter((l) => l.startsWith('### ')),
    ['### ❌ sse-soak capacity · dead: no capacity, even 2 sessions breaks an SLO'],
    'each step is a run of its own, but not one the job summary lists',
  );
});
