// The `workload` section: each stream's request from a dataset or from synthetic prompts
// sized in tokens, optionally as multi-turn conversations, instead of the target's one body
// (docs/workloads.md). The shape is checked here; the files are read and checked line by line
// by checkWorkloadFiles, before any run starts.
import { resolve as resolvePath } from 'node:path';
import { DATASET_FORMATS } from '../workload/dataset.js';
import { checkCountSpec, type CountSpec } from '../workload/distribution.js';
import { WorkloadSpecError } from '../workload/errors.js';
import { REQUEST_ORDERS } from '../workload/order.js';
import type { WorkloadSpec } from '../workload/spec.js';
import { describe, type Fields, type Path, type RawObject } from './fields.js';

export const WORKLOAD_KEYS = ['dataset', 'synthetic', 'model', 'shape', 'lengthField', 'outputTokens', 'extra', 'conversation'] as const;
export const DATASET_KEYS = ['file', 'format', 'order'] as const;
export const SYNTHETIC_KEYS = ['inputTokens', 'sharedPrefixTokens', 'pool', 'order'] as const;
export const CONVERSATION_KEYS = ['turns'] as const;

/** The reply length asked for when a scenario gives none. */
const DEFAULT_OUTPUT_TOKENS = 256;
/** Synthetic prompts made before the clock when a scenario gives no pool. */
const DEFAULT_POOL = 1000;
/** The most a pool may be: each prompt is made by the tokenizer before the run (about a ms per thousand tokens). */
const MAX_POOL = 100_000;

export function readWorkload(f: Fields, raw: unknown, baseDir: string): WorkloadSpec | null {
  if (raw === undefined || raw === null) return null;
  const path: Path = ['workload'];
  const w = f.object(raw, path, WORKLOAD_KEYS);
  if (w === undefined) return null;
  const hasDataset = w.dataset !== undefined;
  const hasSynthetic = w.synthetic !== undefined;
  if (hasDataset === hasSynthetic) {
    f.problem(
      path,
      hasDataset ? 'give dataset or synthetic, not both' : 'needs dataset (a file of requests) or synthetic (prompts sized in tokens)',
      'e.g. dataset: data/prompts.jsonl',
    );
    return null;
  }
  const counts = (value: unknown, at: Path, fallback: CountSpec): CountSpec => {
    if (value === undefined) return fallback;
    try {
      checkCountSpec(value as CountSpec, 'x');
      return value as CountSpec;
    } catch (err) {
      if (!(err instanceof WorkloadSpecError)) throw err;
      f.problem([...at, ...subPath(err.path)], err.reason, 'a number, {mean, stddev, min, max}, {min, max} or a list of {value, weight}');
      return fallback;
    }
  };

  let source: WorkloadSpec['source'];
  if (hasDataset) {
    const dpath: Path = [...path, 'dataset'];
    const d: RawObject | undefined = typeof w.dataset === 'string' ? { file: w.dataset } : f.object(w.dataset, dpath, DATASET_KEYS, true);
    const file =
      typeof d?.file === 'string' && d.file !== '' ? d.file : (f.problem([...dpath, 'file'], 'is required: a JSONL, OpenAI batch or ShareGPT file'), '');
    const format = d?.format === undefined ? undefined : f.oneOf(d, 'format', dpath, DATASET_FORMATS, 'jsonl');
    source = {
      kind: 'dataset',
      file: resolvePath(baseDir, file),
      fileForReport: file,
      format,
      order: f.oneOf(d, 'order', dpath, REQUEST_ORDERS, 'sequential'),
    };
  } else {
    const spath: Path = [...path, 'synthetic'];
    const s = f.object(w.synthetic, spath, SYNTHETIC_KEYS, true);
    if (s?.inputTokens === undefined)
      f.problem([...spath, 'inputTokens'], 'is required: the prompt length in tokens', 'e.g. inputTokens: { mean: 500, stddev: 150, min: 50, max: 2000 }');
    source = {
      kind: 'synthetic',
      inputTokens: counts(s?.inputTokens, [...spath, 'inputTokens'], 1),
      sharedPrefixTokens: f.int(s, 'sharedPrefixTokens', spath, 0, 0),
      pool: Math.min(f.int(s, 'pool', spath, DEFAULT_POOL, 1), MAX_POOL),
      order: f.oneOf(s, 'order', spath, REQUEST_ORDERS, 'random'),
    };
    if (typeof s?.pool === 'number' && s.pool > MAX_POOL) f.problem([...spath, 'pool'], `at most ${MAX_POOL} prompts are made before a run`);
  }

  const model = f.string(w, 'model', path, '');
  const makesBodies = !hasDataset || w.conversation !== undefined;
  if (makesBodies && model === '')
    f.problem([...path, 'model'], 'is required: sse-soak makes the request bodies, and they name the model', 'e.g. model: meta-llama/Llama-3.1-8B-Instruct');
  let extra: Record<string, unknown> | undefined;
  if (w.extra !== undefined) {
    if (typeof w.extra === 'object' && w.extra !== null && !Array.isArray(w.extra)) extra = w.extra as Record<string, unknown>;
    else f.problem([...path, 'extra'], `must be a mapping of fields added to every body, got ${describe(w.extra)}`, 'e.g. extra: { ignore_eos: true }');
  }
  const body = {
    model,
    shape: f.oneOf(w, 'shape', path, ['openai-chat', 'anthropic-messages'] as const, 'openai-chat'),
    lengthField: f.oneOf(w, 'lengthField', path, ['max_tokens', 'max_completion_tokens'] as const, 'max_tokens'),
    ...(extra === undefined ? {} : { extra }),
  };
  const outputTokens = counts(w.outputTokens, [...path, 'outputTokens'], DEFAULT_OUTPUT_TOKENS);

  let conversation: WorkloadSpec['conversation'] = null;
  if (w.conversation !== undefined && w.conversation !== false) {
    const cpath: Path = [...path, 'conversation'];
    const c = w.conversation === true ? {} : f.object(w.conversation, cpath, CONVERSATION_KEYS);
    if (!hasDataset && c?.turns === undefined) f.problem([...cpath, 'turns'], 'is required for synthetic conversations', 'e.g. turns: { min: 3, max: 8 }');
    conversation = { turns: counts(c?.turns, [...cpath, 'turns'], 1) };
  }
  return { source, body, outputTokens, conversation };
}

/** "a.b[2].c" → ['a', 'b', 2, 'c'] (the first segment, the spec's own name, is dropped). */
function subPath(dotted: string): Path {
  const out: Path = [];
  for (const m of dotted.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : (m[1] as string));
  return out.slice(1);
}
