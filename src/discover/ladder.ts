// discover's plan and its conclusions: pure functions, tested without sockets.

export type ProbeKind = 'idle' | 'lifetime';

/** The rungs people meet: 60 s is nginx's default read timeout; 30 s, 360 s and 3600 s load balancers'. */
export const DEFAULT_LADDER_MS = [5, 10, 15, 30, 45, 60, 90, 120, 180, 300, 360, 600, 900, 1800, 3600].map((s) => s * 1000);

export interface ProbeResult {
  kind: ProbeKind;
  /** The silence (idle) or the lifetime (lifetime) the probe asked the target for. */
  rungMs: number;
  survived: boolean;
  /** For a cut: the silence before the cut (idle) or the time on the connection (lifetime). */
  cutAtMs: number | null;
  /** Why it did not survive: reset, eof_early, HTTP 504, … */
  how: string | null;
  /**
   * Left out of the conclusions, and why: it never got response headers (the stream never
   * began), or it had no end long after its rung (discover gave up on it). Neither says
   * anything of the path's limits.
   */
  notCounted?: 'no-headers' | 'no-end';
}

export interface Conclusion {
  kind: ProbeKind;
  /** The longest rung that survived, and the shortest that was cut (null: none). */
  survivedUpToMs: number | null;
  cutFromMs: number | null;
  /** Median of where the cuts came: the limit itself, to the timer's precision. */
  measuredMs: number | null;
  text: string;
}

/** Rungs up to `maxMs`, at least one. */
export function ladder(maxMs: number, rungsMs: readonly number[] = DEFAULT_LADDER_MS): number[] {
  const r = rungsMs.filter((x) => x <= maxMs);
  return r.length > 0 ? r : [maxMs];
}

export function conclude(kind: ProbeKind, results: readonly ProbeResult[]): Conclusion {
  const unanswered = results.filter((r) => r.kind === kind && r.notCounted === 'no-headers').length;
  const endless = results.filter((r) => r.kind === kind && r.notCounted === 'no-end').length;
  const mine = results.filter((r) => r.kind === kind && r.notCounted === undefined).sort((a, b) => a.rungMs - b.rungMs);
  const survived = mine.filter((r) => r.survived).map((r) => r.rungMs);
  const cut = mine.filter((r) => !r.survived);
  const survivedUpToMs = survived.length > 0 ? Math.max(...survived) : null;
  const cutFromMs = cut.length > 0 ? Math.min(...cut.map((r) => r.rungMs)) : null;
  const cutTimes = cut
    .map((r) => r.cutAtMs)
    .filter((x): x is number => x !== null)
    .sort((a, b) => a - b);
  const measuredMs = cutTimes.length > 0 ? (cutTimes[Math.floor((cutTimes.length - 1) / 2)] as number) : null;
  const s = fmtDuration;
  const what = kind === 'idle' ? 'idle limit' : 'lifetime limit';
  let text: string;
  if (mine.length === 0) {
    const none = [unanswered > 0 ? 'got response headers' : null, endless > 0 ? 'ended after its rung' : null].filter((x) => x !== null);
    text = none.length > 0 ? `${what}: unknown (no probe ${none.join(' and ')})` : `${what}: not probed`;
  } else if (cutFromMs === null) text = `${what} at least ${s(survivedUpToMs as number)} (every probe survived)`;
  else if (survivedUpToMs === null) text = `${what} below ${s(cutFromMs)} (every probe was cut)`;
  else if (survivedUpToMs > cutFromMs)
    text = `${what} unclear: a ${s(survivedUpToMs)} probe survived but a ${s(cutFromMs)} one was cut (a limit that varies, or cuts for another reason)`;
  else text = `${what} between ${s(survivedUpToMs)} and ${s(cutFromMs)}`;
  if (measuredMs !== null && mine.length > 0) text += `; the cuts came after ${s(measuredMs)}${kind === 'idle' ? ' of silence' : ' on the connection'}`;
  if (unanswered > 0 && mine.length > 0)
    text += ` (${unanswered} probe${unanswered === 1 ? '' : 's'} got no response headers and ${unanswered === 1 ? 'is' : 'are'} not counted)`;
  if (endless > 0 && mine.length > 0)
    text += ` (${endless} probe${endless === 1 ? '' : 's'} had no end after ${endless === 1 ? 'its' : 'their'} rung and ${endless === 1 ? 'is' : 'are'} not counted)`;
  return { kind, survivedUpToMs, cutFromMs, measuredMs, text };
}

/** 1.5 s, 60 s, 360 s, 10 min, 1 h: seconds below ten minutes, as limits are usually written. */
export function fmtDuration(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms >= 600_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 100) / 10} s`;
}

/** The query that asks sse-soak serve for one probe. */
export function probeQuery(kind: ProbeKind, rungMs: number): string {
  const ms = Math.round(rungMs);
  if (kind === 'idle') {
    // One token, then silence (no heartbeat at all), then the rest and the sentinel.
    return `firstTokenDelay=0ms&tokenInterval=10ms&tokens=3&silenceAfter=1&silence=${ms}ms&heartbeat=0&closeAfter=-1&resetAfter=-1`;
  }
  // A token every second keeps idle limits out of it; the reply lasts the rung.
  return `firstTokenDelay=0ms&tokenInterval=1000ms&tokens=${Math.max(1, Math.round(ms / 1000))}&silenceAfter=-1&heartbeat=0&closeAfter=-1&resetAfter=-1`;
}
