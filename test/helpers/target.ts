// The built-in target for a test file: started before its tests, closed after them, and
// its URLs built in one place. In this process (useTarget), or in a child process as
// `run` starts it (useChildTarget) where the target's work must not show up as the
// harness's own event-loop lag or CPU.
import { after, before } from 'node:test';
import { spawnTarget, type ChildTarget } from '../../src/target/child.js';
import { startTarget, type RunningTarget, type TargetOptions } from '../../src/target/server.js';

/** Knobs for a URL's query: 'tokens=4&closeAfter=2', or { tokens: 4, closeAfter: 2 }. */
export type Knobs = string | Record<string, string | number | boolean | undefined>;

export interface Target {
  /** http://127.0.0.1:<port> */
  readonly origin: string;
  readonly port: number;
  /** The stream URL (/stream) with these knobs in its query. */
  stream(knobs?: Knobs): string;
  /** Another of the target's paths (/v1/messages, /healthz …) with these knobs in its query. */
  url(path: string, knobs?: Knobs): string;
  /**
   * Resolves once the target has started: for another before hook that uses it (node:test in
   * Node 20 starts a file's before hooks without waiting for the one before).
   */
  ready(): Promise<void>;
}

function query(knobs: Knobs): string {
  const q =
    typeof knobs === 'string'
      ? knobs
      : new URLSearchParams(Object.entries(knobs).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)] as [string, string]]))).toString();
  return q === '' ? '' : `?${q}`;
}

function handle(origin: () => string, started: Promise<void>): Target {
  return {
    ready: () => started,
    get origin() {
      return origin();
    },
    get port() {
      return Number(new URL(origin()).port);
    },
    stream: (knobs = '') => `${origin()}/stream${query(knobs)}`,
    url: (path, knobs = '') => `${origin()}${path}${query(knobs)}`,
  };
}

/** A promise settled by a before hook, for other hooks to wait on; never an unhandled rejection. */
function hookDone(): { promise: Promise<void>; run(start: () => Promise<void>): Promise<void> } {
  let settle: (err?: unknown) => void = () => {};
  const promise = new Promise<void>((resolve, reject) => (settle = (err) => (err === undefined ? resolve() : reject(err))));
  promise.catch(() => undefined);
  return {
    promise,
    async run(start) {
      try {
        await start();
        settle();
      } catch (err) {
        settle(err ?? new Error('the target did not start'));
        throw err;
      }
    },
  };
}

const notYet = (): never => {
  throw new Error('the target starts in a before hook: read its URLs inside a test');
};

/** The built-in target in this process, with `options` (its default knobs, CORS), for the tests of the file or describe block. */
export function useTarget(options: TargetOptions = {}): Target & { readonly running: RunningTarget } {
  let running: RunningTarget | null = null;
  const started = hookDone();
  before(async () => {
    await started.run(async () => {
      running = await startTarget(options);
    });
  });
  after(async () => {
    await running?.close();
  });
  const target = handle(() => running?.origin ?? notYet(), started.promise);
  return Object.defineProperty(target, 'running', { get: () => running ?? notYet() }) as Target & { readonly running: RunningTarget };
}

/** The built-in target in a child process (as `run` starts it), for the tests of the file or describe block. */
export function useChildTarget(): Target {
  let child: ChildTarget | null = null;
  const started = hookDone();
  before(async () => {
    await started.run(async () => {
      child = await spawnTarget();
    });
  });
  after(async () => {
    await child?.stop();
  });
  return handle(() => child?.origin ?? notYet(), started.promise);
}
