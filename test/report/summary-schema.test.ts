// summary.json from a real run, validated against the published schema, and its
// histograms decoded back to the figures it reports.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import AjvModule from 'ajv';
import { decodeHistogram, statsMs } from '../../src/aggregate/histogram.js';
import { FIGURES, figureDef, METRICS, RUN_SECTIONS } from '../../src/aggregate/metrics.js';
import { RunAggregate } from '../../src/aggregate/run-aggregate.js';
import { mergeSummaries } from '../../src/merge/merge.js';
import { newStreamRecord } from '../../src/record/stream-record.js';
import { summaryProblem } from '../../src/report/summary-check.js';
import { measuredParts, summaryFromResult, type Summary } from '../../src/report/summary.js';
import { runAgainst, scenarioFrom } from '../helpers/run.js';
import { useTarget } from '../helpers/target.js';

const Ajv = AjvModule.default;
const schema = JSON.parse(readFileSync(new URL('../../../schemas/summary.schema.json', import.meta.url), 'utf8')) as object;

const YAML = `
name: schema-check
target:
  method: POST
  headers:
    Authorization: Bearer \${TOKEN}
    X-Api-Key: literal-secret
  body: { model: demo, stream: true }
stream: { idleTimeout: 2s }
load: { sessions: 3, duration: 1s }
`;

const target = useTarget({ knobs: { firstTokenDelayMs: 20, tokenIntervalMs: 10, tokens: 15 } });
let summary: ReturnType<typeof summaryFromResult>;
before(async () => {
  await target.ready();
  const scenario = scenarioFrom(YAML, { TOKEN: 'the-real-token' });
  const result = await runAgainst(target.stream(), YAML.replace('${TOKEN}', 'the-real-token'));
  summary = summaryFromResult({
    scenario,
    result,
    targetUrl: target.stream(),
    variantUrls: [target.stream()],
    builtinTarget: true,
    version: '0.0.0-test',
    thresholds: [{ rule: 'ttft p99 < 2s', measured: 12.5, shown: '12.5ms', pass: true }],
    measuredMs: result.durationMs,
  });
});

test('summary.json of a real run is valid against schemas/summary.schema.json', () => {
  const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);
  const json = JSON.parse(JSON.stringify(summary));
  assert.equal(validate(json), true, JSON.stringify(validate.errors, null, 2));
  assert.ok(summary.outcomes.completed > 0, 'the run completed streams');
});

test('harness.fallbacks: a run that noted hooks into undici that did not take effect is valid, and merge lists each once', () => {
  const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);
  assert.deepEqual(summary.harness.fallbacks, [], 'a run on the pinned undici took no fallback');
  const withFallbacks = (list: string[]): Summary => {
    const s = JSON.parse(JSON.stringify(summary)) as Summary;
    s.harness.fallbacks = list;
    return s;
  };
  const a = withFallbacks(['skipInterim100: lost a', 'h2SessionOf: lost b']);
  assert.equal(validate(a), true, JSON.stringify(validate.errors, null, 2));
  const merged = mergeSummaries([a, withFallbacks(['h2SessionOf: lost b']), withFallbacks([])], '0.0.0-test').summary;
  assert.deepEqual(merged.harness.fallbacks, ['skipInterim100: lost a', 'h2SessionOf: lost b']);
  assert.equal(validate(JSON.parse(JSON.stringify(merged))), true, JSON.stringify(validate.errors, null, 2));
});

