// An aggregate as summary.json writes it, and back: both walk the registry (metrics.ts),
// so a figure declared there is written, read back and merged with no code of its own.
// Reading back is exact (histograms from their encodings), which is what merge is.
import { CutRecorder } from './cuts.js';
import { decodeHistogram, encodeHistogram, statsMs } from './histogram.js';
import { FIGURES, METRICS, RUN_SECTIONS, SECTIONS, type BucketsName, type DeriveContext, type FigureDef, type FigureName } from './metrics.js';
import { addTally, RunAggregate } from './run-aggregate.js';

type Json = Record<string, unknown>;

const RUN_ONLY: ReadonlySet<string> = new Set(RUN_SECTIONS);
const rootOf = (path: string): string => path.split('.', 1)[0] as string;
const ENTRIES = Object.entries(FIGURES) as [FigureName, FigureDef][];

/** The object at a dotted path, made (as {}) where it is missing. */
function objectAt(root: Json, path: string): Json {
  let o = root;
  for (const key of path.split('.')) {
    const next = o[key];
    if (next === undefined || next === null || typeof next !== 'object') o[key] = {};
    o = o[key] as Json;
  }
  return o;
}

function setAt(root: Json, path: string, value: unknown): void {
  const dot = path.lastIndexOf('.');
  const parent = dot < 0 ? root : objectAt(root, path.slice(0, dot));
  parent[path.slice(dot + 1)] = value;
}

/** The value at a dotted path, and the object that holds it (both undefined where a part is missing). */
function getAt(root: unknown, path: string): { value: unknown; parent: Json | undefined } {
  let parent: Json | undefined;
  let o: unknown = root;
  for (const key of path.split('.')) {
    if (o === null || typeof o !== 'object') return { value: undefined, parent: undefined };
    parent = o as Json;
    o = parent[key];
  }
  return { value: o, parent };
}

export interface EncodeOptions {
  /** The run as a whole: also cuts, reconnects, buffering and notes (a variant has only its figures). */
  run: boolean;
  /** Every second, for thresholds: no encodings, no cut groups, no buffering verdict. */
  cheap?: boolean;
}

/** The aggregate's figures in summary.json's shape and order. */
export function encodeFigures(agg: RunAggregate, ctx: DeriveContext, options: EncodeOptions): Json {
  const out: Json = {};
  // The sections first, so that they keep their order whatever order the entries fill them in.
  for (const s of options.run ? [...SECTIONS, ...RUN_SECTIONS] : SECTIONS) out[s] = undefined;
  const cheap = options.cheap === true;
  for (const [name, d] of ENTRIES) {
    if (d.kind === 'latency') {
      const h = agg.histograms[name as (typeof METRICS)[number]];
      setAt(out, `metrics.${name}`, statsMs(h));
      if (!cheap) setAt(out, `histograms.${name}`, encodeHistogram(h));
      continue;
    }
    if (!options.run && RUN_ONLY.has(rootOf(d.at))) continue;
    switch (d.kind) {
      case 'counter': {
        const n = (agg as unknown as Record<string, number>)[name] as number;
        setAt(out, d.at, d.write === undefined ? n : d.write(n));
        break;
      }
      case 'tally': {
        const tally = agg.tally(name as never);
        setAt(out, d.at, d.omitZero === true ? Object.fromEntries(Object.entries(tally).filter(([, n]) => n > 0)) : { ...tally });
        break;
      }
      case 'histogram': {
        const h = agg.histogram(name as never);
        if (d.statsAt !== undefined) setAt(out, d.statsAt, (d.stats ?? statsMs)(h));
        if (!cheap) setAt(out, d.at, encodeHistogram(h));
        break;
      }
      case 'derived': {
        if (cheap && d.costly === true) break;
        const v = d.value(agg, ctx);
        if (d.spread === true) Object.assign(objectAt(out, d.at), v);
        else setAt(out, d.at, v);
        break;
      }
      case 'cuts':
        if (!cheap) setAt(out, d.at, { unit: 'us', ...agg.cuts.encode() });
        break;
      case 'buckets':
        if (!cheap) setAt(out, d.at, agg[name as BucketsName].encode());
        break;
    }
  }
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
  return out;
}

/**
 * An aggregate again from figures that encodeFigures wrote (or an older sse-soak did:
 * what it lacks reads as nothing measured, or as each entry's `read` says).
 * @param run read the run-wide sections too (a summary), not only the figures (a variant)
 */
export function decodeFigures(figures: object, run: boolean): RunAggregate {
  const agg = new RunAggregate();
  const fields = agg as unknown as Record<string, number>;
  for (const [name, d] of ENTRIES) {
    if (d.kind === 'latency') {
      // A metric added later is absent from older reports: nothing of it was measured.
      const { value } = getAt(figures, `histograms.${name}`);
      if (typeof value === 'string') agg.histograms[name as (typeof METRICS)[number]].add(decodeHistogram(value));
      continue;
    }
    if (d.kind === 'derived' || (!run && RUN_ONLY.has(rootOf(d.at)))) continue;
    const { value, parent } = getAt(figures, d.at);
    switch (d.kind) {
      case 'counter':
        fields[name] = d.read === undefined ? ((value as number | undefined) ?? 0) : d.read(value, parent ?? {});
        break;
      case 'tally':
        if (value !== undefined && value !== null) addTally(agg.tally(name as never), value as Record<string, number>);
        break;
      case 'histogram':
        if (typeof value === 'string') agg.histogram(name as never).add(decodeHistogram(value));
        break;
      case 'cuts':
        agg.cuts.add(CutRecorder.decode(value as Parameters<typeof CutRecorder.decode>[0]));
        break;
      case 'buckets':
        // Absent from summaries written before there were figures by input length and turn.
        agg[name as BucketsName].addEncoded(value);
        break;
    }
  }
  return agg;
}
