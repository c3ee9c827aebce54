// streams.csv of several runs as one: files an older sse-soak wrote (fewer columns, those
// added since at the end) join newer ones under the longer header, their missing cells empty.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { goodputFromCsv } from '../../src/capacity/goodput.js';
import { joinCsvFiles, widestHeader } from '../../src/merge/streams-csv.js';
import { csvLines } from '../../src/report/csv-file.js';
import { STREAM_COLUMNS, streamRow } from '../../src/report/csv-rows.js';
import { newStreamRecord } from '../../src/record/stream-record.js';
import { parseRule } from '../../src/thresholds/rules.js';
import { tempDir } from '../helpers/cli.js';

/** The columns an sse-soak before tpot_ms, input_tokens and turn wrote. */
const OLD_COLUMNS = STREAM_COLUMNS.slice(0, STREAM_COLUMNS.indexOf('tpot_ms'));

function row(seq: number, inputTokens: number, turn: number): (string | number)[] {
  const r = newStreamRecord(seq, seq, 0, false, 1_000_000);
  Object.assign(r, {
    dispatchUs: 1_000_010,
    headersUs: 1_005_000,
    firstTokenUs: 1_100_000,
    lastTokenUs: 1_500_000,
    endUs: 1_500_000,
    tokens: 5,
    events: 6,
    status: 200,
    inputTokens,
    turn,
    maxItlUs: 100_000,
  });
  r.outcome = 'completed';
  // An error code with a comma, a quote and a line break: a quoted cell over two lines.
  r.errorCode = 'odd, "quoted"\nname';
  return streamRow(r, 'default', 0);
}

test('the new columns: tpot_ms, input_tokens and turn, empty where a stream has none', () => {
  const cells = (r: (string | number)[]): Record<string, string | number | undefined> => Object.fromEntries(STREAM_COLUMNS.map((c, i) => [c, r[i]]));
  const at = STREAM_COLUMNS.indexOf('tpot_ms');
  assert.deepEqual(
    STREAM_COLUMNS.slice(at - 1, at + 3),
    ['max_itl_ms', 'tpot_ms', 'input_tokens', 'turn'],
    'added after every older column (the reasoning columns after them)',
  );
  const known = cells(row(0, 812, 3));
  assert.deepEqual([known.tpot_ms, known.input_tokens, known.turn], ['100.000', 812, 3], '(e2e − ttft) ÷ (5 − 1) = 400 ms ÷ 4');
  const none = cells(row(1, -1, 0));
  assert.deepEqual([none.input_tokens, none.turn], ['', '']);
});

test('an older streams.csv joins a newer one under the longer header, whichever comes first; goodput still reads the result', async () => {
  const dir = tempDir();
  const oldFile = join(dir, 'old.csv');
  const newFile = join(dir, 'new.csv');
  writeFileSync(oldFile, csvLines([OLD_COLUMNS, row(0, -1, 0).slice(0, OLD_COLUMNS.length)]));
  writeFileSync(newFile, csvLines([[...STREAM_COLUMNS], row(1, 812, 3)]));
  assert.equal(widestHeader([OLD_COLUMNS.join(','), STREAM_COLUMNS.join(',')]), STREAM_COLUMNS.join(','));
  assert.equal(widestHeader(['a,b', 'a,b']), null, 'the same everywhere: joined as they are');
  assert.equal(widestHeader(['a,b', 'a,c,d']), null, 'not an older form of the same: joined as they are, under the first');

  for (const order of [
    [oldFile, newFile],
    [newFile, oldFile],
  ]) {
    const out = join(dir, `joined-${order[0] === oldFile ? 'old' : 'new'}-first.csv`);
    await joinCsvFiles(order, out);
    const text = readFileSync(out, 'utf8');
    const [header, ...rest] = text.split('\n');
    assert.equal(header, STREAM_COLUMNS.join(','));
    // Each row is two lines (the quoted line break); the old one's second line ends with the new columns empty.
    const rows = rest.filter((l) => l !== '');
    assert.equal(rows.length, 4);
    const oldEnd = rows.find((l, i) => i % 2 === 1 && l.endsWith(',,,'));
    assert.ok(oldEnd !== undefined, `the old row padded: ${JSON.stringify(rows)}`);
    assert.ok(
      rows.some((l) => l.includes(',100.000,812,3,')),
      'the new row as it was',
    );
    const rule = parseRule('ttft p99 < 1s');
    assert.ok(!('error' in rule));
    const good = await goodputFromCsv(out, [rule.rule], 1000);
    assert.deepEqual([good.judged, good.good], [2, 2]);
  }
});
