// The Grafana dashboard and docs/live.md name only metrics the collector exposes, and
// docs/live.md lists every one of them (a renamed metric breaks this, not a user's panel).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { LIVE_HISTOGRAMS, PromCollector } from '../../src/live/prom-collector.js';
import { codeSpans, sections, tables } from '../helpers/markdown.js';

const ROOT = new URL('../../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, ROOT), 'utf8');

async function exposed(): Promise<Set<string>> {
  const text = await new PromCollector({ scenario: 's', shard: '1/1', run: 'r' }).text();
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] as string));
}

/** A series name as a query writes it, back to its metric: histograms add _bucket, _sum, _count. */
const metricOf = (series: string): string => series.replace(/_(bucket|sum|count)$/, '');

test('every metric the Grafana dashboard queries is one the run exposes', async () => {
  const names = await exposed();
  const dash = JSON.parse(read('deploy/grafana/sse-soak-live.json')) as { panels: { title: string; targets: { expr: string }[] }[] };
  assert.ok(dash.panels.length >= 8);
  for (const p of dash.panels) {
    for (const t of p.targets) {
      const used = [...t.expr.matchAll(/\bsse_soak_\w+/g)].map((m) => metricOf(m[0]));
      assert.ok(used.length > 0, `${p.title}: ${t.expr}`);
      for (const u of used) assert.ok(names.has(u), `${p.title} queries ${u}, which the run does not expose`);
    }
  }
});

test('docs/live.md lists every exposed metric in its table, and nothing else', async () => {
  const names = await exposed();
  const section = sections(read('docs/live.md')).find((s) => s.heading === 'Metrics');
  assert.ok(section, 'docs/live.md has a "Metrics" section');
  const listed = new Set<string>();
  for (const table of tables(section.lines))
    for (const row of table.rows) for (const span of codeSpans(row[0] ?? '')) if (span.startsWith('sse_soak_')) listed.add(span);
  assert.deepEqual([...listed].sort(), [...names].sort());
});

test('the dashboard shows every live latency, bytes, reconnects and cuts, and its stream panels follow the variant selector', () => {
  const dash = JSON.parse(read('deploy/grafana/sse-soak-live.json')) as {
    templating: { list: { name: string; query: { query: string } }[] };
    panels: { title: string; targets: { expr: string }[] }[];
  };
  const exprs = dash.panels.flatMap((p) => p.targets.map((t) => t.expr));
  const used = new Set(exprs.flatMap((e) => [...e.matchAll(/\bsse_soak_\w+/g)].map((m) => metricOf(m[0]))));
  for (const { name } of Object.values(LIVE_HISTOGRAMS)) if (name !== 'sse_soak_schedule_lag_seconds') assert.ok(used.has(name), `no panel shows ${name}`);
  for (const name of ['sse_soak_bytes_total', 'sse_soak_reconnects_total', 'sse_soak_cuts_total', 'sse_soak_ttft_by_turn_seconds'])
    assert.ok(used.has(name), `no panel shows ${name}`);
  const variant = dash.templating.list.find((v) => v.name === 'variant');
  assert.ok(variant !== undefined && variant.query.query.includes(', variant)'), 'a variant selector from the variant label');
  // Every query of a metric that has a variant label selects by it (the gauges have none, nor ttft by turn: all variants together).
  for (const e of exprs) {
    for (const m of e.matchAll(
      /\b(sse_soak_(?:streams_opened_total|streams_ended_total|events_total|tokens_total|bytes_total|reconnects_total|cuts_total|(?!ttft_by_turn_)\w+_seconds_bucket))\{([^}]*)\}/g,
    )) {
      assert.ok((m[2] as string).includes('variant=~"$variant"'), `${m[1]} without the variant selector: ${e}`);
    }
  }
});
