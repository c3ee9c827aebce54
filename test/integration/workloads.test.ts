// Workloads against truth: what the server receives (a capturing server), how the built-in
// model server's prefill and prefix cache show in ttft turn by turn, a seeded dataset's
// order, and a trace's arrivals against the file (issue 22).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoadRun } from '../../src/driver/load-run.js';
import type { StreamRecord } from '../../src/record/stream-record.js';
import { checkWorkloadFiles } from '../../src/scenario/workload-files.js';
import { parseScenario } from '../../src/scenario/load.js';
import { useTarget } from '../helpers/target.js';

interface Captured {
  url: string;
  bodies: { messages: { role: string; content: string }[] }[];
  close(): Promise<void>;
}

/** An OpenAI-shaped streaming server that keeps every request body and replies `reply-<n> tokens…` in 4 chunks. */
async function capturingServer(): Promise<Captured> {
  const bodies: Captured['bodies'] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      const n = bodies.push(text === '' ? { messages: [] } : (JSON.parse(text) as Captured['bodies'][number]));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const piece of [`reply-${n} `, 'one ', 'two ', 'three']) res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: piece } }] })}\n\n`);
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/chat/completions`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Runs a scenario (its files read as `run` reads them) and returns every measured stream's record. */
async function run(yaml: string, url: string): Promise<StreamRecord[]> {
  const dir = mkdtempSync(join(tmpdir(), 'sse-soak-workload-'));
  const scenario = await checkWorkloadFiles(parseScenario(yaml, join(dir, 's.yaml')));
  const records: StreamRecord[] = [];
  await new LoadRun(scenario, url, { hooks: { onStreamEnd: (r) => void records.push(r) } }).run();
  return records;
}

const TOKENS = 'stream: { tokens: { jsonPath: choices.0.delta.content } }';

test('each turn of a conversation sends the history, with the previous replies as they were streamed', async () => {
  const server = await capturingServer();
  try {
    const records = await run(
      `workload: { synthetic: { inputTokens: 30, pool: 4 }, model: m, outputTokens: 8, conversation: { turns: 3 } }\n${TOKENS}\nload: { model: closed, sessions: 1, duration: 300ms, drain: 10s }\n`,
      server.url,
    );
    assert.ok(server.bodies.length >= 3, `at least one whole conversation (${server.bodies.length} requests)`);
    const [t1, t2, t3] = server.bodies;
    assert.deepEqual(
      [t1, t2, t3].map((b) => b?.messages.map((m) => m.role).join(',')),
      ['user', 'user,assistant,user', 'user,assistant,user,assistant,user'],
    );
    // The replies as streamed (the server numbered them), and the same user messages again.
    assert.equal(t2?.messages[1]?.content, 'reply-1 one two three');
    assert.equal(t3?.messages[3]?.content, 'reply-2 one two three');
    assert.equal(t3?.messages[0]?.content, t1?.messages[0]?.content);
    // Turn numbers, and input tokens that grow by each reply and message.
    const byRequest = [...records].sort((a, b) => a.seq - b.seq);
    assert.deepEqual(
      byRequest.slice(0, 4).map((r) => r.turn),
      [1, 2, 3, 1],
    );
    const [r1, r2, r3] = byRequest as [StreamRecord, StreamRecord, StreamRecord];
    assert.equal(r1.inputTokens, 30);
    // Turn 2: turn 1's prompt, its reply (4 tokens as the stream counted them) and 30 new ones.
    assert.equal(r2.inputTokens, 30 + 4 + 30);
    assert.equal(r3.inputTokens, 30 + 4 + 30 + 4 + 30);
  } finally {
    await server.close();
  }
});

test('a dataset in shuffle order sends the same sequence for the same seed, and another for another seed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sse-soak-dataset-'));
  const file = join(dir, 'prompts.jsonl');
  writeFileSync(
    file,
    Array.from({ length: 20 }, (_, i) => JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: `prompt ${i}` }] })).join('\n') + '\n',
  );
  const sequence = async (seed: number): Promise<string[]> => {
    const server = await capturingServer();
    try {
      await run(
        `workload: { dataset: { file: ${JSON.stringify(file)}, order: shuffle } }\n${TOKENS}\nload: { model: closed, sessions: 1, duration: 400ms, drain: 10s, seed: ${seed} }\n`,
        server.url,
      );
      return server.bodies.map((b) => b.messages[0]?.content ?? '');
    } finally {
      await server.close();
    }
  };
  const [a, b, c] = [await sequence(7), await sequence(7), await sequence(8)];
  const n = Math.min(a.length, b.length, c.length, 20);
  assert.ok(n >= 5, `enough requests to compare (${n})`);
  assert.deepEqual(a.slice(0, n), b.slice(0, n));
  assert.notDeepEqual(a.slice(0, n), c.slice(0, n));
  // A shuffle sends each entry once per pass.
  assert.equal(new Set(a.slice(0, n)).size, n);
});

