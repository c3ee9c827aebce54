// Configuration mistakes are typed errors that carry every problem found, each with
// its place in the file, so `run` and `validate` can explain them all at once.

export interface ScenarioProblem {
  /** Dotted field path, e.g. "load.sessions" or "target.headers.Authorization". */
  path: string;
  message: string;
  hint?: string;
  line?: number;
  column?: number;
}

export class ScenarioError extends Error {
  readonly code = 'SCENARIO_INVALID';
  constructor(
    readonly file: string,
    readonly problems: ScenarioProblem[],
  ) {
    super(`${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
  }

  /** One line per problem, in file order: "file:line:col field: message (hint)". */
  describe(): string {
    return [...this.problems]
      .sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0))
      .map((p) => {
        const where = p.line === undefined ? this.file : `${this.file}:${p.line}:${p.column ?? 1}`;
        const field = p.path === '' ? '' : ` ${p.path}:`;
        return `${where}${field} ${p.message}${p.hint ? `\n    hint: ${p.hint}` : ''}`;
      })
      .join('\n');
  }
}

/** The closest candidate within a small edit distance, for "did you mean". */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
    }
    prev = cur;
  }
  return prev[b.length] as number;
}
