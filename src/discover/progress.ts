// What discover says while its probes are held: a probe can take up to an hour, and a
// command that prints nothing for that long cannot be told from one that hangs.
import { fmtDuration, type ProbeKind, type ProbeResult } from './ladder.js';

/** One probe as the progress sees it. */
export interface HeldProbe {
  kind: ProbeKind;
  rungMs: number;
  /** When its response headers came, ms since discover started the probes; null while it waits for them. */
  headersAtMs: number | null;
  /** Its result once it ended. */
  result: ProbeResult | null;
}

function probeLabel(kind: ProbeKind, rungMs: number): string {
  return `${kind === 'idle' ? 'silence' : 'lifetime'} ${fmtDuration(rungMs)}`;
}

/** Whole seconds, as a running clock is read. */
const clock = (ms: number): string => fmtDuration(Math.max(0, Math.round(ms / 1000)) * 1000);

/**
 * One line: how long so far, what is held, what waits for its headers (and when
 * discover gives up on it), what ended, and which probe is due to end next.
 */
export function progressLine(elapsedMs: number, probes: readonly HeldProbe[], headersTimeoutMs: number): string {
  const ended = probes.filter((p) => p.result !== null);
  const waiting = probes.filter((p) => p.result === null && p.headersAtMs === null);
  const held = probes.filter((p) => p.result === null && p.headersAtMs !== null);
  const parts: string[] = [];
  if (held.length > 0) parts.push(`${held.length} held (${spanOf(held)})`);
  if (waiting.length > 0) parts.push(`${waiting.length} waiting for response headers (given up at ${clock(headersTimeoutMs)})`);
  if (ended.length > 0) {
    const survived = ended.filter((p) => p.result?.survived === true).length;
    parts.push(`${ended.length} ended (${survived} survived, ${ended.length - survived} cut)`);
  }
  let next = '';
  // The rung sets when a held probe ends: its silence or lifetime, counted from its headers.
  const due = held.map((p) => ({ p, atMs: (p.headersAtMs as number) + p.rungMs })).sort((a, b) => a.atMs - b.atMs)[0];
  if (due !== undefined) next = `; next: ${probeLabel(due.p.kind, due.p.rungMs)} ends in ~${clock(due.atMs - elapsedMs)}`;
  return `${clock(elapsedMs)}: ${parts.join(', ') || 'no probes'}${next}`;
}

/** "silence 5 s – 10 min, lifetime 5 s – 10 min": the rungs of each kind still held. */
function spanOf(probes: readonly HeldProbe[]): string {
  const out: string[] = [];
  for (const kind of ['idle', 'lifetime'] as const) {
    const rungs = probes.filter((p) => p.kind === kind).map((p) => p.rungMs);
    if (rungs.length === 0) continue;
    const lo = Math.min(...rungs);
    const hi = Math.max(...rungs);
    out.push(lo === hi ? probeLabel(kind, lo) : `${probeLabel(kind, lo)} – ${fmtDuration(hi)}`);
  }
  return out.join(', ');
}
