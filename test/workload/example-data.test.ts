// The example data shipped in scenarios/data/ reads without error through the public API, and
// is what scripts/make-workload-data.ts makes (so it can be remade, and was not hand-edited).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EXAMPLE_DATA } from '../../scripts/make-workload-data.js';
import { readDataset, type BodyDataset, type ConversationDataset } from '../../src/workload/dataset.js';
import { readTrace } from '../../src/workload/trace.js';

const data = (name: string): string => fileURLToPath(new URL(`../../../scenarios/data/${name}`, import.meta.url));

test('each file in scenarios/data/ is exactly what the script makes', () => {
  for (const [name, make] of Object.entries(EXAMPLE_DATA)) assert.equal(readFileSync(data(name), 'utf8'), make(), `${name}: run npm run data:workload`);
});

test('chat-prompts.jsonl: 50 bodies, detected as JSONL', async () => {
  const d = (await readDataset(data('chat-prompts.jsonl'))) as BodyDataset;
  assert.equal(d.format, 'jsonl');
  assert.equal(d.size, 50);
  assert.ok(new Set(Array.from({ length: 50 }, (_, i) => d.bodies.textAt(i))).size === 50, 'all different');
});

test('conversations.sharegpt.json: 10 conversations of 3 to 8 human turns', async () => {
  const d = (await readDataset(data('conversations.sharegpt.json'))) as ConversationDataset;
  assert.equal(d.format, 'sharegpt');
  assert.equal(d.size, 10);
  for (let i = 0; i < d.size; i++) {
    const turns = d.conversation(i).userTurns.length;
    assert.ok(turns >= 3 && turns <= 8, `conversation ${i}: ${turns} turns`);
  }
});

test('trace.csv: an Azure trace of about 200 arrivals over about 60 s, with bursts', async () => {
  const t = await readTrace(data('trace.csv'));
  assert.equal(t.format, 'azure');
  assert.ok(t.count >= 180 && t.count <= 220, `${t.count} arrivals`);
  const lastUs = t.arrivalsUs[t.count - 1] as number;
  assert.ok(lastUs > 55e6 && lastUs < 60e6, `last at ${lastUs} µs`);
  assert.equal(t.reordered, 0);
  // A burst: some one-second window holds at least 5× the mean rate.
  const perSecond = new Map<number, number>();
  for (const us of t.arrivalsUs) perSecond.set(Math.floor(us / 1e6), (perSecond.get(Math.floor(us / 1e6)) ?? 0) + 1);
  assert.ok(Math.max(...perSecond.values()) >= 5 * (t.count / 60), 'bursts');
});
