// The built-in target on its own: pacing, event shape, knobs, faults, routes. Its pacing
// logic is tested exactly in virtual time (test/target/token-stream.test.ts); here, on
// the wire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { request } from 'undici';
import { replyLength } from '../../src/target/token-stream.js';
import { DEFAULT_KNOBS } from '../../src/target/knobs.js';
import { useTarget } from '../helpers/target.js';

const target = useTarget();

/** Reads a response body, noting when each chunk arrived. */
async function chunks(
  url: string,
  init: Parameters<typeof request>[1] = {},
): Promise<{ status: number; headers: Record<string, unknown>; reads: { atMs: number; text: string }[] }> {
  const t0 = performance.now();
  const res = await request(url, init);
  const reads: { atMs: number; text: string }[] = [];
  for await (const c of res.body) reads.push({ atMs: performance.now() - t0, text: (c as Buffer).toString() });
  return { status: res.statusCode, headers: res.headers, reads };
}

test('events arrive one by one at the configured pace', async () => {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const { status, headers, reads } = await chunks(target.stream('firstTokenDelay=100ms&tokenInterval=50ms&tokens=6'));
  loop.disable();
  assert.equal(status, 200);
  assert.match(String(headers['content-type']), /^text\/event-stream/);
  assert.equal(headers['cache-control'], 'no-cache');
  assert.equal(headers['x-accel-buffering'], 'no');
  const tokenReads = reads.filter((r) => r.text.includes('chat.completion.chunk'));
  assert.equal(tokenReads.length, 6, 'each token in a read of its own: nothing is held back');
  // Never early; a busy machine may make it late, which the harness would measure as such.
  assert.ok((tokenReads[0]?.atMs ?? 0) >= 99, `first token at ${tokenReads[0]?.atMs} ms, configured 100 ms`);
  const gaps = tokenReads.slice(1).map((r, i) => r.atMs - (tokenReads[i]?.atMs ?? 0));
  const median = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)] ?? 0;
  // Target and client share this process's event loop: a gap is off by as much as the loop ran
  // late (the longest timer period it saw, resolution included), and no more.
  const slackMs = loop.max / 1e6;
  assert.ok(
    Math.abs(median - 50) < slackMs,
    `median gap ${median.toFixed(1)} ms, configured 50 ms (gaps ${gaps.map((g) => g.toFixed(0)).join(', ')}; the loop ran up to ${slackMs.toFixed(1)} ms late)`,
  );
  const last = tokenReads[tokenReads.length - 1]?.atMs ?? 0;
  assert.ok(last >= 100 + 5 * 50 - 1, `the last token is not early either (${last} ms)`);
  const all = reads.map((r) => r.text).join('');
  assert.match(all, /data: \[DONE\]\n\n$/);
  const ids = [...all.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
  assert.deepEqual(ids, [1, 2, 3, 4, 5, 6, 7]);
  const stamps = [...all.matchAll(/^x-sent-us: (\d+)$/gm)].map((m) => Number(m[1]));
  assert.equal(stamps.length, 7);
  const nowUs = (performance.timeOrigin + performance.now()) * 1000;
  assert.ok(
    stamps.every((s) => Math.abs(nowUs - s) < 5_000_000),
    'stamps are epoch µs',
  );
});

test('text format, no ids, no stamps, no sentinel', async () => {
  const { reads } = await chunks(target.stream('firstTokenDelay=0ms&tokenInterval=1ms&tokens=3&format=text&eventIds=false&stamp=false&sentinel='));
  assert.equal(reads.map((r) => r.text).join(''), 'data:  tok0\n\ndata:  tok1\n\ndata:  tok2\n\n');
});

test('POST with a chat completion body, at the OpenAI path', async () => {
  const { status, reads } = await chunks(target.url('/v1/chat/completions', 'tokens=2&firstTokenDelay=0ms&tokenInterval=1ms'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'x', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(status, 200);
  assert.match(reads.map((r) => r.text).join(''), /"content":" tok1"/);
});

test('heartbeat comments go on through a silence', async () => {
  const { reads } = await chunks(target.stream('firstTokenDelay=0ms&tokenInterval=10ms&tokens=2&silenceAfter=1&silence=350ms&heartbeat=100ms'));
  const all = reads.map((r) => r.text).join('');
  // Between the two tokens, in the silence; how many, exactly, in virtual time (token-stream.test.ts).
  assert.match(all, /" tok0".*\n\n(: ping\n\n)+.*" tok1"/s, all);
});

test('faults: status, and bad knobs are refused with 400', async () => {
  assert.equal((await chunks(target.stream('status=503'))).status, 503);
  const bad = await chunks(target.stream('tokens=many'));
  assert.equal(bad.status, 400);
  assert.match(bad.reads.map((r) => r.text).join(''), /tokens: expected a whole number/);
});

test('the buffer knob holds events back until that many bytes wait, and flushes at the end', async () => {
  const { reads } = await chunks(target.stream('firstTokenDelay=0ms&tokenInterval=10ms&tokens=20&format=text&eventIds=false&stamp=false&buffer=100'));
  const body = reads.map((r) => r.text);
  assert.ok(body.length < 20, `${body.length} reads for 20 events`);
  assert.ok(
    body.slice(0, -1).every((t) => t.length >= 100),
    'nothing goes out before 100 bytes wait',
  );
  assert.match(body.join(''), /data: \[DONE\]\n\n$/);
});

test('routes: /healthz answers, other paths are 404', async () => {
  assert.equal((await chunks(target.url('/healthz'))).status, 200);
  assert.equal((await chunks(target.url('/nope'))).status, 404);
});

test('/stats counts the events sent, for benchmarks that check what a client received', async () => {
  const stats = async (): Promise<{ streamsOpen: number; eventsSent: number }> =>
    (await (await fetch(target.url('/stats'))).json()) as { streamsOpen: number; eventsSent: number };
  const before = await stats();
  await chunks(target.stream('tokens=7&tokenInterval=1ms&firstTokenDelay=0ms&sentinel='));
  const after = await stats();
  assert.equal(after.eventsSent - before.eventsSent, 7);
  assert.equal(after.streamsOpen, 0);
});

test('reply length spreads within tokens × (1 ± spread)', () => {
  const knobs = { ...DEFAULT_KNOBS, tokens: 100, tokensSpread: 0.2 };
  assert.equal(
    replyLength(knobs, () => 0),
    80,
  );
  assert.equal(
    replyLength(knobs, () => 0.5),
    100,
  );
  assert.equal(
    replyLength(knobs, () => 0.999999),
    120,
  );
  assert.equal(
    replyLength({ ...knobs, tokensSpread: 0 }, () => 0),
    100,
  );
});
