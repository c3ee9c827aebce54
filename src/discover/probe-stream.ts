// One discover probe: a single stream through the path, followed to its end.
import { request, type Dispatcher } from 'undici';
import { errorCode } from '../driver/classify.js';
import { SseDecoder } from '../driver/sse-decoder.js';
import { fmtDuration, type ProbeKind, type ProbeResult } from './ladder.js';

export interface ProbeOptions {
  url: string;
  headers: Record<string, string>;
  kind: ProbeKind;
  rungMs: number;
  agent: Dispatcher;
  /** Give up on the response headers after this long (undici's own default would wait 300 s). */
  headersTimeoutMs: number;
  /**
   * How long the probe may run past its rung, counted from its response headers, before
   * discover gives up on it: long enough that the path's limits show, not ours, and
   * bounded, so a far end that never ends a reply (or stays silent) does not hold discover.
   */
  overrunMs: number;
  /** Called when the response headers arrive (the progress shows the probe as held from then). */
  onHeaders?: () => void;
}

/** A probe's result, with what the check of the far end looks at: the longest silence received, the data events before the sentinel, the time from request to end. */
export type ProbeOutcome = ProbeResult & { longestSilenceMs: number; tokens: number; tookMs: number };

export async function runProbe(o: ProbeOptions): Promise<ProbeOutcome> {
  const t0 = performance.now();
  let lastByte = t0;
  let longestSilence = 0;
  let sawSentinel = false;
  let how: string | null = null;
  let gotHeaders = false;
  let tokens = 0;
  let overran = false;
  let giveUp: NodeJS.Timeout | undefined;
  try {
    const res = await request(o.url, {
      dispatcher: o.agent,
      headers: { Accept: 'text/event-stream', ...o.headers },
      headersTimeout: o.headersTimeoutMs,
      // The longest silence a probe asks for is its rung: a silence longer than that and the overrun is the far end's.
      bodyTimeout: o.rungMs + o.overrunMs,
    });
    lastByte = performance.now();
    gotHeaders = true;
    o.onHeaders?.();
    // A reply that goes on (a lifetime probe's tokens keep the body timeout from firing) is ended here.
    giveUp = setTimeout(() => {
      overran = true;
      res.body.destroy();
    }, o.rungMs + o.overrunMs);
    if (res.statusCode !== 200) {
      how = `HTTP ${res.statusCode}`;
      await res.body.dump();
    } else {
      const decoder = new SseDecoder({
        onEvent: (data) => {
          if (data === '[DONE]') sawSentinel = true;
          else tokens++;
        },
      });
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
  } finally {
    clearTimeout(giveUp);
  }
  const end = performance.now();
  if (!gotHeaders) {
    // Not a cut of the stream: it never began, so it says nothing of the path's limits.
    const why = how === 'UND_ERR_HEADERS_TIMEOUT' ? `no response headers within ${fmtDuration(o.headersTimeoutMs)}` : `no response (${how})`;
    return {
      kind: o.kind,
      rungMs: o.rungMs,
      survived: false,
      cutAtMs: null,
      how: why,
      notCounted: 'no-headers',
      longestSilenceMs: 0,
      tokens: 0,
      tookMs: Math.round(end - t0),
    };
  }
  if (overran) {
    // Not a cut either: the path let it run past its rung, and the far end did not end it.
    const why = `no end ${fmtDuration(o.overrunMs)} after its rung`;
    return {
      kind: o.kind,
      rungMs: o.rungMs,
      survived: false,
      cutAtMs: null,
      how: why,
      notCounted: 'no-end',
      longestSilenceMs: Math.round(longestSilence),
      tokens,
      tookMs: Math.round(end - t0),
    };
  }
  const survived = how === null;
  const cutAtMs = survived ? null : Math.round(o.kind === 'idle' ? end - lastByte : end - t0);
  return {
    kind: o.kind,
    rungMs: o.rungMs,
    survived,
    cutAtMs,
    how,
    longestSilenceMs: Math.round(Math.max(longestSilence, survived ? 0 : end - lastByte)),
    tokens,
    tookMs: Math.round(end - t0),
  };
}
