// The one bounded reader of the JSON files people send around: each way a file can fail to
// be one is bad input (exit 2) naming the file, and no file is read past its bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../../src/util/exit-codes.js';
import { JsonFileError, readJsonFile, type JsonFileProblem } from '../../src/util/read-json-file.js';

const dir = mkdtempSync(join(tmpdir(), 'sse-soak-read-json-'));
const OPTS = { maxBytes: 1000, what: 'a thing.json' };

async function refused(file: string, problem: JsonFileProblem, message: RegExp): Promise<void> {
  await assert.rejects(readJsonFile(file, OPTS), (err: unknown) => {
    assert.ok(err instanceof JsonFileError, String(err));
    assert.equal(err.problem, problem);
    assert.equal(err.exitCode, EXIT.INVALID_INPUT);
    assert.equal(err.file, file);
    assert.match(err.message, message);
    return true;
  });
}

test('a JSON file within its bound is parsed, larger than one chunk too', async () => {
  const file = join(dir, 'good.json');
  const value = { a: [1, 2, 3], text: 'é'.repeat(200_000) };
  writeFileSync(file, JSON.stringify(value));
  assert.deepEqual(await readJsonFile(file, { maxBytes: 1024 * 1024, what: 'a thing.json' }), value);
});

test('missing, a folder, too large, not JSON: each refused with its reason and the file named', async () => {
  await refused(join(dir, 'none.json'), 'missing', /none\.json: no such file$/);
  await refused(dir, 'unreadable', /: is a folder, not a file$/);
  const big = join(dir, 'big.json');
  closeSync(openSync(big, 'w'));
  truncateSync(big, OPTS.maxBytes + 1);
  await refused(big, 'too-large', /big\.json: 1001 bytes, more than the 1000 a thing\.json can be$/);
  const cut = join(dir, 'cut.json');
  writeFileSync(cut, '{"a": [1, 2');
  await refused(cut, 'not-json', /cut\.json: not JSON \(a truncated file\?\): /);
});

test('a file with no size to check first (a device, a FIFO) is read no further than the bound', async () => {
  await refused('/dev/zero', 'too-large', /^\/dev\/zero: more than the 1000 a thing\.json can be$/);
});
