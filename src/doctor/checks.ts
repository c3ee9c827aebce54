// What doctor makes of one observed stream: the checklist of the brief (§1), each
// finding ok / warn / fail with its fix in one line. Pure: observation → findings.
import { certificateAdvice } from '../report/tls-advice.js';
import type { Observation } from './probe.js';
import { proxiedStatus, proxyCutFix, proxyFailure, proxyHopFindings } from './proxy-checks.js';
import { judgePacing, TOGETHER_MS, type Pacing } from './timing.js';

export type Level = 'ok' | 'warn' | 'fail';

export interface Finding {
  level: Level;
  check: string;
  detail: string;
  fix?: string;
}

export interface Expectations {
  sentinel: string | null;
  /** The type of the event that ends a reply, e.g. message_stop; null for none. */
  sentinelEvent?: string | null;
  /** AI chat: the first token within 2 s. */
  firstEventWithinMs: number;
  /** A silence longer than this with no heartbeat is at risk from idle timeouts. */
  quietRiskMs: number;
}

export const DEFAULT_EXPECTATIONS: Expectations = { sentinel: '[DONE]', firstEventWithinMs: 2000, quietRiskMs: 15_000 };

const ok = (check: string, detail: string): Finding => ({ level: 'ok', check, detail });
const warn = (check: string, detail: string, fix: string): Finding => ({ level: 'warn', check, detail, fix });
const fail = (check: string, detail: string, fix: string): Finding => ({ level: 'fail', check, detail, fix });

