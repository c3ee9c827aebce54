// One discover probe: a single stream through the path, followed to its end.
import { Agent, request } from 'undici';
import { errorCode } from '../driver/classify.js';
import { SseDecoder } from '../driver/sse-decoder.js';
import type { ProbeKind, ProbeResult } from './ladder.js';

export interface ProbeOptions {
  url: string;
  headers: Record<string, string>;
  kind: ProbeKind;
  rungMs: number;
  agent: Agent;
}

export async function runProbe(o: ProbeOptions): Promise<ProbeResult & { longestSilenceMs: number }> {
  const t0 = performance.now();
  let lastByte = t0;
  let longestSilence = 0;
  let sawSentinel = false;
  let how: string | null = null;
  try {
    const res = await request(o.url, { dispatcher: o.agent, headers: { Accept: 'text/event-stream', ...o.headers } });
    lastByte = performance.now();
    if (res.statusCode !== 200) {
      how = `HTTP ${res.statusCode}`;
      await res.body.dump();
    } else {
      const decoder = new SseDecoder({ onEvent: (data) => void (data === '[DONE]' && (sawSentinel = true)) });
      for await (const chunk of res.body) {
        const now = performance.now();
        longestSilence = Math.max(longestSilence, now - lastByte);
        lastByte = now;
        decoder.push(chunk as Buffer);
      }
      if (!sawSentinel) how = 'closed early';
    }
  } catch (err) {
    how = errorCode(err);
  }
  const end = performance.now();
  const survived = how === null;
  const cutAtMs = survived ? null : Math.round(o.kind === 'idle' ? end - lastByte : end - t0);
  return { kind: o.kind, rungMs: o.rungMs, survived, cutAtMs, how, longestSilenceMs: Math.round(Math.max(longestSilence, survived ? 0 : end - lastByte)) };
}
