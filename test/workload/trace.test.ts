// Traces: both CSV flavours and our JSONL read into sorted µs offsets and token counts,
// scaled by speed, split across parts, with every bad row named by file and line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvRecords } from '../../src/workload/csv.js';
import { DataFileError, WorkloadSpecError, type DataFileErrorCode } from '../../src/workload/errors.js';
import { parseTrace, traceArrivals, type TraceOptions } from '../../src/workload/trace.js';
import { parseDatetimeUs } from '../../src/workload/trace-parse.js';

const trace = (text: string, options: TraceOptions = {}) => parseTrace(Buffer.from(text, 'utf8'), 'trace.csv', options);

function rejects(text: string, code: DataFileErrorCode, message: RegExp, line?: number, column?: number): void {
  assert.throws(
    () => trace(text),
    (err: unknown) => {
      assert.ok(err instanceof DataFileError, `a DataFileError, got ${String(err)}`);
      assert.equal(err.code, code);
      assert.match(err.message, message);
      assert.equal(err.line, line, 'line');
      assert.equal(err.column, column, 'column');
      return true;
    },
  );
}

const AZURE =
  'TIMESTAMP,ContextTokens,GeneratedTokens\r\n2023-11-16 18:15:46.6805900,374,44\r\n2023-11-16 18:15:46.6806400,396,109\r\n2023-11-16 18:15:50.1000000,879,15\r\n';

test('Azure CSV: datetimes to µs after the first arrival, at 100 ns precision rounded to µs', () => {
  const t = trace(AZURE);
  assert.equal(t.format, 'azure');
  assert.equal(t.count, 3);
  assert.deepEqual([...t.arrivalsUs], [0, 50, 3_419_410]);
  assert.deepEqual([...(t.inputTokens ?? [])], [374, 396, 879]);
  assert.deepEqual([...(t.outputTokens ?? [])], [44, 109, 15]);
  assert.equal(t.reordered, 0);
});

test('BurstGPT CSV: seconds from the start, request and response tokens, other columns ignored', () => {
  const text =
    'Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n5,ChatGPT,472,18,490,Conversation log\n45,GPT-4,1087,0,1087,API log\n45.25,"ChatGPT, new",10,20,30,"Conversation log"\n';
  const t = trace(text);
  assert.equal(t.format, 'burstgpt');
  assert.deepEqual([...t.arrivalsUs], [0, 40_000_000, 40_250_000]);
  assert.deepEqual([...(t.inputTokens ?? [])], [472, 1087, 10]);
  assert.deepEqual([...(t.outputTokens ?? [])], [18, 0, 20]);
});

test('JSONL: offsetMs, or timestamp in seconds or as a datetime; tokens optional but on every line or none', () => {
  const a = trace('{"offsetMs": 0}\n{"offsetMs": 12.5}\n\n{"offsetMs": 1000}\n');
  assert.equal(a.format, 'jsonl');
  assert.deepEqual([...a.arrivalsUs], [0, 12_500, 1_000_000]);
  assert.equal(a.inputTokens, undefined);
  const b = trace('{"timestamp": 100.5, "inputTokens": 10, "outputTokens": 5}\n{"timestamp": 101, "inputTokens": 20, "outputTokens": 6}\n');
  assert.deepEqual([...b.arrivalsUs], [0, 500_000]);
  assert.deepEqual([...(b.inputTokens ?? [])], [10, 20]);
  const c = trace('{"timestamp": "2024-05-10T00:00:00Z"}\n{"timestamp": "2024-05-10T02:00:00.25+02:00"}\n');
  assert.deepEqual([...c.arrivalsUs], [0, 250_000]);
});

test('speed 2 replays twice as fast, 0.5 half as fast; speed must be > 0', () => {
  assert.deepEqual([...trace(AZURE, { speed: 2 }).arrivalsUs], [0, 25, 1_709_705]);
  assert.deepEqual([...trace(AZURE, { speed: 0.5 }).arrivalsUs], [0, 100, 6_838_820]);
  for (const speed of [0, -1, Number.NaN, Number.POSITIVE_INFINITY])
    assert.throws(
      () => trace(AZURE, { speed }),
      (e: unknown) => e instanceof WorkloadSpecError && e.path === 'speed',
    );
});

test('rows out of time order are sorted, stably, and counted; offsets are from the earliest row', () => {
  const t = trace(
    '{"offsetMs": 50, "inputTokens": 1, "outputTokens": 1}\n{"offsetMs": 10, "inputTokens": 2, "outputTokens": 2}\n{"offsetMs": 50, "inputTokens": 3, "outputTokens": 3}\n{"offsetMs": 20, "inputTokens": 4, "outputTokens": 4}\n',
  );
  assert.equal(t.reordered, 2);
  assert.deepEqual([...t.arrivalsUs], [0, 10_000, 40_000, 40_000]);
  assert.deepEqual([...(t.inputTokens ?? [])], [2, 4, 1, 3], 'the two rows at 50 ms keep their file order');
});