export function checkStream(o: Observation, x: Expectations = DEFAULT_EXPECTATIONS): Finding[] {
  if (o.status === 0 && o.end === 'timeout') {
    return [
      fail(
        'connection',
        `no response within ${Math.round(o.timeoutMs / 100) / 10} s (--timeout)`,
        'check that the server answers at this URL (a queue, a cold upstream, a firewall that accepts and drops); raise --timeout if it is slow to answer',
      ),
    ];
  }
  const hop = proxyHopFindings(o);
  if (o.status === 0) {
    return [...hop, proxyFailure(o) ?? fail('connection', `no response: ${o.error ?? 'nothing came back'}`, noResponseFix(o.error))];
  }
  const f: Finding[] = [...hop];
  const h = o.headers;
  f.push(
    o.status === 200
      ? ok('status', '200')
      : (proxiedStatus(o) ?? fail('status', String(o.status), 'an SSE endpoint answers 200; EventSource gives up on any other status')),
  );
  // sse-soak run skips every 1xx, as HTTP says; undici alone (Node's fetch) ends the connection on 100.
  if (o.interim.includes(100)) {
    f.push(
      warn(
        'interim response',
        "100 Continue, unasked: sse-soak skips it, but Node's fetch (undici) drops the connection on it",
        'send 100 Continue only in answer to Expect: 100-continue',
      ),
    );
  } else if (o.interim.length > 0) {
    f.push(ok('interim response', `${o.interim.join(', ')} before the ${o.status}, skipped as HTTP says`));
  }

  const type = (h['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  f.push(
    type === 'text/event-stream'
      ? ok('Content-Type', h['content-type'] ?? '')
      : fail('Content-Type', h['content-type'] ?? 'missing', 'send Content-Type: text/event-stream'),
  );

  // Judged on arrival times: a compressor flushed per event, or a proxy that lets the
  // chunks through, streams; one that holds events streams them in bursts or at the end.
  const pacing = judgePacing(o.tokenTimesMs);
  const streams = pacing.verdict === 'streaming';
  const encoding = h['content-encoding'];
  if (encoding === undefined || encoding === 'identity') f.push(ok('Content-Encoding', 'none: events are not held in a compressor'));
  else if (streams)
    f.push(
      warn(
        'Content-Encoding',
        `${encoding}, and events still arrive one by one: the compressor is flushed per event`,
        'keep it so (nginx: proxy_buffering off; Caddy: the default minimum_length), or leave text/event-stream out of compression: a buffered path behind it would hold events',
      ),
    );
  else
    f.push(
      fail(
        'Content-Encoding',
        `${encoding}: compressed events wait in the compressor's buffer${pacing.verdict === 'bursts' ? ' (they arrive in bursts, below)' : ''}`,
        'turn compression off for text/event-stream (nginx: keep it out of gzip_types, or gzip off in this location; Caddy: encode with its default minimum_length)',
      ),
    );

  const length = h['content-length'];
  f.push(
    length === undefined
      ? ok('Content-Length', 'absent: the reply is sent as it is made')
      : fail(
          'Content-Length',
          `${length}: the whole reply was made before it was sent`,
          'stream with chunked encoding; no layer should collect the reply and re-frame it',
        ),
  );

  const cache = (h['cache-control'] ?? '').toLowerCase();
  f.push(
    cache.includes('no-cache') || cache.includes('no-store')
      ? ok('Cache-Control', h['cache-control'] ?? '')
      : warn('Cache-Control', h['cache-control'] ?? 'missing', 'send Cache-Control: no-cache, so caches and CDNs pass the stream through'),
  );

  // nginx consumes the upstream's X-Accel-Buffering, so behind nginx a client never sees it:
  // its absence is a problem only where the timing shows that something buffers.
  const accel = (h['x-accel-buffering'] ?? '').toLowerCase();
  if (accel === 'no') f.push(ok('X-Accel-Buffering', 'no: nginx will not buffer this response'));
  else if (streams)
    f.push(
      ok(
        'X-Accel-Buffering',
        `${accel === '' ? 'not seen' : accel}, and events arrive one by one (an nginx in the path takes this header off; advice: send X-Accel-Buffering: no from the app)`,
      ),
    );
  else
    f.push(
      warn('X-Accel-Buffering', accel === '' ? 'missing' : accel, 'send X-Accel-Buffering: no from the app, or set proxy_buffering off where nginx proxies it'),
    );

  f.push(
    o.httpVersion === '1.1' || o.httpVersion === '2.0'
      ? ok('HTTP version', `${o.httpVersion === '2.0' ? '2' : '1.1'}${offeredText(o.alpnOffered)}`)
      : warn('HTTP version', o.httpVersion, 'HTTP/1.0 has no chunked encoding or keep-alive; at nginx, set proxy_http_version 1.1'),
  );

  f.push(
    o.headersMs <= x.firstEventWithinMs
      ? ok('time to headers', `${o.headersMs} ms`)
      : warn('time to headers', `${o.headersMs} ms`, 'send the headers at once, before the first token is ready'),
  );

  if (o.firstEventMs === null) {
    f.push(
      fail(
        'first event',
        `no token event within ${o.durationMs} ms${o.dataEvents > 0 ? ` (${o.dataEvents} events that carry none: check --tokens-event / --tokens-json-path)` : ''}`,
        'flush each event as it is written; look for a layer that buffers',
      ),
    );
  } else {
    const after = Math.round((o.firstEventMs - o.headersMs) * 10) / 10;
    f.push(
      o.firstEventMs <= x.firstEventWithinMs
        ? ok('first event', `${o.firstEventMs} ms (${after} ms after the headers)`)
        : warn(
            'first event',
            `${o.firstEventMs} ms (${after} ms after the headers)`,
            `AI chat expects the first token within ${x.firstEventWithinMs / 1000} s: flush it as soon as it exists`,
          ),
    );
  }

  f.push(bufferingFinding(o, pacing));

  if (o.comments > 0) {
    const gaps = o.commentTimesMs.slice(1).map((t, i) => t - (o.commentTimesMs[i] as number));
    const every = gaps.length > 0 ? `every ${Math.round(median(gaps) / 100) / 10} s` : 'seen once';
    f.push(ok('heartbeat', `comment lines ${every}`));
  } else if (o.longestSilenceMs >= x.quietRiskMs) {
    f.push(
      warn(
        'heartbeat',
        `none, and the stream went quiet for ${Math.round(o.longestSilenceMs / 100) / 10} s`,
        'send a comment line (": ping") every 15 s, or idle timeouts (nginx proxy_read_timeout, 60 s) cut quiet replies',
      ),
    );
  } else {
    f.push(
      warn('heartbeat', 'no comment lines seen', 'send ": ping" every 15 s while a reply is open, so a reply that thinks longer than an idle timeout survives'),
    );
  }

  if (o.end === 'error') {
    f.push(fail('end', `the stream broke: ${o.error}`, proxyCutFix(o) ?? 'look for a proxy or load balancer timeout, or a crash, at that moment'));
  } else if (x.sentinel !== null || (x.sentinelEvent ?? null) !== null) {
    const end = x.sentinel ?? `event: ${x.sentinelEvent}`;
    if (o.sentinelSeen) f.push(ok('end', `${end} arrived`));
    else if (o.end === 'timeout') f.push(warn('end', `still streaming after ${o.durationMs} ms (doctor's --timeout)`, 'raise --timeout to see the end'));
    else f.push(fail('end', `closed before ${end}`, 'a layer cut the stream, or the app does not send its end sentinel'));
  } else {
    f.push(ok('end', o.end === 'timeout' ? `still streaming after ${o.durationMs} ms` : 'closed cleanly'));
  }
  return f;
}

/** Buffering, from the token events' arrival times and, as before, from events per read. */
function bufferingFinding(o: Observation, pacing: Pacing): Finding {
  const fix = 'something buffers: nginx proxy_buffering (or X-Accel-Buffering: no), haproxy without option http-no-delay, compression, or a CDN';
  if (pacing.verdict === 'too-few')
    return warn('buffering', `only ${pacing.events} token events: too few to tell`, 'probe a longer reply (e.g. the built-in target with ?tokens=40)');
  const perRead = Math.round((o.dataEvents / Math.max(1, o.readsWithEvents)) * 100) / 100;
  if (pacing.verdict === 'bursts') {
    const together = `${Math.round(pacing.togetherShare * 100)}% of the gaps between token events are under ${TOGETHER_MS} ms`;
    return pacing.burstEveryMs === 0
      ? fail('buffering', `all ${pacing.events} token events arrived at once (${together})`, fix)
      : fail('buffering', `events arrive in bursts: about ${pacing.perBurst} at a time, every ${pacing.burstEveryMs} ms (${together})`, fix);
  }
  if (perRead >= 3) return fail('buffering', `events arrive in bursts: ${perRead} per read on average, up to ${o.maxEventsPerRead}`, fix);
  return ok('buffering', `events arrive one by one: a token event every ${pacing.medianGapMs} ms (median), ${perRead} per read`);
}

function noResponseFix(error: string | null): string {
  if (error?.startsWith('unsolicited 101') === true) return 'answer an SSE request with 200 and the stream, not with a protocol switch';
  if (error?.startsWith('response headers over') === true)
    return 'send fewer or shorter response headers (often cookies): clients refuse a head over 16 KiB (HTTP/1.1), or over about 144 KiB compressed (HTTP/2)';
  const advice = error === null ? null : certificateAdvice(error);
  if (advice !== null) return advice;
  return 'check the URL, DNS, and that something listens on that port';
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

/** The report a person reads. */
/** " (the server offers h2, http/1.1 over TLS)": what ALPN found, where it was asked. */
function offeredText(offered: string[] | null): string {
  if (offered === null) return '';
  return offered.length === 0 ? ' (the server agreed to neither h2 nor http/1.1 in ALPN)' : ` (the server offers ${offered.join(', ')} over TLS)`;
}

export function renderFindings(url: string, findings: Finding[]): string {
  const lines = [`sse-soak doctor ${url}`, ''];
  const width = Math.max(...findings.map((f) => f.check.length));
  for (const f of findings) {
    lines.push(`${f.level === 'fail' ? 'FAIL' : f.level.padEnd(4)}  ${f.check.padEnd(width)}  ${f.detail}`);
    if (f.fix !== undefined) lines.push(`${' '.repeat(width + 8)}fix: ${f.fix}`);
  }
  const fails = findings.filter((f) => f.level === 'fail').length;
  const warns = findings.filter((f) => f.level === 'warn').length;
  lines.push(
    '',
    fails > 0
      ? `${fails} failed, ${warns} warning${warns === 1 ? '' : 's'}`
      : warns > 0
        ? `no failures, ${warns} warning${warns === 1 ? '' : 's'}`
        : 'all checks passed',
  );
  return lines.join('\n') + '\n';
}
