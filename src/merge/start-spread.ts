// How together the merged runs started: the spread of their start times (run.startedAt, when
// each load's clock started) and, for shards started with `run --start-at`, how late the latest
// one was. Shards meant to run at once that started seconds apart do not add up to the load
// the scenario describes: `merge` says so.
import type { Summary } from '../report/summary.js';

export type MergedStart = NonNullable<Summary['run']['start']>;

/** run.start of a merged summary; undefined for one run without --start-at (nothing to say). */
export function mergedStart(runs: readonly Summary[]): MergedStart | undefined {
  const withStart = runs.filter((r) => r.run.start !== undefined);
  if (runs.length < 2 && withStart.length === 0) return undefined;
  const starts = runs.map((r) => Date.parse(r.run.startedAt));
  const ats = new Set(withStart.map((r) => r.run.start?.at ?? null));
  const late = withStart.map((r) => r.run.start?.lateMs).filter((x): x is number => typeof x === 'number');
  return {
    // One time, when every run waited for the same one.
    at: withStart.length === runs.length && ats.size === 1 ? ([...ats][0] ?? null) : null,
    lateMs: late.length > 0 ? Math.max(...late) : null,
    spreadMs: Math.max(...starts) - Math.min(...starts),
  };
}

/** One console line on how together the runs started; null when there is nothing to say. */
export function startLine(start: MergedStart | undefined, runs: number): string | null {
  if (start === undefined || start.spreadMs === undefined || runs < 2) return null;
  const at = start.at === null ? '' : ` (--start-at ${start.at}${start.lateMs !== null ? `, the latest ${start.lateMs} ms after it` : ''})`;
  return `the ${runs} runs' loads started within ${start.spreadMs} ms of each other${at}`;
}
