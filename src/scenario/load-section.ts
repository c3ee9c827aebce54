// The `load` section: the closed model (concurrent sessions) or the open model
// (new streams per second), each either constant for a duration or in stages that
// ramp, with warm-up that is kept out of the results.
import { describe, type Fields, type Path, type RawObject } from './fields.js';
import { parseRatePerSecond } from './units.js';
import { resolve as resolvePath } from 'node:path';
import type { LoadSpec, Stage } from './types.js';
import type { TraceSpec } from '../workload/spec.js';

export const CLOSED_KEYS = ['model', 'sessions', 'duration', 'warmup', 'stages', 'start', 'thinkTime', 'drain', 'seed'] as const;
export const OPEN_KEYS = ['model', 'rate', 'duration', 'warmup', 'stages', 'start', 'arrivals', 'maxConcurrency', 'drain', 'seed', 'trace'] as const;
export const TRACE_KEYS = ['file', 'format', 'speed'] as const;

/**
 * How long streams still open when the stages end may go on to finish. AI replies take
 * 10–60 s, 90–180 s at worst: a stream started just before the end needs as long to
 * end on its own, so the default waits for the worst case (and ends as soon as every
 * stream has ended). Shorter, the streams cut are the long replies that started late,
 * and the e2e figures would hold only the replies that happened to be short.
 */
const DEFAULT_DRAIN_MS = 180_000;

/**
 * Levels no fleet of harness machines can drive: about 50,000 streams are held per
 * machine (docs/performance.md), so 10 million sessions is some 200 machines. Past
 * these, a typo (an extra few zeros) is far likelier than a plan.
 */
const MAX_SESSIONS = 10_000_000;
const MAX_RATE_PER_SECOND = 1_000_000;
export const STAGE_KEYS = ['duration', 'target', 'warmup'] as const;

