// The reference pages in docs/ must not drift from the code: every name the code defines
// for a reader (a scenario field, a metric, an outcome, a CSV column, a summary field, an exit
// code, an error code the console explains) must be on its page, and every name a reference
// table lists must still exist in the code. Each check reads its names from where the code
// keeps them, not from a copy in this file.
//
// The rules, one per page. "In code font" means an inline code span; fenced blocks never count,
// because an example shows a name but does not say what it means.
//
// docs/scenarios.md, against schemas/scenario.schema.json (which test/scenario/schema.test.ts
// holds to the loader's own key lists). The schema is walked through nested objects, array
// items (`load.stages`, `target.variants`) and every anyOf/oneOf branch (the closed and open
// `load`, the object forms of `stream.sentinel`, `stream.tokens` and `stream.usage`). A field
// at path a.b.c is documented when the page gives it a heading or a table row of its own, or
// explains it in an ancestor's row:
//   - a heading, or the first cell of a table row, names it in code font: by its full path
//     (`target.tls.ca`; array items may be written `[]` or `[0]`: `load.stages[].warmup`), or
//     by its path below a path that a heading above names (`ca` in a row under the heading
//     `target.tls`; the knob `tokens` under the heading `target.builtin`); or
//   - the row of an ancestor (a row whose first cell names it, as above) names it in code font
//     in any cell, by its path below that ancestor or as a key of an inline mapping: the row of
//     `target.variants` explains `name` and `weight`, the row of `stream.sentinel` explains
//     `{ event: message_stop }`.
// A mention in running prose does not count, nor a name in another field's row: a field needs a
// row or a heading that says what it is. A subtree that repeats, under the same name, one
// already walked (a variant's `builtin` is `target.builtin`'s knobs) is checked once, where it
// first appears; its own name is still checked. Conversely, every field a field table lists (a
// table whose first header is "field" or "knob") must be a field of the schema, read the same way.
//
// docs/metrics.md: every metric in METRICS is the first cell of a row of the table under
// "Metrics", every other figure of the registry (FIGURES) the first cell of a row under
// "Counts and other figures" with its place in summary.json first in the second cell, and
// every outcome in OUTCOMES the first cell of a row of the table under "Outcomes"; those
// tables list nothing else.
//
// docs/output.md: every column of STREAM_COLUMNS is in code font in a first cell of the table
// in the `streams.csv` section, every column of SECOND_COLUMNS in the `timeseries.csv` section
// (`ended_<outcome>` stands for one column per outcome), and those tables list nothing else;
// every top-level property of schemas/summary.schema.json leads a bullet of the `summary.json`
// section in code font (before the bullet's first colon; `metrics.<name>` and `variants[]` lead
// with metrics and variants).
//
// docs/troubleshooting.md: every exit code in EXIT is the first cell of a row under "Exit
// codes", every OS_LIMITS error code (the LIMIT lines) a first cell under the LIMIT section,
// every TLS_ERROR_CODES code a first cell under the TLS section; and nothing else is listed there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FIGURES, figureDef, METRICS } from '../../src/aggregate/metrics.js';
import { EXIT } from '../../src/util/exit-codes.js';
import { TLS_ERROR_CODES } from '../../src/report/tls-advice.js';
import { OUTCOMES } from '../../src/record/outcome.js';
import { OS_LIMITS } from '../../src/report/console.js';
import { SECOND_COLUMNS, STREAM_COLUMNS } from '../../src/report/csv-rows.js';
import { codeSpans, proseLines, type Section, sections, tableCells, tables } from '../helpers/markdown.js';

const ROOT = new URL('../../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, ROOT), 'utf8');
const json = (path: string): JsonSchema => JSON.parse(read(path)) as JsonSchema;

interface JsonSchema {
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema | JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  [key: string]: unknown;
}

// ---------------------------------------------------------------- scenario fields

/** A schema without its descriptions, to tell a repeated subtree from a different one. */
function shape(node: JsonSchema): string {
  return JSON.stringify(node, (key, value: unknown) => (key === 'description' ? undefined : value));
}

/** Every field path of a schema ("target.tls.ca"; array items are transparent), in the order met. */
export function schemaFields(schema: JsonSchema): string[] {
  const paths = new Set<string>();
  const walked = new Set<string>(); // name + shape of every object subtree already walked
  const walk = (node: JsonSchema, path: string[]): void => {
    for (const branch of [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])]) walk(branch, path);
    const items = Array.isArray(node.items) ? node.items : node.items === undefined ? [] : [node.items];
    for (const item of items) walk(item, path);
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const childPath = [...path, key];
      paths.add(childPath.join('.'));
      const seen = `${key} ${shape(child)}`;
      if (walked.has(seen)) continue;
      walked.add(seen);
      walk(child, childPath);
    }
  };
  walk(schema, []);
  return [...paths];
}

