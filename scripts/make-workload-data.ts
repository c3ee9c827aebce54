// Remakes the example workload data in scenarios/data/, all written here and seeded (no
// third-party dataset copied), so the files are the same on every run of this script:
//   chat-prompts.jsonl            50 chat request bodies of varied shape and length
//   conversations.sharegpt.json   10 ShareGPT-style conversations of 3–8 human turns
//   trace.csv                     an Azure-style trace: ~200 arrivals over 60 s with bursts
//
//   npm run data:workload
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { hashUniform } from '../src/util/random.js';

const SEED = 22; // the number: any fixed seed would do
const u = (stream: number, i: number): number => hashUniform(SEED * 1000 + stream, i);
const pick = <T>(list: readonly T[], stream: number, i: number): T => list[Math.floor(u(stream, i) * list.length)] as T;

const TOPICS = [
  'a reverse proxy',
  'HTTP/2 flow control',
  'TCP slow start',
  'Server-Sent Events',
  'prefix caching in an LLM server',
  'a B-tree',
  'TLS session resumption',
  'backpressure in a stream',
  'consistent hashing',
  'a write-ahead log',
  'rate limiting with a token bucket',
  'garbage collection pauses',
  'idempotent retries',
  'connection pooling',
];
const TASKS = [
  (t: string) => `Explain ${t} to a new engineer in three short paragraphs.`,
  (t: string) => `What can go wrong with ${t} under heavy load? List the failure modes.`,
  (t: string) => `Write a haiku about ${t}.`,
  (t: string) => `Compare ${t} with the simplest alternative, as a table.`,
  (t: string) => `Give me a step-by-step checklist for debugging ${t} in production.`,
  (t: string) => `Summarise ${t} in one sentence, then give one surprising fact about it.`,
  (t: string) =>
    `I am preparing an interview. Ask me five questions about ${t}, from easy to hard, and give model answers for each one so that I can check mine afterwards.`,
  (t: string) => `Translate this sentence into French, German and Japanese: "Our service uses ${t}."`,
];
const SYSTEMS = ['You are a precise, terse senior engineer.', 'You are a patient teacher. Use examples.', 'Answer in plain English, no jargon.'];

/** 50 request bodies: OpenAI chat shape, with and without a system prompt, some with history. */
export function chatPromptsJsonl(): string {
  const lines: string[] = [];
  for (let i = 0; i < 50; i++) {
    // (i mod 14, i mod 8) differ for every i < 56: 50 different asks, with no draw needed.
    const topic = TOPICS[i % TOPICS.length] as string;
    const ask = (TASKS[i % TASKS.length] as (t: string) => string)(topic);
    const messages: { role: string; content: string }[] = [];
    if (u(3, i) < 0.4) messages.push({ role: 'system', content: pick(SYSTEMS, 4, i) });
    if (u(5, i) < 0.2)
      messages.push(
        { role: 'user', content: `Tell me about ${topic}.` },
        { role: 'assistant', content: `Sure. ${topic[0]?.toUpperCase()}${topic.slice(1)} is a common building block; what would you like to know?` },
      );
    messages.push({ role: 'user', content: ask });
    const body: Record<string, unknown> = { model: 'gpt-4o-mini', stream: true, messages, max_tokens: [64, 128, 256, 512, 1024][Math.floor(u(6, i) * 5)] };
    if (u(7, i) < 0.3) body.temperature = Math.round(u(8, i) * 10) / 10;
    lines.push(JSON.stringify(body));
  }
  return `${lines.join('\n')}\n`;
}

const FOLLOW_UPS = [
  'Can you give a concrete example?',
  'Why does that happen?',
  'How would I measure it?',
  'What is the usual fix?',
  'Is there a trade-off?',
  'Shorter, please.',
  'How does that change with many clients?',
  'And in Node.js specifically?',
  'Thanks. One last thing: what should I read next?',
];

/** 10 conversations of 3–8 human turns, each answered by a placeholder gpt turn (not replayed). */
export function conversationsShareGpt(): string {
  const conversations = Array.from({ length: 10 }, (_, c) => {
    const topic = pick(TOPICS, 11, c);
    const turns = 3 + Math.floor(u(12, c) * 6);
    const messages: { from: string; value: string }[] = [];
    if (c % 4 === 0) messages.push({ from: 'system', value: pick(SYSTEMS, 13, c) });
    for (let t = 0; t < turns; t++) {
      messages.push({ from: 'human', value: t === 0 ? pick(TASKS, 14, c)(topic) : pick(FOLLOW_UPS, 15, c * 10 + t) });
      messages.push({ from: 'gpt', value: `(reply ${t + 1} about ${topic})` });
    }
    return { id: `example-${c + 1}`, conversations: messages };
  });
  return `${JSON.stringify(conversations, null, 1)}\n`;
}

/** An Azure-style trace: Poisson arrivals at ~2/s for 60 s, plus four bursts of ~20 within a second or two. */
export function azureTraceCsv(): string {
  const start = Date.UTC(2026, 0, 15, 9, 0, 0) * 1000; // µs
  const arrivalsUs: number[] = [];
  for (let i = 0, t = 0; ; i++) {
    t += -Math.log(1 - u(21, i)) * 500_000; // mean gap 0.5 s
    if (t >= 60_000_000) break;
    arrivalsUs.push(t);
  }
  [8, 23, 37, 51].forEach((atS, b) => {
    const n = 16 + Math.floor(u(22, b) * 8);
    for (let k = 0; k < n; k++) arrivalsUs.push(atS * 1e6 + u(23, b * 100 + k) * 1_500_000);
  });
  arrivalsUs.sort((a, b) => a - b);
  const rows = arrivalsUs.map((t, i) => {
    // Prompt lengths skewed long (lognormal-ish), replies mostly short: as chat traffic is.
    const context = Math.round(Math.exp(5 + u(24, i) * 3 + u(25, i) * 0.5));
    const generated = Math.max(1, Math.round(Math.exp(2.5 + u(26, i) * 4)));
    return `${datetime(start + Math.round(t))},${context},${generated}`;
  });
  return `TIMESTAMP,ContextTokens,GeneratedTokens\n${rows.join('\n')}\n`;
}

/** "2026-01-15 09:00:01.2345670": Azure's form, 7 fractional digits. */
function datetime(us: number): string {
  const d = new Date(Math.floor(us / 1000));
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const fraction = `${pad(us % 1_000_000, 6)}0`;
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${fraction}`;
}

export const EXAMPLE_DATA: Record<string, () => string> = {
  'chat-prompts.jsonl': chatPromptsJsonl,
  'conversations.sharegpt.json': conversationsShareGpt,
  'trace.csv': azureTraceCsv,
};

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = fileURLToPath(new URL('../../scenarios/data/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  for (const [name, make] of Object.entries(EXAMPLE_DATA)) {
    writeFileSync(join(dir, name), make());
    console.log(`wrote ${join('scenarios/data', name)}`);
  }
}
