// Background traffic alongside the streams (`background` in a scenario): the
// process that sends it (background-main.ts), and its results in the summary.
import { fork, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeHistogram, encodeHistogram, newHistogram, statsMs, type MetricStats } from '../aggregate/histogram.js';
import { proxyForUrl, type ProxyEndpoint, type ProxySpec } from '../proxy/settings.js';
import type { BackgroundSpec } from '../scenario/types.js';
import { BACKGROUND_MAIN } from '../util/paths.js';

/** One phase's requests: before the streams start, while they run, after they end. */
export interface BackgroundPhase {
  name: 'before' | 'during' | 'after';
  durationMs: number;
  requests: number;
  /** Responses with a status outside 2xx. */
  non2xx: number;
  /** Requests with no response: refused, reset, timed out. */
  errors: number;
  statuses: Record<string, number>;
  errorCodes: Record<string, number>;
  /** Request sent → response complete. */
  latencyMs: MetricStats;
  histogram: string;
}

export interface BackgroundSummary {
  url: string;
  method: string;
  connections: number;
  /** Requests per second asked for; null: as fast as the connections go. */
  rate: number | null;
  phases: BackgroundPhase[];
}

export type ToBackground =
  | {
      type: 'init';
      url: string;
      method: string;
      headers: Record<string, string>;
      body: string | null;
      connections: number;
      rate: number | null;
      timeoutMs: number;
      /** An http:// URL's forward proxy: the requests go to it in absolute form. */
      proxy: ProxyEndpoint | null;
    }
  | { type: 'phase'; name: 'during' | 'after' }
  | { type: 'stop' };
export type FromBackground = { type: 'started' } | { type: 'result'; phases: BackgroundPhase[] } | { type: 'failed'; message: string };

/**
 * The proxy the background requests go through: an http:// URL's, in absolute form. autocannon
 * opens its own connections and cannot tunnel (CONNECT), so an https:// URL that the proxy
 * serves goes direct, and the notice says so.
 */
export function backgroundProxy(spec: ProxySpec | null, url: string): { via: ProxyEndpoint | null; notice: string | null } {
  const via = proxyForUrl(spec, url);
  if (via === null) return { via: null, notice: null };
  if (new URL(url).protocol === 'http:') return { via, notice: null };
  return {
    via: null,
    notice: `background traffic to https:// URLs does not go through the proxy ${via.shown}: autocannon cannot tunnel (CONNECT), so it goes direct`,
  };
}

/** The background URL: its own, or its path on the origin of the streams' URL. */
export function backgroundUrl(spec: BackgroundSpec, streamUrl: string): string {
  return spec.url ?? new URL(spec.path, new URL(streamUrl).origin).toString();
}

/** The same as reports show it: the URL as written (${VAR} unexpanded, no password), or the path on the streams' origin. */
export function backgroundReportUrl(spec: BackgroundSpec, streamUrl: string): string {
  return spec.urlForReport ?? new URL(spec.path, new URL(streamUrl).origin).toString();
}

export class BackgroundTraffic {
  private failure: string | null = null;
  private readonly cancel = new AbortController();

  private constructor(
    private readonly proc: ChildProcess,
    readonly spec: BackgroundSpec,
    /** As reports show it (see backgroundReportUrl). */
    readonly reportUrl: string,
  ) {
    proc.on('message', (m: FromBackground) => {
      if (m.type === 'failed') this.failure = m.message;
    });
  }

  static start(spec: BackgroundSpec, url: string, reportUrl: string, proxy: ProxyEndpoint | null = null): Promise<BackgroundTraffic> {
    const proc = fork(BACKGROUND_MAIN, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const init: ToBackground = {
      type: 'init',
      url,
      method: spec.method,
      headers: spec.headers,
      body: spec.body,
      connections: spec.connections,
      rate: spec.rate,
      timeoutMs: spec.timeoutMs,
      proxy,
    };
    proc.send(init);
    return new Promise((resolve, reject) => {
      proc.once('message', (m: FromBackground) => {
        if (m.type === 'started') resolve(new BackgroundTraffic(proc, spec, reportUrl));
        else reject(new Error(m.type === 'failed' ? m.message : 'the background traffic did not start'));
      });
      proc.once('exit', (code) => reject(new Error(`the background traffic process exited (code ${code})`)));
    });
  }

  /** Background alone for `before`, then the streams' phase begins. Cut short by interrupt(). */
  async lead(): Promise<void> {
    await sleep(this.spec.beforeMs, undefined, { signal: this.cancel.signal }).catch(() => undefined);
    this.tell({ type: 'phase', name: 'during' });
  }

  /** The streams have ended: background alone again for `after`. */
  async trail(): Promise<void> {
    this.tell({ type: 'phase', name: 'after' });
    await sleep(this.spec.afterMs, undefined, { signal: this.cancel.signal }).catch(() => undefined);
  }

  /** Ends the waits at once (Ctrl-C). */
  interrupt(): void {
    this.cancel.abort();
  }

  async finish(): Promise<BackgroundSummary> {
    const { exitCode, signalCode } = this.proc;
    if (exitCode !== null || signalCode !== null) throw new Error(`its process ended early (${signalCode ?? `code ${exitCode}`})`);
    const phases = await new Promise<BackgroundPhase[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the background traffic process did not report its results')), 10_000);
      this.proc.on('message', (m: FromBackground) => {
        if (m.type !== 'result') return;
        clearTimeout(timer);
        resolve(m.phases);
      });
      this.tell({ type: 'stop' });
    }).finally(() => this.proc.kill());
    if (this.failure !== null) throw new Error(`background traffic: ${this.failure}`);
    return { url: this.reportUrl, method: this.spec.method, connections: this.spec.connections, rate: this.spec.rate, phases };
  }

  kill(): void {
    this.proc.kill('SIGKILL');
  }

  private tell(m: ToBackground): void {
    if (this.proc.connected) this.proc.send(m);
  }
}

/** Background results of several runs together: each phase's counts add, histograms add exactly. */
export function mergeBackground(parts: readonly BackgroundSummary[]): BackgroundSummary | undefined {
  const first = parts[0];
  if (first === undefined) return undefined;
  const names = ['before', 'during', 'after'] as const;
  const phases = names.flatMap((name): BackgroundPhase[] => {
    const same = parts.flatMap((p) => p.phases.filter((x) => x.name === name));
    if (same.length === 0) return [];
    const h = newHistogram();
    const add = (into: Record<string, number>, from: Record<string, number>): void => {
      for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
    };
    const statuses: Record<string, number> = {};
    const errorCodes: Record<string, number> = {};
    for (const x of same) {
      h.add(decodeHistogram(x.histogram));
      add(statuses, x.statuses);
      add(errorCodes, x.errorCodes);
    }
    const sum = (k: 'requests' | 'non2xx' | 'errors'): number => same.reduce((n, x) => n + x[k], 0);
    return [
      {
        name,
        durationMs: Math.max(...same.map((x) => x.durationMs)),
        requests: sum('requests'),
        non2xx: sum('non2xx'),
        errors: sum('errors'),
        statuses,
        errorCodes,
        latencyMs: statsMs(h),
        histogram: encodeHistogram(h),
      },
    ];
  });
  return { ...first, phases };
}