test('the parts of a sharded replay open every arrival once, in time order each', () => {
  const rows = Array.from({ length: 101 }, (_, i) => `{"offsetMs": ${i * 3}, "inputTokens": ${i}, "outputTokens": 1}`).join('\n');
  const t = trace(rows);
  const parts = [0, 1, 2, 3].map((index) => [...traceArrivals(t, { index, count: 4 })]);
  const all = parts
    .flat()
    .map((a) => a.index)
    .sort((x, y) => x - y);
  assert.deepEqual(
    all,
    Array.from({ length: 101 }, (_, i) => i),
  );
  for (const p of parts) for (let k = 1; k < p.length; k++) assert.ok((p[k]?.atUs as number) > (p[k - 1]?.atUs as number));
  assert.deepEqual(parts[1]?.[0], { index: 1, atUs: 3000, inputTokens: 1, outputTokens: 1 });
});

test('errors name the file and line: a bad time, a bad token count, a short row, an unknown header', () => {
  rejects(
    'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46,1,2\n16/11/2023 18:15,1,2\n',
    'DATA_SHAPE',
    /^trace\.csv:3: TIMESTAMP must be a datetime like 2023-11-16 18:15:46\.6805900, got "16\/11\/2023 18:15"$/,
    3,
  );
  rejects(
    'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46,1,2\n2023-11-16 18:15:47,1.5,2\n',
    'DATA_SHAPE',
    /^trace\.csv:3: ContextTokens must be a whole number of tokens, got "1\.5"$/,
    3,
  );
  rejects('Timestamp,Model,Request tokens,Response tokens\n1,m,2\n', 'DATA_SHAPE', /^trace\.csv:2: 3 fields, the header has 4: no Response tokens$/, 2);
  rejects('Timestamp,Model,Request tokens,Response tokens\nsoon,m,2,3\n', 'DATA_SHAPE', /Timestamp must be seconds from the start, like 12\.5, got "soon"/, 2);
  rejects(
    'time,prompt,reply\n1,2,3\n',
    'DATA_FORMAT',
    /^trace\.csv:1: a CSV trace needs a header with TIMESTAMP,ContextTokens,GeneratedTokens \(Azure\) or Timestamp,Request tokens,Response tokens \(BurstGPT\); this one has time,prompt,reply$/,
    1,
  );
  rejects('TIMESTAMP,ContextTokens,GeneratedTokens\n', 'DATA_FORMAT', /no arrival in the trace/);
  rejects('', 'DATA_FORMAT', /^trace\.csv: empty/);
  rejects('{"offsetMs": 1}\n{"offsetMs": 2,}\n', 'DATA_SYNTAX', /^trace\.csv:2:16: not valid JSON: Expected double-quoted property name$/, 2, 16);
  rejects('{"offsetMs": 1}\n{"at": 2}\n', 'DATA_SHAPE', /^trace\.csv:2: needs "offsetMs"/, 2);
  rejects('{"offsetMs": 1}\n{"offsetMs": -2}\n', 'DATA_SHAPE', /"offsetMs" is not a time: -2/, 2);
  rejects('{"offsetMs": 1}\n{"offsetMs": 2, "inputTokens": 3, "outputTokens": 4}\n', 'DATA_SHAPE', /^trace\.csv:2: has token counts, while line 1 does not/, 2);
  rejects('{"offsetMs": 1, "inputTokens": 3}\n', 'DATA_SHAPE', /give both "inputTokens" and "outputTokens", or neither/, 1);
  rejects('TIMESTAMP,ContextTokens,GeneratedTokens\n"2023-11-16 18:15:46,1,2\n', 'DATA_SYNTAX', /^trace\.csv:2:1: a quoted field is not closed/, 2, 1);
});

test('the CSV reader: quotes, doubled quotes, line breaks inside quotes, CRLF, blank lines, the line each record starts on', () => {
  const text = 'a,b,c\r\n"x, y","say ""hi""",\n\n"multi\nline",2,3\nlast';
  assert.deepEqual(
    [...csvRecords(text, 'f.csv')],
    [
      { fields: ['a', 'b', 'c'], line: 1 },
      { fields: ['x, y', 'say "hi"', ''], line: 2 },
      { fields: ['multi\nline', '2', '3'], line: 4 },
      { fields: ['last'], line: 6 },
    ],
  );
  assert.throws(() => [...csvRecords('a,"b"c\n', 'f.csv')], /^DataFileError: f\.csv:1:6: text after a closing quote \('c'\)/);
});

test('datetimes: 100 ns digits kept to the µs, zones applied, nonsense refused', () => {
  assert.equal(parseDatetimeUs('1970-01-01 00:00:01.0000015'), 1_000_002);
  assert.equal(parseDatetimeUs('1970-01-01T01:00:00+01:00'), 0);
  assert.equal(parseDatetimeUs('1970-01-01T00:00:00-0030'), 1_800_000_000);
  assert.equal(parseDatetimeUs('2023-13-01 00:00:00'), undefined);
  assert.equal(parseDatetimeUs('yesterday'), undefined);
});

test('an Azure trace saved by Excel (UTF-8 BOM) reads the same', () => {
  const t = parseTrace(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(AZURE)]), 'bom.csv');
  assert.deepEqual([...t.arrivalsUs], [0, 50, 3_419_410]);
});