test('a summary with input tokens, tpot, and figures by input length and by turn is valid, to Ajv and to the reader merge and report use', () => {
  const agg = new RunAggregate();
  for (let i = 0; i < 60; i++) {
    const t0 = 1_000_000 + i * 1_000;
    const r = newStreamRecord(i, i, 0, false, t0);
    Object.assign(r, {
      dispatchUs: t0 + 10,
      requestSentUs: t0 + 20,
      headersUs: t0 + 5_000,
      status: 200,
      httpVersion: '1.1',
      firstTokenUs: t0 + 90_000 + i * 500,
      tokens: 1 + (i % 12),
      events: 13,
    });
    Object.assign(r, { inputTokens: i % 6 === 5 ? -1 : 100 * i * i, turn: i % 5 === 0 ? 0 : 1 + (i % 24), usageTokens: i % 2 === 0 ? 10 : -1 });
    r.lastTokenUs = r.firstTokenUs + 200_000;
    r.endUs = r.lastTokenUs;
    r.outcome = i % 9 === 0 ? 'reset' : 'completed';
    agg.streamOpened(r);
    for (let k = 1; k < r.tokens; k++) agg.gap(r, 15_000);
    agg.streamEnded(r);
  }
  const withBuckets = JSON.parse(JSON.stringify({ ...summary, ...measuredParts(agg, 1_000, [], 0) })) as Summary;
  assert.ok((withBuckets.byInputLength ?? []).length > 3 && (withBuckets.byTurn ?? []).length === 20);
  assert.ok(
    withBuckets.byInputLength?.some((b) => b.toTokens === null),
    'the last input bucket, open above',
  );
  const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);
  assert.equal(validate(withBuckets), true, JSON.stringify(validate.errors, null, 2));
  assert.equal(summaryProblem(withBuckets), null);
  const bad = JSON.parse(JSON.stringify(withBuckets)) as { byTurn: { turn: number }[] };
  (bad.byTurn[0] as { turn: number }).turn = 0;
  assert.match(summaryProblem(bad) ?? '', /^byTurn\[0\]\.turn: 0 is below 1/);
  // A summary without them (an older one) is valid too.
  const old = JSON.parse(JSON.stringify(summary)) as Record<string, Record<string, unknown>>;
  for (const k of ['byInputLength', 'byTurn', 'input']) delete old[k];
  delete old.metrics?.tpot;
  delete old.histograms?.tpot;
  delete old.metricFormulas?.tpot;
  delete old.totals?.inputTokens;
  assert.equal(validate(old), true, JSON.stringify(validate.errors, null, 2));
});

test('the schema rejects a summary with a field missing or misspelt', () => {
  const validate = new Ajv({ strict: true, allowUnionTypes: true }).compile(schema);
  const broken = JSON.parse(JSON.stringify(summary));
  delete broken.metrics.ttft;
  assert.equal(validate(broken), false);
  const extra = JSON.parse(JSON.stringify(summary));
  extra.outcomes.complete = 1;
  assert.equal(validate(extra), false);
});

interface SchemaNode {
  $ref?: string;
  properties?: Record<string, SchemaNode>;
}

/** The schema node at a dotted path below `node`, following $refs; undefined where the schema has no such field. */
function schemaAt(node: SchemaNode | undefined, path: string): SchemaNode | undefined {
  const deref = (n: SchemaNode | undefined): SchemaNode | undefined => {
    const ref = n?.$ref?.replace('#/definitions/', '');
    return ref === undefined ? n : deref((schema as { definitions: Record<string, SchemaNode> }).definitions[ref]);
  };
  return path.split('.').reduce<SchemaNode | undefined>((n, key) => deref(deref(n)?.properties?.[key]), node);
}

test('the schema has a field for every figure of the registry, in the run and (but for the run-wide ones) in each variant', () => {
  const variant = (schema as { properties: { variants: { items: SchemaNode } } }).properties.variants.items;
  const missing: string[] = [];
  for (const name of Object.keys(FIGURES)) {
    const d = figureDef(name);
    const paths =
      d.kind === 'latency' ? [`metrics.${name}`, `histograms.${name}`] : d.kind === 'histogram' && d.statsAt !== undefined ? [d.at, d.statsAt] : [d.at];
    for (const p of paths) {
      if (schemaAt(schema, p) === undefined) missing.push(`${name}: ${p}`);
      const runWide = (RUN_SECTIONS as readonly string[]).includes(p.split('.')[0] as string);
      if (!runWide && schemaAt(variant, p) === undefined) missing.push(`${name}: variants[].${p}`);
    }
  }
  assert.deepEqual(missing, []);
});

test('every encoded histogram decodes to the figures the summary reports', () => {
  for (const m of METRICS) {
    const decoded = statsMs(decodeHistogram(summary.histograms[m]));
    assert.deepEqual(decoded, summary.metrics[m], m);
  }
  assert.ok(summary.metrics.itl.count > 10);
});

test('secrets stay out of the summary: env templates kept, literal secrets redacted', () => {
  const text = JSON.stringify(summary);
  assert.ok(!text.includes('the-real-token'), 'the value from the environment never appears');
  assert.ok(!text.includes('literal-secret'), 'a literal secret header value never appears');
  const headers = summary.settings.target.variants[0]?.headers ?? {};
  assert.equal(headers.Authorization, 'Bearer ${TOKEN}');
  assert.equal(headers['X-Api-Key'], '[redacted]');
});
