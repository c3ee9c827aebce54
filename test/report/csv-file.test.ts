// The CSV files a run writes as it goes: opened at once, and a write that fails later is
// told once without ending the run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CsvFile } from '../../src/report/csv-file.js';
import { tempDir } from '../helpers/cli.js';

test('the file exists as soon as it is made, before any row; its header and rows arrive', async () => {
  const path = join(tempDir(), 'a.csv');
  const file = new CsvFile(path, ['x', 'y']);
  assert.ok(existsSync(path), 'opened in the constructor, not on a later tick');
  file.write([1, 'a']);
  file.write([2, 'b,c']);
  await file.close();
  assert.equal(readFileSync(path, 'utf8'), 'x,y\n1,a\n2,"b,c"\n');
});

test('a file that cannot be opened throws at once', () => {
  assert.throws(() => new CsvFile(join(tempDir(), 'no-such-folder', 'a.csv'), ['x']), /ENOENT/);
});

test(
  'a write that fails (a full disk: /dev/full) is told once; close still resolves',
  { skip: existsSync('/dev/full') ? undefined : 'needs /dev/full' },
  async () => {
    const told: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = (chunk: string | Uint8Array) => {
      told.push(String(chunk));
      return true;
    };
    try {
      const file = new CsvFile('/dev/full', ['x']);
      for (let i = 0; i < 1000; i++) file.write([i]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      for (let i = 0; i < 1000; i++) file.write([i]);
      const lost = await file.close();
      // The run ends saying so (exit 3): its report is incomplete.
      assert.equal(lost?.file, '/dev/full');
      assert.match(lost?.reason ?? '', /ENOSPC.*rows after it are lost/);
    } finally {
      process.stderr.write = write;
    }
    assert.equal(told.length, 1, told.join(''));
    assert.match(
      told[0] ?? '',
      /^sse-soak: warning: cannot write \/dev\/full \(ENOSPC: no space left on device.*\); its later rows are lost, the summary and report are still written\n$/,
    );
  },
);
