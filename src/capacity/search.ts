// The search for a capacity, as a pure function of a step runner: geometric steps from
// `from` until a step breaks an SLO, then bisection between the last good and the first bad
// level until they are within `precision` of each other. guidellm's sweep spaces its rates
// evenly between the synchronous and the throughput rate it measured first; a path whose
// limit may be anywhere from 10 to 100,000 streams is found faster geometrically, and the
// bisection then narrows the one interval that holds the knee.

export interface SearchOptions {
  /** The first level (sessions, or streams per second). */
  from: number;
  /** The highest level tried; a path that holds it is reported as holding at least it. */
  to: number;
  /** Each geometric step multiplies the level by this (> 1). */
  factor: number;
  /** Bisection stops when (first bad − last good) ≤ precision × last good. */
  precision: number;
  /** Whole levels only (closed-model sessions); otherwise rates, kept to 2 decimals. */
  integer: boolean;
}

/** What the search needs to know of a step; the runner's own record carries the rest. */
export interface StepVerdict {
  level: number;
  /** Every SLO held. */
  pass: boolean;
  /** The harness itself was saturated: the step's figures are the harness's, not the target's. */
  saturated: boolean;
}

export type SearchStop =
  /** A good and a bad level within the precision: the capacity is the good one. */
  | 'found'
  /** The first step broke an SLO: the capacity is below `from`. */
  | 'first_step_failed'
  /** Every step up to `to` held: the capacity is at least `to`. */
  | 'reached_max'
  /** The harness saturated: the capacity is more than the last good level, as far as this harness can tell. */
  | 'harness_saturated'
  /** Stopped by Ctrl-C or SIGTERM: what the steps so far say, no more. */
  | 'interrupted';

export interface SearchResult<T extends StepVerdict> {
  steps: T[];
  stop: SearchStop;
  /** The highest level that held every SLO (null: none did). */
  capacity: number | null;
  /** The lowest level that broke one (null: none did). */
  firstBad: number | null;
}

export function validateSearch(o: SearchOptions): string | null {
  if (!(o.from > 0) || !Number.isFinite(o.from)) return `--from must be above 0, got ${o.from}`;
  if (!(o.to >= o.from) || !Number.isFinite(o.to)) return `--to must be at least --from (${o.from}), got ${o.to}`;
  if (!(o.factor > 1) || !Number.isFinite(o.factor)) return `--factor must be above 1, got ${o.factor}`;
  if (!(o.precision > 0 && o.precision < 1)) return `--precision must be a share between 0 and 100% (e.g. 10%), got ${o.precision}`;
  if (o.integer && !Number.isInteger(o.from)) return `--from: sessions are whole, got ${o.from}`;
  return null;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** The next geometric level: at least one whole session (or 0.01/s) more. */
function nextLevel(level: number, o: SearchOptions): number {
  const grown = o.integer ? Math.max(level + 1, Math.round(level * o.factor)) : Math.max(round2(level * o.factor), round2(level + 0.01));
  return Math.min(o.to, grown);
}

/** Whether good and bad are as close as asked (or no level lies between them). */
export function closeEnough(good: number, bad: number, o: SearchOptions): boolean {
  if (bad - good <= o.precision * good + 1e-9) return true;
  return o.integer ? bad - good <= 1 : bad - good <= 0.01 + 1e-9;
}

function midpoint(good: number, bad: number, o: SearchOptions): number {
  const mid = (good + bad) / 2;
  return o.integer ? Math.floor(mid) : round2(mid);
}

/** What finished steps say when the search could not go on: the best good level and the lowest bad one above it. */
export function partialResult<T extends StepVerdict>(steps: T[], stop: SearchStop): SearchResult<T> {
  const judged = steps.filter((s) => !s.saturated);
  const goods = judged.filter((s) => s.pass).map((s) => s.level);
  const good = goods.length === 0 ? null : Math.max(...goods);
  const bads = judged.filter((s) => !s.pass && (good === null || s.level > good)).map((s) => s.level);
  return { steps, stop, capacity: good, firstBad: bads.length === 0 ? null : Math.min(...bads) };
}

export async function searchCapacity<T extends StepVerdict>(o: SearchOptions, runStep: (level: number, index: number) => Promise<T>): Promise<SearchResult<T>> {
  const steps: T[] = [];
  let good: number | null = null;
  let bad: number | null = null;
  const run = async (level: number): Promise<T> => {
    const step = await runStep(level, steps.length);
    steps.push(step);
    return step;
  };
  const result = (stop: SearchStop): SearchResult<T> => ({ steps, stop, capacity: good, firstBad: bad });

  // Up, geometrically, until a step breaks an SLO.
  let level = o.integer ? Math.round(o.from) : round2(o.from);
  for (;;) {
    const step = await run(level);
    // A saturated harness measured itself: neither a pass nor a fail of the target's.
    if (step.saturated) return result('harness_saturated');
    if (!step.pass) {
      bad = level;
      break;
    }
    good = level;
    if (level >= o.to) return result('reached_max');
    level = nextLevel(level, o);
  }
  if (good === null) return result('first_step_failed');

  // Down the middle of [good, bad) until the two are close enough.
  while (!closeEnough(good, bad, o)) {
    const mid = midpoint(good, bad, o);
    if (mid <= good || mid >= bad) break;
    const step = await run(mid);
    if (step.saturated) return result('harness_saturated');
    if (step.pass) good = mid;
    else bad = mid;
  }
  return result('found');
}
