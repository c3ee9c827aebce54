// What benchmarks read back from a run's timeseries.csv.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Events per second the harness received over the rows of its timeseries.csv stamped within
 * [fromMs, toMs] (epoch): their events over the time from the row before the first to the
 * last, since a row's second is as long as the harness's timer made it.
 */
export function eventsPerSecond(out: string, fromMs: number, toMs: number): number {
  const lines = readFileSync(join(out, 'timeseries.csv'), 'utf8').trim().split('\n');
  const cols = (lines[0] ?? '').split(',');
  const time = cols.indexOf('time');
  const events = cols.indexOf('events');
  const rows = lines.slice(1).map((l) => {
    const c = l.split(',');
    return { atMs: Date.parse(c[time] ?? ''), events: Number(c[events]) };
  });
  const first = rows.findIndex((r) => r.atMs > fromMs);
  const inside = rows.filter((r, i) => i >= first && r.atMs <= toMs);
  const startMs = rows[first - 1]?.atMs;
  const endMs = inside.at(-1)?.atMs;
  if (first < 1 || startMs === undefined || endMs === undefined || endMs <= startMs) return NaN;
  return inside.reduce((sum, r) => sum + r.events, 0) / ((endMs - startMs) / 1000);
}
