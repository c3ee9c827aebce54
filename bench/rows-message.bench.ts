// What streams.csv rows cost as messages: CPU per row when a worker writes its rows to
// the file itself (as workers did before they sent them to the coordinator, through
// csv-stringify's stream) and when it makes their CSV text in batches and sends it over
// the IPC channel to the coordinator, which appends it (worker.ts, coordinator.ts).
//
//   npm run bench:rows-message          (ROWS=100000, BATCH=500: worker.ts's ROWS_PER_MESSAGE)
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StreamRow } from '../src/run/run-messages.js';
import { ROWS_PER_MESSAGE } from '../src/run/worker.js';
import { stringify } from 'csv-stringify';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { CsvFile, csvLines } from '../src/report/csv-file.js';
import { STREAM_COLUMNS } from '../src/report/csv-rows.js';

const ROWS = Number(process.env.ROWS ?? 100_000);
const BATCH = Number(process.env.BATCH ?? ROWS_PER_MESSAGE);
/** A row of streams.csv's shape: numbers with decimals, short strings. */
const row = (i: number): StreamRow =>
  STREAM_COLUMNS.map((c, k) => (k % 3 === 0 ? i + k * 0.123 : k % 3 === 1 ? 12.345 + k : c === 'outcome' ? 'completed' : 'default'));
const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;

type Report = { type: 'cpu'; ms: number } | { type: 'streams'; csv: string };

if (process.argv[2] === 'worker') {
  const [, , , mode = '', file = ''] = process.argv;
  const t = process.cpuUsage();
  if (mode === 'file') {
    // The former path: csv-stringify's stream piped into the file.
    const out = createWriteStream(file);
    const csv = stringify({ header: true, columns: [...STREAM_COLUMNS] });
    csv.pipe(out);
    for (let i = 0; i < ROWS; i++) csv.write(row(i));
    csv.end();
    await finished(out);
  } else {
    let rows: StreamRow[] = [];
    for (let i = 0; i < ROWS; i++) {
      rows.push(row(i));
      if (rows.length >= BATCH) {
        process.send?.({ type: 'streams', csv: csvLines(rows) } satisfies Report);
        rows = [];
      }
    }
    if (rows.length > 0) process.send?.({ type: 'streams', csv: csvLines(rows) } satisfies Report);
  }
  process.send?.({ type: 'cpu', ms: cpuMs(process.cpuUsage(t)) } satisfies Report, () => process.disconnect());
} else {
  const dir = mkdtempSync(join(tmpdir(), 'sse-soak-rows-bench-'));
  console.log(`streams.csv rows: ${ROWS} rows, batches of ${BATCH}; CPU of the worker and of the coordinator, µs per row; node ${process.version}`);
  console.log('| path | worker µs/row | coordinator µs/row | total µs/row |');
  console.log('|---|---:|---:|---:|');
  for (const mode of ['file', 'message', 'file', 'message']) {
    const t = process.cpuUsage();
    const csv = mode === 'message' ? new CsvFile(join(dir, 'coordinator.csv'), STREAM_COLUMNS) : null;
    const worker = fork(fileURLToPath(import.meta.url), ['worker', mode, join(dir, 'worker.csv')], { serialization: 'advanced' });
    let workerMs = 0;
    worker.on('message', (m: Report) => {
      if (m.type === 'streams') csv?.writeLines(m.csv);
      else workerMs = m.ms;
    });
    await new Promise((resolve) => worker.on('exit', resolve));
    await csv?.close();
    const coordinatorMs = cpuMs(process.cpuUsage(t));
    const us = (ms: number): string => ((ms * 1000) / ROWS).toFixed(1);
    console.log(
      `| ${mode === 'file' ? 'worker writes its file' : 'messages, coordinator writes'} | ${us(workerMs)} | ${us(coordinatorMs)} | ${us(workerMs + coordinatorMs)} |`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
}
