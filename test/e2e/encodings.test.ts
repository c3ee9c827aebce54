// Every file a command reads back is decoded as its BOM says (issue 23): a run folder whose
// summary.json, timeseries.csv or streams.csv an editor or a spreadsheet saved again as
// UTF-16 or UTF-32 still reads in report, merge and compare, where it was read as garbage
// ("not JSON"); bytes that are not what the BOM says are refused naming the file and encoding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, noStack, tempDir } from '../helpers/cli.js';
import { useTarget } from '../helpers/target.js';

const target = useTarget({ knobs: { firstTokenDelayMs: 5, tokenIntervalMs: 5, tokens: 4 } });

const utf16le = (text: string): Buffer => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
const utf16be = (text: string): Buffer => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
function utf32le(text: string): Buffer {
  const points = [...text].map((c) => c.codePointAt(0) as number);
  const out = Buffer.alloc(4 + 4 * points.length);
  out.set([0xff, 0xfe, 0, 0]);
  points.forEach((cp, i) => out.writeUInt32LE(cp, 4 + 4 * i));
  return out;
}

/** Re-saves a file of a run folder in another encoding. */
function resave(file: string, encode: (text: string) => Buffer): void {
  writeFileSync(file, encode(readFileSync(file, 'utf8')));
}

test('a run folder saved again as UTF-16 and UTF-32 is read by report, merge and compare; merge writes UTF-8', async () => {
  const dir = tempDir();
  const [a, b] = [join(dir, 'a'), join(dir, 'b')];
  for (const out of [a, b]) assert.equal((await cli(['run', target.stream(), '-c', '2', '-d', '1s', '--out', out, '--workers', '1', '--quiet'])).code, 0);
  const rowsOf = (d: string): string[] => readFileSync(join(d, 'streams.csv'), 'utf8').trim().split('\n');
  const rows = rowsOf(a).length - 1 + rowsOf(b).length - 1;
  resave(join(a, 'summary.json'), utf16le);
  resave(join(a, 'streams.csv'), utf16be);
  resave(join(a, 'timeseries.csv'), utf32le);
  resave(join(b, 'summary.json'), utf32le);

  const report = await cli(['report', a]);
  assert.equal(report.code, 0, report.stderr);
  noStack(report.stderr);
  const compare = await cli(['compare', a, b, '--html', join(dir, 'c.html')]);
  assert.equal(compare.code, 0, compare.stderr);
  const merged = join(dir, 'm');
  const merge = await cli(['merge', a, b, '--out', merged, '--quiet']);
  assert.equal(merge.code, 0, merge.stderr);
  const joined = readFileSync(join(merged, 'streams.csv'));
  assert.notEqual(joined[0], 0xff, 'written as UTF-8, no BOM carried over');
  const lines = joined.toString('utf8').trim().split('\n');
  assert.equal(lines[0], rowsOf(b)[0], 'one header, as written');
  assert.equal(lines.length - 1, rows, 'every row of both runs');
  assert.equal(joined.indexOf(0), -1, 'no NUL byte (UTF-16) in the joined file');
});

test('a summary.json whose bytes are not what its BOM says: exit 2, naming the file and the encoding', async () => {
  const dir = tempDir();
  const a = join(dir, 'a');
  assert.equal((await cli(['run', target.stream(), '-c', '1', '-d', '1s', '--out', a, '--workers', '1', '--quiet'])).code, 0);
  writeFileSync(join(a, 'summary.json'), Buffer.concat([utf16le(readFileSync(join(a, 'summary.json'), 'utf8')), Buffer.from([0x7d])]));
  const r = await cli(['report', a]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`summary\\.json: not valid UTF-16LE, as its BOM says`));
  noStack(r.stderr);
});