/** A code span as a field path: array indices dropped (`load.stages[].warmup` → load.stages.warmup). */
const asPath = (span: string): string => span.trim().replace(/\[[^\]]*\]/g, '');

/** The keys of an inline mapping in a code span: `{ event: message_stop }`, `- { name: x, idle: 60s }`, `insecure: true`. */
function inlineKeys(span: string): string[] {
  const t = span.trim().replace(/^-\s*/, '');
  if (t.startsWith('{')) return [...t.matchAll(/[{,]\s*([A-Za-z_][\w-]*)\s*:/g)].map((m) => m[1] as string);
  const one = /^([A-Za-z_][\w-]*):\s/.exec(t);
  return one?.[1] === undefined ? [] : [one[1]];
}

/**
 * What a page documents: the fields it gives a heading or a table row to (`named`), and, for
 * each such row, the names in code font in its cells (`inRow`: the sub-fields that row explains).
 * A name in a heading or a first cell is read as a full path and also below the path of every
 * heading above it, so `ca` in a row under the heading `target.tls` names target.tls.ca.
 */
interface Subjects {
  named: Set<string>;
  inRow: Map<string, Set<string>>;
}

/** A table row with its table's header, and how a name in it reads: as given, and below the path of every heading above it. */
interface Row {
  cells: string[];
  header: string[];
  resolve: (span: string) => string[];
}

/** The paths a page's headings name (resolved as for rows), and its table rows. */
function walk(md: string): { headings: string[]; rows: Row[] } {
  const headings: string[] = [];
  const rows: Row[] = [];
  const stack: { level: number; paths: string[] }[] = [];
  let header: string[] | null = null;
  const resolverHere = () => {
    const above = stack.flatMap((h) => h.paths);
    return (span: string): string[] => [asPath(span), ...above.map((p) => `${p}.${asPath(span)}`)];
  };
  for (const line of proseLines(md)) {
    const h = /^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (h?.[1] !== undefined && h[2] !== undefined) {
      const level = h[1].length;
      while (stack.length > 0 && (stack[stack.length - 1] as { level: number }).level >= level) stack.pop();
      const paths = codeSpans(h[2]).flatMap(resolverHere());
      headings.push(...paths);
      stack.push({ level, paths });
      header = null;
      continue;
    }
    if (!line.trim().startsWith('|')) {
      header = null;
      continue;
    }
    const cells = tableCells(line);
    if (cells === null) continue; // the rule under a header
    if (header === null) header = cells;
    else rows.push({ cells, header, resolve: resolverHere() });
  }
  return { headings, rows };
}

function subjectsOf(md: string): Subjects {
  const { headings, rows } = walk(md);
  const named = new Set<string>(headings);
  const inRow = new Map<string, Set<string>>();
  for (const row of rows) {
    const owners = codeSpans(row.cells[0] ?? '').flatMap(row.resolve);
    const explained = codeSpans(row.cells.join(' | ')).flatMap((span) => [asPath(span), ...inlineKeys(span)]);
    for (const o of owners) {
      named.add(o);
      const set = inRow.get(o) ?? new Set<string>();
      for (const e of explained) set.add(e);
      inRow.set(o, set);
    }
  }
  return { named, inRow };
}

/** Whether a page documents a field under the rule above. */
function documents(subjects: Subjects, field: string): boolean {
  if (subjects.named.has(field)) return true;
  const parts = field.split('.');
  for (let k = 1; k < parts.length; k++) {
    if (subjects.inRow.get(parts.slice(0, k).join('.'))?.has(parts.slice(k).join('.')) === true) return true;
  }
  return false;
}

/** Fields of the schema the page does not document. */
export function undocumentedFields(schema: JsonSchema, md: string): string[] {
  const subjects = subjectsOf(md);
  return schemaFields(schema).filter((f) => !documents(subjects, f));
}

/** Names in the first cell of a field table ("field" or "knob" heads it) that are not fields of the schema, as given or below a heading's path. */
export function unknownFields(schema: JsonSchema, md: string): string[] {
  const known = new Set(schemaFields(schema));
  const out = walk(md)
    .rows.filter((row) => ['field', 'knob'].includes((row.header[0] ?? '').toLowerCase()))
    .flatMap((row) => codeSpans(row.cells[0] ?? '').filter((span) => !row.resolve(span).some((p) => known.has(p))));
  return [...new Set(out)];
}

const SCENARIO_SCHEMA = json('schemas/scenario.schema.json');

test('the scenario rule: a heading or a row of its own, or its parent’s row; never prose, another row or an example', () => {
  const schema: JsonSchema = {
    properties: {
      target: { properties: { url: {}, tls: { properties: { ca: {}, key: {} } }, variants: { items: { properties: { name: {}, builtin: { properties: { tokens: {} } } } } }, builtin: { properties: { tokens: {} } } } },
      stream: { properties: { sentinel: { anyOf: [{ type: 'string' }, { properties: { event: {} } }] } } },
      background: { properties: { url: {} } },
      load: { properties: { stages: { items: { properties: { warmup: {} } } } } },
    },
  };
  assert.deepEqual(schemaFields(schema), [
    'target', 'target.url', 'target.tls', 'target.tls.ca', 'target.tls.key', 'target.variants', 'target.variants.name', 'target.variants.builtin', 'target.variants.builtin.tokens', 'target.builtin',
    'stream', 'stream.sentinel', 'stream.sentinel.event', 'background', 'background.url', 'load', 'load.stages', 'load.stages.warmup',
  ]);
  const md = [
    'Prose names `target.url` and `background.url`: that documents neither.',
    '',
    '## Fields',
    '',
    '| field | meaning |',
    '|---|---|',
    '| `target`, `stream`, `load` | the sections |',
    '| `load.stages[].warmup` | a stage of warm-up |',
    '',
    '### `target`',
    '',
    '| field | meaning |',
    '|---|---|',
    '| `tls` | TLS: `ca` is a CA to trust |',
    '| `variants` | requests, each with a `name`; `builtin` and `url` as the target’s |',
    '',
    '### `stream.sentinel`',
    '',
    'The end of a reply, e.g. `{ event: message_stop }` (prose: it does not count).',
    '',
    '```yaml',
    '| `background` | in an example |',
    '```',
  ].join('\n');
  assert.deepEqual(undocumentedFields(schema, md), [
    'target.url', // in prose, and in the variants row (another field's)
    'target.tls.key',
    'target.variants.builtin.tokens', // walked under the variant, where it first appears
    'target.builtin',
    'stream.sentinel.event',
    'background', // only in a fenced example
    'background.url',
    'load.stages',
  ]);
  assert.deepEqual(unknownFields(schema, md), []);
  const stale = '## `target`\n\n| field | x |\n|---|---|\n| `tls.ca` | ok |\n| `tls.gone` | stale |\n| `target.old` | stale |\n\n| metric | x |\n|---|---|\n| `ttft` | not a field table |\n';
  assert.deepEqual(unknownFields(schema, stale), ['tls.gone', 'target.old']);
});

test('docs/scenarios.md names every field of schemas/scenario.schema.json', () => {
  const fields = schemaFields(SCENARIO_SCHEMA);
  assert.ok(fields.includes('target.tls.ca') && fields.includes('target.builtin.firstTokenDelay') && fields.includes('load.stages.warmup') && fields.includes('stream.usage.jsonPath'), 'the walk reaches nested fields');
  assert.ok(fields.length > 90, `${fields.length} fields`);
  const missing = undocumentedFields(SCENARIO_SCHEMA, read('docs/scenarios.md'));
  assert.deepEqual(missing, [], `fields of the scenario schema that docs/scenarios.md does not name:\n${missing.join('\n')}`);
});

test('every field docs/scenarios.md lists in a field table is a field of the schema', () => {
  const unknown = unknownFields(SCENARIO_SCHEMA, read('docs/scenarios.md'));
  assert.deepEqual(unknown, [], `docs/scenarios.md lists fields the schema does not know:\n${unknown.join('\n')}`);
});

// ---------------------------------------------------------------- reference tables

/** The section whose heading matches, on a page; fails the test when there is none. */
function section(md: string, page: string, heading: RegExp): Section {
  const s = sections(md).find((x) => heading.test(x.heading));
  assert.ok(s !== undefined, `${page} has no section with a heading matching ${heading}`);
  return s;
}

/** The names in code font (or, with plain, the text split on commas) in the first cells of a section's tables headed `header`. */
function firstCells(s: Section, header: string, plain = false): string[] {
  return tables(s.lines)
    .filter((t) => t.header[0] === header)
    .flatMap((t) => t.rows.flatMap((row) => (plain ? (row[0] ?? '').split(/,\s*/) : codeSpans(row[0] ?? ''))));
}

/** What is missing from a list and what the list has that it should not, as readable lines. */
function compareNames(expected: readonly string[], listed: readonly string[], where: string): string[] {
  const want = new Set(expected);
  const have = new Set(listed);
  return [...[...want].filter((n) => !have.has(n)).map((n) => `${where}: ${n} is missing`), ...[...have].filter((n) => !want.has(n)).map((n) => `${where}: ${n} is listed but the code has no such name`)];
}

/**
 * The names a section's bullets lead with: the code spans of each "- " item before its first
 * ": " outside code (`- \`streams\`, \`outcomes\`: all streams` leads with streams and outcomes).
 */
function bulletLeads(s: Section): string[] {
  return s.lines
    .filter((l) => /^\s*[-*] /.test(l))
    .flatMap((l) => {
      const spans = codeSpans(l);
      const bare = l.replace(/(`+)[\s\S]*?\1/g, '\u0000');
      const colon = bare.indexOf(': ');
      const before = colon === -1 ? spans.length : (bare.slice(0, colon).match(/\u0000/g) ?? []).length;
      return spans.slice(0, before).map((x) => x.trim());
    });
}

/** `ended_<outcome>` in a doc stands for one column per outcome. */
const expandOutcomes = (names: string[]): string[] => names.flatMap((n) => (n.includes('<outcome>') ? OUTCOMES.map((o) => n.replace('<outcome>', o)) : [n]));

test('the table checks catch a name that is missing and one that is not in the code', () => {
  const md = '## Metrics\n\n| metric | formula |\n|---|---|\n| `ttft` | x |\n| `gone` | y |\n';
  assert.deepEqual(compareNames(['ttft', 'itl'], firstCells(section(md, 'x.md', /^Metrics$/), 'metric'), 'x.md'), ['x.md: itl is missing', 'x.md: gone is listed but the code has no such name']);
  assert.deepEqual(expandOutcomes(['a', 'ended_<outcome>']).slice(0, 3), ['a', 'ended_completed', 'ended_http_error']);
});

test('docs/metrics.md has a row for every metric and every outcome, and for nothing else', () => {
  const md = read('docs/metrics.md');
  const problems = [
    ...compareNames(METRICS, firstCells(section(md, 'docs/metrics.md', /^Metrics$/), 'metric'), 'docs/metrics.md, Metrics'),
    ...compareNames(OUTCOMES, firstCells(section(md, 'docs/metrics.md', /^Outcomes$/), 'outcome'), 'docs/metrics.md, Outcomes'),
  ];
  assert.deepEqual(problems, [], problems.join('\n'));
});

test('docs/metrics.md lists every other figure of the registry with its place in summary.json', () => {
  const md = read('docs/metrics.md');
  const others = Object.keys(FIGURES).filter((n) => figureDef(n).kind !== 'latency');
  const rows = tables(section(md, 'docs/metrics.md', /^Counts and other figures$/).lines).filter((t) => t.header[0] === 'figure').flatMap((t) => t.rows);
  const problems = compareNames(others, rows.flatMap((row) => codeSpans(row[0] ?? '')), 'docs/metrics.md, Counts and other figures');
  for (const row of rows) {
    const [name = ''] = codeSpans(row[0] ?? '');
    const [at = ''] = codeSpans(row[1] ?? '');
    const d = (FIGURES as Record<string, { at?: string }>)[name];
    if (d?.at !== undefined && d.at !== at) problems.push(`docs/metrics.md, Counts and other figures: ${name} is at ${d.at} in summary.json, the table says ${at}`);
  }
  assert.deepEqual(problems, [], problems.join('\n'));
});

test('docs/output.md has a row for every column of streams.csv and timeseries.csv, and names every top-level field of summary.json', () => {
  const md = read('docs/output.md');
  const summary = json('schemas/summary.schema.json');
  const inSummary = new Set(bulletLeads(section(md, 'docs/output.md', /^`summary\.json`$/)).map((s) => s.split(/[.[]/)[0] as string));
  const problems = [
    ...compareNames(STREAM_COLUMNS, firstCells(section(md, 'docs/output.md', /^`streams\.csv`$/), 'column'), 'docs/output.md, streams.csv'),
    ...compareNames(SECOND_COLUMNS, expandOutcomes(firstCells(section(md, 'docs/output.md', /^`timeseries\.csv`$/), 'column')), 'docs/output.md, timeseries.csv'),
    ...Object.keys(summary.properties ?? {})
      .filter((p) => !inSummary.has(p))
      .map((p) => `docs/output.md, summary.json: ${p} is missing`),
  ];
  assert.ok(Object.keys(summary.properties ?? {}).length > 20);
  assert.deepEqual(problems, [], problems.join('\n'));
});

test('docs/troubleshooting.md has every exit code, every LIMIT error code and every TLS error code, and nothing else', () => {
  const md = read('docs/troubleshooting.md');
  const page = 'docs/troubleshooting.md';
  const codes = [...new Set(Object.values(EXIT))].map(String);
  const problems = [
    ...compareNames(codes, firstCells(section(md, page, /^Exit codes$/), 'code', true), `${page}, Exit codes`),
    ...compareNames(Object.keys(OS_LIMITS), firstCells(section(md, page, /LIMIT/), 'error code'), `${page}, LIMIT lines`),
    ...compareNames(TLS_ERROR_CODES, firstCells(section(md, page, /TLS/), 'error code'), `${page}, TLS errors`),
  ];
  assert.deepEqual(problems, [], problems.join('\n'));
});