test('trace arrivals open on the file’s schedule, compressed by speed', async () => {
  const server = await capturingServer();
  const dir = mkdtempSync(join(tmpdir(), 'sse-soak-trace-'));
  const trace = join(dir, 'trace.jsonl');
  const offsetsMs = [0, 40, 100, 250, 260, 600, 1000];
  writeFileSync(trace, offsetsMs.map((ms) => JSON.stringify({ offsetMs: ms })).join('\n') + '\n');
  try {
    const scenario = await checkWorkloadFiles(
      parseScenario(`${TOKENS}\nload: { model: open, trace: { file: ${JSON.stringify(trace)}, speed: 2 }, drain: 10s }\n`, join(dir, 's.yaml')),
    );
    const records: StreamRecord[] = [];
    const loadRun = new LoadRun(scenario, server.url, { hooks: { onStreamEnd: (r) => void records.push(r) } });
    await loadRun.run();
    const startUs = loadRun.startUs;
    assert.equal(records.length, offsetsMs.length);
    const sorted = [...records].sort((a, b) => a.intendedStartUs - b.intendedStartUs);
    // Intended starts are the trace's offsets ÷ 2, exactly (µs).
    assert.deepEqual(
      sorted.map((r) => Math.round((r.intendedStartUs - startUs) / 1000)),
      offsetsMs.map((ms) => ms / 2),
    );
    // And each went out on time: a timer's lateness, a few ms; 25 ms holds beside two busy cores.
    for (const r of sorted) assert.ok(r.dispatchUs - r.intendedStartUs < 25_000, `dispatched ${(r.dispatchUs - r.intendedStartUs) / 1000} ms late`);
  } finally {
    await server.close();
  }
});

// ttft by turn against the built-in model server: prefill at 20,000 tokens/s, so a 2,000-token
// prompt waits 100 ms. Without a prefix cache each turn prefills its whole history (about 100,
// 200, 300 ms); with one, turn 2+ prefills only what is new (the reply and the next message).
const PREFILL = { format: 'openai', firstTokenDelay: '0ms', tokenInterval: '1ms', prefillRate: 20000, honourMaxTokens: true };
const CONVERSATION = `workload: { synthetic: { inputTokens: 2000, pool: 20, order: shuffle }, model: m, outputTokens: 20, conversation: { turns: 3 } }\ntarget: { sendKnobs: true }\n${TOKENS}\nload: { model: closed, sessions: 2, duration: 1500ms, drain: 20s }\n`;

/** Median ttft (ms) of each turn 1–3. */
function ttftByTurn(records: readonly StreamRecord[]): number[] {
  return [1, 2, 3].map((turn) => {
    const ttfts = records.filter((r) => r.turn === turn && r.firstTokenUs > 0).map((r) => (r.firstTokenUs - r.intendedStartUs) / 1000);
    assert.ok(ttfts.length > 0, `turn ${turn} was measured`);
    return ttfts.sort((a, b) => a - b)[Math.floor(ttfts.length / 2)] as number;
  });
}

describe('without a prefix cache', () => {
  const target = useTarget();
  test('ttft grows with the history: each turn prefills all of it', async () => {
    const [t1, t2, t3] = ttftByTurn(await run(CONVERSATION, target.stream(PREFILL))) as [number, number, number];
    // 2,000, then 4,020, then 6,040 input tokens at 20,000/s: 100, 201, 302 ms, plus the way there.
    assert.ok(t1 >= 100 && t1 < 150, `turn 1: ${t1} ms`);
    assert.ok(t2 >= 201 && t2 < 260, `turn 2: ${t2} ms`);
    assert.ok(t3 >= 302 && t3 < 370, `turn 3: ${t3} ms`);
  });
});

describe('with a prefix cache', () => {
  const target = useTarget({ knobs: { prefixCache: 100 } });
  test('ttft stays flat: turn 2+ prefills only the reply and the new message', async () => {
    const [t1, t2, t3] = ttftByTurn(await run(CONVERSATION, target.stream(PREFILL))) as [number, number, number];
    // Turn 1: 2,000 tokens (100 ms); turns 2 and 3: 2,020 new ones each (101 ms).
    for (const [turn, ms] of [
      [1, t1],
      [2, t2],
      [3, t3],
    ] as const) {
      assert.ok(ms >= 100 && ms < 150, `turn ${turn}: ${ms} ms`);
    }
  });
});
