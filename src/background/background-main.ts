// The background traffic process: autocannon sending ordinary short requests while
// the streams run, in a process of its own so that neither disturbs the other's
// clock. Each response counts in the phase its request was sent in (before, during
// or after the streams), so a request held up by the streams and answered after
// them is charged to them; an error counts in the phase it happens in. The
// coordinator moves the phase.
import autocannon from 'autocannon';
import { encodeHistogram, newHistogram, recordUs, statsMs, type Histogram } from '../aggregate/histogram.js';
import type { BackgroundPhase, FromBackground, ToBackground } from './background.js';

/** Longer than any run; the coordinator stops it. (Node timers overflow past 24.8 days.) */
const FOREVER_S = 20 * 86_400;

/** A phase as it is counted: its counts as reported, its start and its histogram. */
interface Phase extends Omit<BackgroundPhase, 'durationMs' | 'latencyMs' | 'histogram'> {
  startMs: number;
  latency: Histogram;
}

const newPhase = (name: Phase['name']): Phase => ({
  name,
  startMs: performance.now(),
  requests: 0,
  non2xx: 0,
  errors: 0,
  statuses: {},
  errorCodes: {},
  latency: newHistogram(),
});
const send = (m: FromBackground): void => {
  if (process.connected) process.send?.(m);
};
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);

process.once('message', (init: ToBackground) => {
  if (init.type !== 'init') return;
  const phases: Phase[] = [newPhase('before')];
  let current = phases[0] as Phase;
  // Through a forward proxy (http:// only, background.ts): connections to the proxy, each
  // request in absolute form with the target's Host (autocannon would name the proxy's).
  const via = init.proxy;
  const target = new URL(init.url);
  const instance = autocannon({
    url: via === null ? init.url : via.origin,
    ...(via === null ? {} : { requests: [{ path: `${target.origin}${target.pathname}${target.search}` }] }),
    method: init.method,
    headers:
      via === null ? init.headers : { ...init.headers, Host: target.host, ...(via.authorization === null ? {} : { 'Proxy-Authorization': via.authorization }) },
    ...(init.body === null ? {} : { body: init.body }),
    connections: init.connections,
    ...(init.rate === null ? {} : { overallRate: init.rate }),
    timeout: Math.max(1, Math.ceil(init.timeoutMs / 1000)),
    duration: FOREVER_S,
    skipAggregateResult: true,
  });
  /** The phase that was running at `atMs`. */
  const phaseAt = (atMs: number): Phase => {
    for (let i = phases.length - 1; i > 0; i--) if ((phases[i] as Phase).startMs <= atMs) return phases[i] as Phase;
    return phases[0] as Phase;
  };
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
    const p = phaseAt(performance.now() - responseTimeMs);
    p.requests++;
    p.statuses[statusCode] = (p.statuses[statusCode] ?? 0) + 1;
    if (statusCode < 200 || statusCode > 299) p.non2xx++;
    recordUs(p.latency, Math.max(1, Math.round(responseTimeMs * 1000)), 'a background response time');
  });
  instance.on('reqError', (err: NodeJS.ErrnoException) => {
    current.errors++;
    const code = err?.code ?? err?.message ?? 'error';
    current.errorCodes[code] = (current.errorCodes[code] ?? 0) + 1;
  });
  instance.on('error', (err: Error) => send({ type: 'failed', message: err.message }));
  process.on('message', (m: ToBackground) => {
    if (m.type === 'phase') {
      current = newPhase(m.name);
      phases.push(current);
    } else if (m.type === 'stop') {
      instance.stop();
      const endMs = performance.now();
      send({
        type: 'result',
        phases: phases.map((p, i) => ({
          name: p.name,
          durationMs: Math.round((phases[i + 1]?.startMs ?? endMs) - p.startMs),
          requests: p.requests,
          non2xx: p.non2xx,
          errors: p.errors,
          statuses: p.statuses,
          errorCodes: p.errorCodes,
          latencyMs: statsMs(p.latency),
          histogram: encodeHistogram(p.latency),
        })),
      });
      process.disconnect?.();
    }
  });
  send({ type: 'started' });
});
