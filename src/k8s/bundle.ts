// A shard's report folder carried in its pod's log: the files `merge` reads, gzipped, in base64
// lines between two marker lines. `kubectl logs` reads a finished pod's log from any machine, so
// no volume shared between nodes (ReadWriteMany) is needed, and nothing has to keep the pod alive
// for a `kubectl cp`. The same way k6-operator users and the Locust chart's users get results out
// of pods, without an output service of their own.
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';

/** The files of a report folder that `merge` reads, in the order they are packed; streams.csv goes last (it is the one left out when the log budget is short). */
export const BUNDLE_FILES = ['summary.json', 'timeseries.csv', 'streams.csv'] as const;
/**
 * The most a bundle may add to a log, in base64 characters. Kubelets rotate a container's log at
 * 10 MiB by default (containerLogMaxSize), and `kubectl logs` reads the current file only.
 */
export const LOG_BUDGET_CHARS = 7 * 1024 * 1024;
const LINE_CHARS = 120;
const BEGIN = '==== sse-soak report begin';
const END = '==== sse-soak report end';

export interface Bundle {
  /** "i/N", as the shard was run. */
  shard: string;
  files: Record<string, string>;
  /** Files left out, and why (a log budget too small for streams.csv). */
  omitted: string[];
}

/** The lines a pod prints: the begin marker (with the payload's sha256), the payload, the end marker. */
export function encodeBundle(b: Bundle, budgetChars: number = LOG_BUDGET_CHARS): { text: string; omitted: string[] } {
  const files = { ...b.files };
  const omitted = [...b.omitted];
  let payload = pack({ ...b, files, omitted });
  if (payload.length > budgetChars && files['streams.csv'] !== undefined) {
    delete files['streams.csv'];
    omitted.push(
      `streams.csv: ${Math.round(payload.length / 1024)} KiB of log is more than the ${Math.round(budgetChars / 1024)} KiB budget (run with --streams-csv 10%, or failures only: --streams-csv 0%)`,
    );
    payload = pack({ ...b, files, omitted });
  }
  const sha = createHash('sha256').update(payload).digest('hex');
  const lines = [`${BEGIN} shard=${b.shard} files=${Object.keys(files).join(',')} sha256=${sha} ====`];
  for (let i = 0; i < payload.length; i += LINE_CHARS) lines.push(payload.slice(i, i + LINE_CHARS));
  lines.push(`${END} shard=${b.shard} ====`);
  return { text: lines.join('\n') + '\n', omitted };
}

function pack(b: Bundle): string {
  return gzipSync(JSON.stringify(b)).toString('base64');
}

/**
 * Every complete bundle in a log (a pod's: one; lines around it are the run's own output).
 * A bundle whose sha256 does not match (a log cut by rotation) is reported, not returned.
 */
export function decodeBundles(log: string): { bundles: Bundle[]; problems: string[] } {
  const bundles: Bundle[] = [];
  const problems: string[] = [];
  const lines = log.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = /^==== sse-soak report begin shard=(\S+) files=(\S*) sha256=([0-9a-f]{64}) ====$/.exec(lines[i] ?? '');
    if (m === null) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith(END));
    if (end < 0) {
      problems.push(`shard ${m[1]}: the report's end marker is missing (the log was cut: the pod is still printing, or the log was rotated)`);
      break;
    }
    const payload = lines.slice(i + 1, end).join('');
    if (createHash('sha256').update(payload).digest('hex') !== m[3]) {
      problems.push(`shard ${m[1]}: the report in the log is damaged (its sha256 does not match)`);
    } else {
      try {
        bundles.push(JSON.parse(gunzipSync(Buffer.from(payload, 'base64')).toString('utf8')) as Bundle);
      } catch (err) {
        problems.push(`shard ${m[1]}: the report in the log cannot be read: ${(err as Error).message}`);
      }
    }
    i = end;
  }
  return { bundles, problems };
}