/** @param baseDir the scenario file's folder: a trace's path is relative to it */
export function readLoad(f: Fields, raw: unknown, baseDir = '.'): { load: LoadSpec; seed: number } {
  const path = ['load'];
  const model = typeof raw === 'object' && raw !== null && (raw as RawObject).model === 'open' ? 'open' : 'closed';
  const l = f.object(raw, path, model === 'open' ? OPEN_KEYS : [...CLOSED_KEYS, 'rate'], true);
  f.oneOf(l, 'model', path, ['closed', 'open'] as const, 'closed');
  const seed = f.int(l, 'seed', path, 1, 0);
  if (model === 'closed' && l?.rate !== undefined) f.problem([...path, 'rate'], 'is for the open model', 'set model: open, or use sessions');

  // A level: whole sessions (closed) or a rate such as 20/s (open).
  const level = (value: unknown, at: Path): number => {
    if (model === 'closed') {
      if (typeof value === 'number' && Number.isInteger(value) && value >= 0) {
        if (value <= MAX_SESSIONS) return value;
        f.problem(
          at,
          `${value} sessions is more than sse-soak drives (at most ${MAX_SESSIONS.toLocaleString('en-US')}, across every shard)`,
          'one machine holds about 50,000 streams; spread a big load with --shard i/N',
        );
        return 0;
      }
      f.problem(at, `must be a whole number of sessions, got ${describe(value)}`);
      return 0;
    }
    const rate = parseRatePerSecond(value);
    if (rate === null) f.problem(at, `must be a rate such as 20/s or 300/m, got ${describe(value)}`);
    else if (rate > MAX_RATE_PER_SECOND) {
      f.problem(
        at,
        `${describe(value)} is more than sse-soak drives (at most ${MAX_RATE_PER_SECOND.toLocaleString('en-US')}/s, across every shard)`,
        'spread a big load with --shard i/N',
      );
      return 0;
    }
    return rate ?? 0;
  };

  const trace = model === 'open' && l?.trace !== undefined ? readTrace(f, l.trace, [...path, 'trace'], baseDir) : null;
  const stages: Stage[] = [];
  const shorthandKey = model === 'closed' ? 'sessions' : 'rate';
  if (trace !== null) {
    // The trace sets when streams arrive: its span becomes one stage (filled in when the file is
    // read, trace.ts), cut short by `duration` when one is given.
    for (const k of ['rate', 'stages', 'warmup', 'start', 'arrivals'] as const)
      if (l?.[k] !== undefined) f.problem([...path, k], 'does not go with trace: the trace says when streams arrive');
    const capMs = l?.duration === undefined ? 0 : f.duration(l, 'duration', path, 0, { min: 1 });
    const drainMs = f.duration(l, 'drain', path, DEFAULT_DRAIN_MS);
    const cap = l?.maxConcurrency === undefined || l.maxConcurrency === null ? null : f.int(l, 'maxConcurrency', path, 1, 1);
    return {
      load: {
        model: 'open',
        stages: [{ durationMs: capMs || 1, from: 1, to: 1, warmup: false }],
        arrivals: 'constant',
        maxConcurrency: cap,
        durationMs: capMs || 1,
        drainMs,
        trace: { ...trace, capMs },
      },
      seed,
    };
  }
  const hasShorthand = l?.[shorthandKey] !== undefined;
  if (l?.stages !== undefined && hasShorthand) {
    f.problem([...path, 'stages'], `give either ${shorthandKey} with duration, or stages, not both`);
  } else if (l?.stages !== undefined) {
    if (!Array.isArray(l.stages) || l.stages.length === 0) {
      f.problem([...path, 'stages'], 'must be a list of stages', 'e.g. - { duration: 30s, target: 50 }');
    } else {
      if (l.warmup !== undefined) f.problem([...path, 'warmup'], 'with stages, mark warm-up stages with warmup: true instead');
      let from = l.start === undefined ? 0 : level(l.start, [...path, 'start']);
      l.stages.forEach((rs: unknown, i: number) => {
        const spath: Path = [...path, 'stages', i];
        const s = f.object(rs, spath, STAGE_KEYS, true);
        const durationMs = f.duration(s, 'duration', spath, 0, { required: true });
        const to = s?.target === undefined ? (f.problem([...spath, 'target'], 'is required'), from) : level(s.target, [...spath, 'target']);
        const warmup = s?.warmup === true;
        if (s?.warmup !== undefined && typeof s.warmup !== 'boolean') f.problem([...spath, 'warmup'], 'must be true or false');
        stages.push({ durationMs, from, to, warmup });
        from = to;
      });
    }
  } else if (l !== undefined) {
    if (!hasShorthand) f.problem([...path, shorthandKey], 'is required', `or give stages: a list of { duration, target }`);
    if (l.start !== undefined) f.problem([...path, 'start'], 'only applies to stages');
    const value = hasShorthand ? level(l[shorthandKey], [...path, shorthandKey]) : 0;
    if (model === 'closed' && typeof l.sessions === 'number' && Number.isInteger(l.sessions) && value < 1)
      f.problem([...path, 'sessions'], 'must be at least 1');
    const warmupMs = f.duration(l, 'warmup', path, 0);
    if (warmupMs > 0) stages.push({ durationMs: warmupMs, from: value, to: value, warmup: true });
    stages.push({ durationMs: f.duration(l, 'duration', path, 0, { required: true, min: 1 }), from: value, to: value, warmup: false });
  }
  const durationMs = stages.reduce((t, s) => t + s.durationMs, 0);
  const durationMissing = f.problems.some((p) => p.path === 'load.duration' || p.path.startsWith('load.stages'));
  if (l !== undefined && stages.length > 0 && durationMs === 0 && !durationMissing) f.problem(path, 'the stages last no time at all');
  const levelProblem = f.problems.some((p) => p.path.startsWith('load.'));
  if (l !== undefined && stages.length > 0 && !levelProblem && stages.every((s) => s.from === 0 && s.to === 0)) {
    // A run that sends nothing would end at once and report nothing measured as a pass.
    f.problem(
      path,
      model === 'closed'
        ? 'every stage asks for 0 sessions: the run would send nothing'
        : 'every stage asks for 0 streams per second: the run would send nothing',
      'give a level above 0; a pause between stages is a stage with target 0 between others',
    );
  }
  const drainMs = f.duration(l, 'drain', path, DEFAULT_DRAIN_MS);

  if (model === 'closed') {
    const thinkTimeMs = f.duration(l, 'thinkTime', path, 0);
    return { load: { model, stages, thinkTimeMs, durationMs, drainMs }, seed };
  }
  const arrivals = f.oneOf(l, 'arrivals', path, ['constant', 'poisson'] as const, 'constant');
  const cap = l?.maxConcurrency === undefined || l.maxConcurrency === null ? null : f.int(l, 'maxConcurrency', path, 1, 1);
  return { load: { model, stages, arrivals, maxConcurrency: cap, durationMs, drainMs, trace: null }, seed };
}

/** load.trace: a file, or { file, format, speed }. */
function readTrace(f: Fields, raw: unknown, path: Path, baseDir: string): Omit<TraceSpec, 'capMs'> | null {
  const t = typeof raw === 'string' ? { file: raw } : f.object(raw, path, TRACE_KEYS, true);
  if (t === undefined) return null;
  if (typeof t.file !== 'string' || t.file === '') {
    f.problem([...path, 'file'], 'is required: the trace file (CSV or JSONL)', 'e.g. trace: { file: data/trace.csv, speed: 2 }');
    return null;
  }
  const format = t.format === undefined ? undefined : f.oneOf(t, 'format', path, ['azure', 'burstgpt', 'jsonl'] as const, 'azure');
  let speed = 1;
  if (t.speed !== undefined) {
    if (typeof t.speed === 'number' && Number.isFinite(t.speed) && t.speed > 0) speed = t.speed;
    else f.problem([...path, 'speed'], `must be a number above 0 (2: twice as fast), got ${describe(t.speed)}`);
  }
  return { file: resolvePath(baseDir, t.file), fileForReport: t.file, format, speed };
}
