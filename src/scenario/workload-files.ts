// What a workload needs of the rest of the scenario, and of its files: checked before any run
// starts, so a bad line in a dataset or a trace is an error naming the file and the line, not
// a failure minutes into a run.
import { readDataset } from '../workload/dataset.js';
import { DataFileError } from '../workload/errors.js';
import type { WorkloadSpec } from '../workload/spec.js';
import { readTrace } from '../workload/trace.js';
import { ScenarioError, type ScenarioProblem } from './errors.js';
import type { Fields } from './fields.js';
import type { LoadSpec, Scenario, TargetSpec } from './types.js';

/** A workload's requests are POSTs of JSON: each variant is made one (a GET cannot carry a body). */
export function checkWorkloadFits(f: Fields, workload: WorkloadSpec, load: LoadSpec, target: TargetSpec): void {
  if (workload.conversation !== null && load.model !== 'closed') {
    f.problem(
      ['workload', 'conversation'],
      'needs the closed model: a conversation is a session that waits for each reply before its next turn',
      'set load.model: closed, with sessions and thinkTime',
    );
  }
  target.variants.forEach((v, i) => {
    if (v.method === 'GET' && v.body === null) v.method = 'POST';
    else if (v.method === 'GET')
      f.problem(['target', ...(target.variants.length > 1 ? ['variants', i] : []), 'method'], 'a workload sends a body: the method must be POST');
    if (!Object.keys(v.headers).some((k) => k.toLowerCase() === 'content-type')) {
      v.headers['content-type'] = 'application/json';
      v.headersForReport['content-type'] = 'application/json';
    }
  });
}

/**
 * Reads the workload's dataset and the load's trace once, as a run will (each worker reads
 * them again: a file is cheaper to read than to send), and turns every problem into the
 * scenario's; a trace sets the open model's one stage to its span.
 */
export async function checkWorkloadFiles(scenario: Scenario): Promise<Scenario> {
  const problems: ScenarioProblem[] = [];
  const fileProblem = (path: string, fileForReport: string, err: unknown): void => {
    // A file that cannot be opened is the scenario's mistake too, not sse-soak's.
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${code})`;
      problems.push({ path, message: `${fileForReport}: ${why}`, hint: "a path relative to the scenario file's folder" });
      return;
    }
    if (!(err instanceof DataFileError)) throw err;
    problems.push({ path, message: err.message });
  };
  const w = scenario.workload;
  if (w !== null && w.source.kind === 'dataset') {
    try {
      const dataset = await readDataset(w.source.file, w.source.format === undefined ? {} : { format: w.source.format });
      if (dataset.size === 0) problems.push({ path: 'workload.dataset', message: `${w.source.fileForReport} holds no request` });
      if (dataset.kind === 'bodies' && w.conversation !== null) {
        problems.push({
          path: 'workload.conversation',
          message: `${w.source.fileForReport} is a file of request bodies: conversations need ShareGPT conversations or synthetic prompts`,
        });
      }
      if (dataset.kind === 'conversations' && dataset.skipped > 0)
        scenario.notices.push(`${w.source.fileForReport}: ${dataset.skipped} conversations with no human turn are left out`);
    } catch (err) {
      fileProblem('workload.dataset', w.source.fileForReport, err);
    }
  }
  const load = scenario.load;
  if (load.model === 'open' && load.trace !== null) {
    const t = load.trace;
    try {
      const trace = await readTrace(t.file, { ...(t.format === undefined ? {} : { format: t.format }), speed: t.speed });
      if (trace.count === 0) problems.push({ path: 'load.trace', message: `${t.fileForReport} holds no arrival` });
      if (trace.reordered > 0)
        scenario.notices.push(
          `${t.fileForReport}: ${trace.reordered} rows came earlier than the row before them and were put in time order (two traces joined?)`,
        );
      // The replay lasts the trace's span (a ms past its last arrival), or load.duration if shorter.
      const spanMs = Math.floor((trace.arrivalsUs[trace.count - 1] ?? 0) / 1000) + 1;
      const durationMs = t.capMs > 0 ? Math.min(t.capMs, spanMs) : spanMs;
      const rate = trace.count / Math.max(0.001, spanMs / 1000);
      load.stages = [{ durationMs, from: rate, to: rate, warmup: false }];
      load.durationMs = durationMs;
      if (w !== null && w.source.kind === 'synthetic' && trace.inputTokens === undefined)
        scenario.notices.push(`${t.fileForReport} gives no token lengths: the synthetic prompts are drawn from workload.synthetic`);
    } catch (err) {
      fileProblem('load.trace', t.fileForReport, err);
    }
  }
  if (problems.length > 0) throw new ScenarioError(scenario.file, problems);
  return scenario;
}
