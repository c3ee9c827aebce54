// Cuts: streams the peer ended before they completed. Many streams ending after
// the same silence (an idle cut) or the same time on the connection (a lifetime
// cut) point at one layer's timeout; this names the group and the limit it matches.
import type { StreamRecord } from '../record/stream-record.js';
import { decodeHistogram, encodeHistogram, newHistogram, recordedValues, recordUs, type Histogram } from './histogram.js';

/**
 * idle: data flowed, then a silence of at least IDLE_MIN_US before the cut (value: the silence).
 * lifetime: bytes kept coming until the cut (value: time since the request was sent).
 * silent: no token ever came and the wire was quiet at least IDLE_MIN_US; an idle and a
 * lifetime limit look the same then (value: time since the request was sent).
 */
export const CUT_KINDS = ['idle', 'lifetime', 'silent'] as const;
export type CutKind = (typeof CUT_KINDS)[number];

/** A silence this long before the end makes a cut an idle one. */
const IDLE_MIN_US = 1_000_000;
/** An error status after this long waiting is a gateway's timeout answer: a cut. */
const SLOW_ERROR_US = 1_000_000;
/** Streams that must end alike to make a group. */
export const MIN_GROUP = 3;

export interface DeclaredLimit {
  /** The layer and setting, e.g. "nginx proxy_read_timeout". */
  name: string;
  kind: 'idle' | 'lifetime';
  limitMs: number;
}

export interface CutGroup {
  kind: CutKind;
  count: number;
  centreMs: number;
  /** Standard deviation within the group. */
  spreadMs: number;
  minMs: number;
  maxMs: number;
  /** The declared limit it matches, e.g. "nginx proxy_read_timeout (idle 60s)"; null when none does. */
  matches: string | null;
}

/** The kind and value of a cut, or null when the stream was not cut by the peer. */
export function classifyCut(r: StreamRecord): { kind: CutKind; valueUs: number } | null {
  const o = r.outcome;
  if (o !== 'reset' && o !== 'eof_early' && !(o === 'http_error' && r.headersUs - r.requestSentUs >= SLOW_ERROR_US)) return null;
  if (r.requestSentUs === 0) return null;
  const lifetimeUs = r.endUs - r.requestSentUs;
  const lastByteUs = r.lastByteUs > 0 ? r.lastByteUs : r.requestSentUs;
  const silenceUs = r.endUs - lastByteUs;
  if (silenceUs < IDLE_MIN_US) return { kind: 'lifetime', valueUs: lifetimeUs };
  return r.firstTokenUs === 0 ? { kind: 'silent', valueUs: lifetimeUs } : { kind: 'idle', valueUs: silenceUs };
}

/** Cut values by kind, in histograms: bounded memory, and mergeable without loss. */
export class CutRecorder {
  readonly histograms: Record<CutKind, Histogram> = { idle: newHistogram(), lifetime: newHistogram(), silent: newHistogram() };

  /** False when the cut's value could not be held as it was (see recordUs). */
  record(r: StreamRecord): boolean {
    const cut = classifyCut(r);
    return cut === null || recordUs(this.histograms[cut.kind], cut.valueUs, `a ${cut.kind} cut`);
  }

  add(other: CutRecorder): void {
    for (const k of CUT_KINDS) this.histograms[k].add(other.histograms[k]);
  }

  count(kind: CutKind): number {
    return this.histograms[kind].totalCount;
  }

  encode(): Record<CutKind, string> {
    return {
      idle: encodeHistogram(this.histograms.idle),
      lifetime: encodeHistogram(this.histograms.lifetime),
      silent: encodeHistogram(this.histograms.silent),
    };
  }

  static decode(encoded: Record<CutKind, string>): CutRecorder {
    const c = new CutRecorder();
    for (const k of CUT_KINDS) c.histograms[k].add(decodeHistogram(encoded[k]));
    return c;
  }
}

/** Two values belong together when they lie within max(200 ms, 2 %) of each other. */
function closeEnough(aUs: number, bUs: number): boolean {
  return bUs - aUs <= Math.max(200_000, 0.02 * bUs);
}

/** Groups of at least MIN_GROUP streams that ended alike, largest first, matched to declared limits. */
export function findCutGroups(cuts: CutRecorder, limits: readonly DeclaredLimit[]): { groups: CutGroup[]; scattered: number } {
  const groups: CutGroup[] = [];
  let scattered = 0;
  for (const kind of CUT_KINDS) {
    const values = recordedValues(cuts.histograms[kind]);
    let cluster: { valueUs: number; count: number }[] = [];
    const close = (): void => {
      const n = cluster.reduce((s, v) => s + v.count, 0);
      if (n >= MIN_GROUP) groups.push(describeGroup(kind, cluster, n, limits));
      else scattered += n;
      cluster = [];
    };
    for (const v of values) {
      const last = cluster[cluster.length - 1];
      if (last !== undefined && !closeEnough(last.valueUs, v.valueUs)) close();
      cluster.push(v);
    }
    if (cluster.length > 0) close();
  }
  groups.sort((a, b) => b.count - a.count);
  return { groups, scattered };
}

function describeGroup(kind: CutKind, cluster: { valueUs: number; count: number }[], n: number, limits: readonly DeclaredLimit[]): CutGroup {
  let sum = 0;
  for (const v of cluster) sum += v.valueUs * v.count;
  const mean = sum / n;
  let sq = 0;
  for (const v of cluster) sq += (v.valueUs - mean) ** 2 * v.count;
  const ms = (us: number): number => Math.round(us / 100) / 10;
  const centreMs = ms(mean);
  return {
    kind,
    count: n,
    centreMs,
    spreadMs: ms(Math.sqrt(sq / n)),
    minMs: ms((cluster[0] as { valueUs: number }).valueUs),
    maxMs: ms((cluster[cluster.length - 1] as { valueUs: number }).valueUs),
    matches: matchLimit(kind, centreMs, limits),
  };
}

/** A declared limit within max(1 s, 5 %) of the group's centre; a silent group may match either kind. */
export function matchLimit(kind: CutKind, centreMs: number, limits: readonly DeclaredLimit[]): string | null {
  let best: DeclaredLimit | null = null;
  for (const l of limits) {
    if (kind !== 'silent' && l.kind !== kind) continue;
    const off = Math.abs(centreMs - l.limitMs);
    if (off > Math.max(1000, 0.05 * l.limitMs)) continue;
    if (best === null || off < Math.abs(centreMs - best.limitMs)) best = l;
  }
  return best === null ? null : `${best.name} (${best.kind} ${formatLimit(best.limitMs)})`;
}

function formatLimit(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
