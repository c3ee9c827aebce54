// `sse-soak k8s gather`: each pod's report, read back from its log with kubectl, into one folder
// per shard, ready for `merge`. kubectl is the user's own (their context, their credentials):
// sse-soak never talks to the API server itself.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeBundles, type Bundle } from './bundle.js';
import { makeDir } from '../util/make-dir.js';

/** The annotation (and, since Kubernetes 1.28, label) that carries a pod's index in an Indexed Job. */
const INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';

export type Kubectl = (args: string[]) => Promise<string>;

const kubectl: Kubectl = (args) =>
  new Promise((resolve, reject) => {
    execFile('kubectl', args, { maxBuffer: 512 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err !== null) {
        const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
        reject(new Error(missing ? 'kubectl is not installed (or not on PATH)' : `kubectl ${args.join(' ')}: ${stderr.trim() || err.message}`));
      } else resolve(stdout);
    });
  });

interface PodInfo {
  name: string;
  index: number;
  phase: string;
}

export interface Gathered {
  /** Folders written, one per shard, in index order. */
  dirs: string[];
  problems: string[];
  /** Files a pod left out of its log (a streams.csv over the log budget). */
  notes: string[];
}

/** Reads every pod of the Job, and writes each shard's report into `outDir/shard-<i>`. */
export async function gather(job: string, namespace: string | null, outDir: string, run: Kubectl = kubectl): Promise<Gathered> {
  const ns = namespace === null ? [] : ['--namespace', namespace];
  const list = JSON.parse(await run(['get', 'pods', ...ns, '--selector', `job-name=${job}`, '--output', 'json'])) as { items?: unknown[] };
  const pods = (list.items ?? []).map(podInfo).filter((p): p is PodInfo => p !== null);
  if (pods.length === 0)
    return {
      dirs: [],
      problems: [
        `no pods of the Job ${job}${namespace === null ? '' : ` in namespace ${namespace}`}: is it the right name and namespace, and was it deleted (its pods are kept for a day after it ends)?`,
      ],
      notes: [],
    };
  const byIndex = new Map<number, Bundle>();
  const problems: { index: number; text: string }[] = [];
  const notes: string[] = [];
  // Pods of the same index (a replaced pod) are tried in turn: the first complete report wins.
  for (const pod of [...pods].sort((a, b) => a.index - b.index)) {
    if (byIndex.has(pod.index)) continue;
    const log = await run(['logs', ...ns, pod.name, '--container', 'sse-soak']).catch((err: Error) => {
      problems.push({ index: pod.index, text: `${pod.name}: ${err.message}` });
      return '';
    });
    const found = decodeBundles(log);
    const bundle = found.bundles[0];
    if (bundle !== undefined) {
      byIndex.set(pod.index, bundle);
      for (const o of bundle.omitted) notes.push(`shard ${bundle.shard}: ${o}`);
    } else {
      problems.push(...found.problems.map((p) => ({ index: pod.index, text: `${pod.name}: ${p}` })));
      const why = pod.phase === 'Running' || pod.phase === 'Pending' ? 'the run is not over' : `see kubectl logs ${pod.name}`;
      if (found.problems.length === 0) problems.push({ index: pod.index, text: `${pod.name} (${pod.phase}): no report in its log: ${why}` });
    }
  }
  // Every shard of the Job must be there: a pod never created (a quota) or deleted would leave a
  // part of the load out of a merge that looks whole. N is in each report ("i/N").
  const counts = new Set([...byIndex.values()].map((b) => Number(b.shard.split('/')[1])));
  if (counts.size > 1) problems.push({ index: -1, text: `the reports disagree on how many shards the Job has (${[...counts].join(', ')})` });
  const count = [...counts][0];
  if (count !== undefined && Number.isInteger(count)) {
    for (let index = 0; index < count; index++) {
      if (!pods.some((p) => p.index === index))
        problems.push({ index: -1, text: `shard ${index + 1}/${count}: no pod of the Job has its index (never created, or deleted?)` });
    }
  }
  const indexes = [...new Set(pods.map((p) => p.index))].sort((a, b) => a - b);
  const dirs: string[] = [];
  for (const index of indexes) {
    const bundle = byIndex.get(index);
    if (bundle === undefined) continue;
    const dir = join(outDir, `shard-${index + 1}`);
    await makeDir(dir);
    for (const [file, text] of Object.entries(bundle.files)) {
      // Names come from a log: only the files a report has, never a path.
      if (!/^[\w.-]+$/.test(file)) continue;
      await writeFile(join(dir, file), text);
    }
    dirs.push(dir);
  }
  // A pod that failed and was replaced: its index's report may still have come from the other.
  return { dirs, problems: problems.filter((p) => !byIndex.has(p.index)).map((p) => p.text), notes };
}

function podInfo(item: unknown): PodInfo | null {
  const pod = item as { metadata?: { name?: string; annotations?: Record<string, string>; labels?: Record<string, string> }; status?: { phase?: string } };
  const name = pod.metadata?.name;
  const index = Number(pod.metadata?.annotations?.[INDEX_ANNOTATION] ?? pod.metadata?.labels?.[INDEX_ANNOTATION]);
  if (name === undefined || !Number.isInteger(index)) return null;
  return { name, index, phase: pod.status?.phase ?? 'Unknown' };
}
