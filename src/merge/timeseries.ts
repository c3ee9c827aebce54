// timeseries.csv of several runs, aligned on wall-clock seconds. Counts add up;
// percentiles within a second cannot be merged from their values, so a merged row
// shows the worst run's (the highest), which is what a person looks for there.
import { SECOND_COLUMNS } from '../report/csv-rows.js';

const WORST = new Set([
  'ttft_p50_ms',
  'ttft_p99_ms',
  'itl_p99_ms',
  'schedule_lag_p99_ms',
  'loop_lag_p99_ms',
  'loop_lag_max_ms',
  'cpu_max_process_share',
  'stage',
  'warmup',
]);
const KEEP = new Set(['second', 'time']);
const TEXT = new Set(['saturated']);

/** @param files the text of each run's timeseries.csv */
export function mergeTimeseries(files: readonly string[]): (string | number)[][] {
  const bySecond = new Map<number, (string | number)[]>();
  for (const text of files) {
    const [head = '', ...rows] = text.trim().split('\n');
    const cols = head.split(',');
    const at = (name: string): number => cols.indexOf(name);
    for (const line of rows) {
      const cells = line.split(',');
      const epochS = Math.round(Date.parse(cells[at('time')] ?? '') / 1000);
      if (!Number.isFinite(epochS)) continue;
      const row = bySecond.get(epochS) ?? SECOND_COLUMNS.map((): string | number => '');
      SECOND_COLUMNS.forEach((c, i) => {
        if (KEEP.has(c)) return;
        const raw = cells[at(c)];
        if (raw === undefined || raw === '') return;
        if (TEXT.has(c)) {
          row[i] = row[i] === '' ? raw : `${row[i]} | ${raw}`;
          return;
        }
        const v = Number(raw);
        const prev = row[i];
        if (prev === '' || prev === undefined) row[i] = v;
        else row[i] = WORST.has(c) ? Math.max(Number(prev), v) : Math.round((Number(prev) + v) * 1000) / 1000;
      });
      bySecond.set(epochS, row);
    }
  }
  const seconds = [...bySecond.keys()].sort((a, b) => a - b);
  return seconds.map((s, n) => {
    const row = bySecond.get(s) as (string | number)[];
    row[SECOND_COLUMNS.indexOf('second')] = n + 1;
    row[SECOND_COLUMNS.indexOf('time')] = new Date(s * 1000).toISOString();
    return row;
  });
}
