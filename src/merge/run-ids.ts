// Which runs a summary counts, so that merge never counts one twice: `merge X X`,
// or a merged report merged again with one of its own inputs, would add the same
// streams twice and look like twice the load.
import { createHash } from 'node:crypto';
import type { Summary } from '../report/summary.js';

/**
 * The ids of the single-process runs whose streams `s` counts. Summaries from before
 * runs had ids are known by what no two runs share: their start, end and histograms.
 */
export function runParts(s: Summary): string[] {
  if (s.run.parts !== undefined && s.run.parts.length > 0) return s.run.parts;
  if (s.run.id !== undefined) return [s.run.id];
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([s.run.startedAt, s.run.endedAt, s.histograms]))
    .digest('hex')
    .slice(0, 32);
  return [`legacy-${fingerprint}`];
}

/** Each pair of inputs that count a run in common, as "A and B both count run <id>". */
export function sharedRuns(labels: readonly string[], runs: readonly Summary[]): string[] {
  const firstSeen = new Map<string, number>();
  const problems: string[] = [];
  runs.forEach((r, i) => {
    const reported = new Set<number>();
    for (const id of runParts(r)) {
      const earlier = firstSeen.get(id);
      if (earlier === undefined) firstSeen.set(id, i);
      else if (!reported.has(earlier)) {
        reported.add(earlier);
        problems.push(`${labels[earlier]} and ${labels[i]} both count run ${id}`);
      }
    }
  });
  return problems;
}
