// What test/integration/proxy.test.ts and proxy-routes.test.ts share: runs through a real Squid
// to targets named sse-target.test, which only Squid can resolve (its hosts file).
import type { RunResult } from '../../src/aggregate/run-result.js';
import { LoadRun } from '../../src/driver/load-run.js';
import { parseScenario } from '../../src/scenario/load.js';
import type { RunningTarget } from '../../src/target/server.js';
import type { startSquid } from './intermediaries.js';

export const NAME = 'sse-target.test';
export const KNOBS = { firstTokenDelayMs: 20, tokenIntervalMs: 20, tokens: 10 };
export const LOAD = 'load: { sessions: 3, duration: 1s, thinkTime: 1h, drain: 5s }\n';
export const only = (o: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(o).filter(([, n]) => n > 0));
export const portOf = (t: RunningTarget): number => Number(new URL(t.origin).port);
export const named = (t: RunningTarget, path = '/stream'): string => `${t.origin.replace('127.0.0.1', NAME)}${path}`;
export const run = (url: string, yaml: string, env: NodeJS.ProcessEnv = {}): Promise<RunResult> =>
  new LoadRun(parseScenario(yaml, 'test.yaml', env), url).run();

export type Squid = Awaited<ReturnType<typeof startSquid>>;

/**
 * Squid's access log from `mark` on, once it holds `lines` lines that match: it writes a
 * request's line when the request ends, and a tunnel's when the tunnel closes, which may come
 * just after the run has closed its connections.
 */
export async function logged(squid: Squid, mark: number, match: RegExp, lines: number): Promise<string[]> {
  const until = Date.now() + 5000;
  for (;;) {
    const found = squid
      .accessLog()
      .slice(mark)
      .split('\n')
      .filter((l) => match.test(l));
    if (found.length >= lines || Date.now() > until) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
}
