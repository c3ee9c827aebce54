// A scenario saved as UTF-16 or UTF-32 with a BOM (Windows editors' "Unicode"; YAML 1.2 allows
// them) is read as the text it is, not as garbage; bytes that are not what the BOM says are
// an error naming the encoding; and a file with only comments and document markers says what
// is missing, where it said "…:1:4 is required" (issue 23).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScenarioError } from '../../src/scenario/errors.js';
import { loadScenario } from '../../src/scenario/load.js';
import { cli, tempDir } from '../helpers/cli.js';

// Accents, CJK and an astral character (a surrogate pair in UTF-16), in a body and a header.
const TEXT = 'name: encodé\ntarget:\n  url: http://127.0.0.1:9/stream\n  body: \'{"q":"héllo 世界 𝄞"}\'\nload: { sessions: 1, duration: 1s }\n';

function encode(text: string, encoding: 'utf-16le' | 'utf-16be' | 'utf-32le' | 'utf-32be'): Buffer {
  if (encoding === 'utf-16le') return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  if (encoding === 'utf-16be') return Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
  const points = [...text].map((c) => c.codePointAt(0) as number);
  const out = Buffer.alloc(4 + points.length * 4);
  const le = encoding === 'utf-32le';
  out.set(le ? [0xff, 0xfe, 0, 0] : [0, 0, 0xfe, 0xff]);
  points.forEach((cp, i) => (le ? out.writeUInt32LE(cp, 4 + 4 * i) : out.writeUInt32BE(cp, 4 + 4 * i)));
  return out;
}

async function rejected(file: string): Promise<ScenarioError> {
  try {
    await loadScenario(file, {});
  } catch (err) {
    if (err instanceof ScenarioError) return err;
    throw err;
  }
  return assert.fail(`${file} was accepted`);
}

for (const encoding of ['utf-16le', 'utf-16be', 'utf-32le', 'utf-32be'] as const) {
  test(`a scenario in ${encoding.toUpperCase()} with its BOM reads as the same scenario as in UTF-8`, async () => {
    const dir = tempDir();
    const file = join(dir, `s-${encoding}.yaml`);
    writeFileSync(file, encode(TEXT, encoding));
    const s = await loadScenario(file, {});
    assert.equal(s.name, 'encodé');
    assert.equal(s.target.variants[0]?.body, '{"q":"héllo 世界 𝄞"}');
    const v = await cli(['validate', file]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });
}

test('bytes that are not what the BOM says: an error naming the encoding, not garbage', async () => {
  const file = join(tempDir(), 'odd.yaml');
  writeFileSync(file, Buffer.concat([encode(TEXT, 'utf-16le'), Buffer.from([0x41])]));
  const err = await rejected(file);
  assert.match(err.describe(), /odd\.yaml not valid UTF-16LE, as its BOM says \(\d+ bytes after the BOM, an odd number\)/);
});

test('UTF-16 saved without a BOM: an error that says so', async () => {
  const file = join(tempDir(), 'nobom.yaml');
  writeFileSync(file, Buffer.from(TEXT, 'utf16le'));
  const err = await rejected(file);
  assert.match(err.describe(), /nobom\.yaml:1:1 a NUL byte at byte 1: is it UTF-16 or UTF-32 saved without a BOM\? Save it as UTF-8/);
});

for (const [label, text] of [
  ['only a comment and a document marker', '# comment\n---\n'],
  ['empty', ''],
  ['only comments', '# a\n# b\n'],
] as const) {
  test(`a scenario file that is ${label}: says that it holds no scenario, and what one looks like`, async () => {
    const file = join(tempDir(), 'blank.yaml');
    writeFileSync(file, text);
    const err = await rejected(file);
    assert.equal(err.problems.length, 1);
    assert.equal(
      err.describe(),
      `${file} holds no scenario: it is empty, or only comments and document markers (---)\n    hint: a scenario is a mapping such as "load: { sessions: 10, duration: 1m }"; sse-soak init writes one to start from`,
    );
  });
}

test('a scenario that is a list or a scalar names what it must be', async () => {
  const file = join(tempDir(), 'list.yaml');
  writeFileSync(file, '- a\n- b\n');
  assert.match((await rejected(file)).describe(), /list\.yaml:1:1 the scenario must be a mapping of fields \(target:, load: …\), got a list/);
});
