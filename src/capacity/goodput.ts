// Goodput, as vLLM's benchmark defines it: the streams that met every per-stream SLO, as a
// share of the streams judged and as a rate. A stream meets a ttft rule with its own ttft,
// an itl rule with its own worst gap (max_itl_ms: a reply that stalled once stalled for its
// reader, whatever the run's percentiles say), a tpot rule with its own tpot, an e2e rule with
// its own e2e; a stream that failed (any outcome but completed) is not good. Aborted streams (the step ended while they
// streamed) and warm-up streams are not judged. Read from a step's streams.csv, row by row.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { decodeTextChunks } from '../workload/decode-text.js';
import type { Threshold } from '../thresholds/rules.js';

export interface Goodput {
  /** Streams judged: started after the warm-up, not aborted. */
  judged: number;
  /** Of those, streams that completed and met every per-stream SLO. */
  good: number;
  /** good ÷ judged (0 when none was judged). */
  share: number;
  /** good streams per second of the measured part. */
  perSecond: number;
  /** The rules judged per stream (the ttft, itl and e2e rules among the SLOs). */
  rules: string[];
}

/** The SLO rules that apply to one stream: on ttft, itl (its worst gap), tpot or e2e, with any statistic but count. */
export function perStreamRules(slos: readonly Pick<Threshold, 'text' | 'subject' | 'op' | 'value'>[]): Pick<Threshold, 'text' | 'subject' | 'op' | 'value'>[] {
  return slos.filter((t) => t.subject.kind === 'latency' && ['ttft', 'itl', 'tpot', 'e2e'].includes(t.subject.metric) && t.subject.stat !== 'count');
}

/** The metrics a stream may lack and still meet a rule on: one token has no gap, and no time per token after the first. */
const ONE_TOKEN_HAS_NONE = new Set(['itl', 'tpot']);

/** Splits one CSV line (csv-stringify's quoting: "…" with "" for a quote). */
export function csvCells(line: string): string[] {
  const cells: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) {
          v += line.slice(i);
          i = line.length;
          break;
        }
        v += line.slice(i, q);
        if (line[q + 1] === '"') {
          v += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      cells.push(v);
      i++; // the comma
    } else {
      const c = line.indexOf(',', i);
      const end = c < 0 ? line.length : c;
      cells.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return cells;
}

const holds = (a: number, op: string, b: number): boolean =>
  op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : op === '>=' ? a >= b : op === '==' ? a === b : a !== b;

/** Judges one stream's row (cells by column name); null: not judged. */
export function judgeRow(cell: (name: string) => string, rules: ReturnType<typeof perStreamRules>): boolean | null {
  if (cell('warmup') === '1') return null;
  const outcome = cell('outcome');
  if (outcome === 'aborted' || outcome === '') return null;
  if (outcome !== 'completed') return false;
  for (const r of rules) {
    if (r.subject.kind !== 'latency') continue;
    const column = r.subject.metric === 'itl' ? 'max_itl_ms' : `${r.subject.metric}_ms`;
    const text = cell(column);
    // A reply with one token has no gap and no tpot: it cannot break a rule on either.
    if (text === '') {
      if (ONE_TOKEN_HAS_NONE.has(r.subject.metric)) continue;
      return false;
    }
    if (!holds(Number(text), r.op, r.value)) return false;
  }
  return true;
}

export async function goodputFromCsv(
  file: string,
  slos: readonly Pick<Threshold, 'text' | 'subject' | 'op' | 'value'>[],
  measuredMs: number,
): Promise<Goodput> {
  const rules = perStreamRules(slos);
  let header: string[] | null = null;
  const index = new Map<string, number>();
  let judged = 0;
  let good = 0;
  // Decoded as its BOM says, row by row: a streams.csv saved again from a spreadsheet reads too.
  const lines = createInterface({ input: Readable.from(decodeTextChunks(createReadStream(file), file)), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === '') continue;
    const cells = csvCells(line);
    if (header === null) {
      header = cells;
      header.forEach((h, i) => index.set(h, i));
      if (!index.has('max_itl_ms')) throw new Error(`${file} has no max_itl_ms column (written by an older sse-soak)`);
      if (rules.some((r) => r.subject.kind === 'latency' && r.subject.metric === 'tpot') && !index.has('tpot_ms'))
        throw new Error(`${file} has no tpot_ms column (written by an older sse-soak)`);
      continue;
    }
    const verdict = judgeRow((name) => cells[index.get(name) ?? -1] ?? '', rules);
    if (verdict === null) continue;
    judged++;
    if (verdict) good++;
  }
  return {
    judged,
    good,
    share: judged === 0 ? 0 : good / judged,
    perSecond: measuredMs > 0 ? Math.round((good / (measuredMs / 1000)) * 100) / 100 : 0,
    rules: rules.map((r) => r.text),
  };
}
