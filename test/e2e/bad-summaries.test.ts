// merge, compare and report read summary.json files people send around: a broken or
// hostile one is refused with exit 2, naming the file and the field, in bounded time
// and memory; never "internal error", never "cannot write the HTML".
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdirSync, openSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_SUMMARY_BYTES } from '../../src/report/summary-check.js';
import { cli, noStack, tempDir } from '../helpers/cli.js';
import { bombEncoding, encodingOf, zigzag } from '../helpers/hdr-encodings.js';

// A regression that inflates a bomb or allocates what a header asks for fails here
// (out of memory) instead of eating the machine.
const BOUNDED = { env: { NODE_OPTIONS: '--max-old-space-size=256' }, timeoutMs: 60_000 };

let dir: string;
let good: string;
let text: string;
before(async () => {
  dir = tempDir();
  writeFileSync(join(dir, 's.yaml'), 'name: bad-input\ntarget: { builtin: { tokens: 5, tokenInterval: 10ms } }\nload: { sessions: 2, duration: 1s }\n');
  good = join(dir, 'good');
  const r = await cli(['run', join(dir, 's.yaml'), '--out', good, '--quiet'], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  text = readFileSync(join(good, 'summary.json'), 'utf8');
});

/** A run folder whose summary.json is the good one changed by `change` (or `raw` as it is). */
function folder(name: string, change: ((s: any) => void) | { raw: string }): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  let out: string;
  if ('raw' in change) out = change.raw;
  else {
    const s = JSON.parse(text);
    change(s);
    out = JSON.stringify(s);
  }
  writeFileSync(join(d, 'summary.json'), out);
  return d;
}

const COMMANDS = ['merge', 'compare', 'report'] as const;
let next = 0;

/**
 * `d` is refused by merge, compare and report (`all`), or by the next of them in turn:
 * they share one reading path, and each CLI start takes a second on a busy machine.
 */
async function refused(d: string, why: RegExp, all = false): Promise<void> {
  const file = join(d, 'summary.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const args = {
    merge: ['merge', good, d, '--out', join(dir, `m-${next}`)],
    compare: ['compare', good, d, '--html', join(dir, `c-${next}.html`)],
    report: ['report', d],
  };
  const commands = all ? COMMANDS.map((c) => args[c]) : [args[COMMANDS[next++ % COMMANDS.length] as (typeof COMMANDS)[number]]];
  for (const args of commands) {
    const started = Date.now();
    const r = await cli(args, BOUNDED);
    const what = `${args[0]}: ${r.stderr}`;
    assert.equal(r.code, 2, what);
    assert.match(r.stderr, new RegExp(`${file}: `), what);
    assert.match(r.stderr, why, what);
    assert.doesNotMatch(r.stderr, /internal error|cannot write|heap out of memory/, what);
    noStack(r.stderr);
    // Refused at once: a few seconds even on a busy 2-core machine (a regression walks or inflates for much longer).
    assert.ok(Date.now() - started < 20_000, `${args[0]} took ${Date.now() - started} ms`);
  }
}

test('a summary.json missing a field, or with one of the wrong type, names the field', async () => {
  await refused(
    folder('missing', (s) => delete s.run.startedAt),
    /run\.startedAt: missing/,
    true,
  );
  await refused(
    folder('wrong-type', (s) => (s.variants[0].metrics.ttft.p99 = 'slow')),
    /variants\[0\]\.metrics\.ttft\.p99: expected number, found string "slow"/,
  );
  await refused(
    folder('no-cuts', (s) => delete s.cuts),
    /cuts: missing/,
  );
});

test('a compressed bomb (a histogram inflating to 256 MiB) is refused in bounded memory', async () => {
  const bomb = await bombEncoding(256 * 1024 * 1024);
  await refused(
    folder('bomb', (s) => (s.histograms.ttft = bomb)),
    /histograms\.ttft: the histogram inflates to more than \d+ bytes/,
    true,
  );
});

test('absurd histogram headers and counts are refused, not allocated or walked', async () => {
  await refused(
    folder('digits', (s) => (s.reconnects.delayHistogram = encodingOf(zigzag(3), { digits: 6 }))),
    /reconnects\.delayHistogram: the histogram's significant digits \(6\)/,
  );
  await refused(
    folder('zero-run', (s) => (s.cuts.histograms.idle = encodingOf(Buffer.concat([zigzag(1), zigzag(-(2 ** 50))])))),
    /cuts\.histograms\.idle: the histogram's counts run past/,
  );
  await refused(
    folder('huge-highest', (s) => (s.variants[0].histograms.e2e = encodingOf(zigzag(3), { digits: 5, highest: 2n ** 52n }))),
    /variants\[0\]\.histograms\.e2e: the histogram needs \d+ counts/,
  );
  await refused(
    folder('not-base64', (s) => (s.buffering.headersToFirstTokenHistogram = 'bm90IGEgaGlzdG9ncmFt')),
    /buffering\.headersToFirstTokenHistogram: /,
  );
});

test('a truncated summary.json, and one too large to be a summary, are refused', async () => {
  await refused(folder('truncated', { raw: text.slice(0, Math.floor(text.length / 2)) }), /not JSON \(a truncated file\?\)/);
  const big = folder('big', { raw: '{' });
  // Sparse: no disk space used.
  closeSync(openSync(join(big, 'summary.json'), 'r+'));
  truncateSync(join(big, 'summary.json'), MAX_SUMMARY_BYTES + 1);
  await refused(big, /more than the \d+ a summary\.json can be/);
});
