// The workers a run's coordinator talks to: forked processes (`run --workers N`), or
// one local worker in the coordinator's own process (`--workers 1`). Both take and
// give the same messages (run-messages.ts); only the channel differs.
import { fork } from 'node:child_process';
import type { FromWorker, ToWorker } from './run-messages.js';
import { WindowCopies } from './second-message.js';
import { runWorker } from './worker.js';
import { WORKER_MAIN } from '../util/paths.js';

export interface WorkerLink {
  /** 1, 2, …: its place among the run's workers. */
  readonly n: number;
  /** A message that cannot be delivered (the worker died meanwhile) is dropped: its end says why. */
  send(m: ToWorker): void;
  /**
   * Its messages, in order; then `onEnd` once, after the last of them, with why it
   * failed (null: it ended as it should).
   */
  listen(onMessage: (m: FromWorker) => void, onEnd: (failure: string | null) => void): void;
  /** Ends it at once (a worker that hangs; a second Ctrl-C). */
  kill(): void;
  /** What a local worker threw: an error of this process, which the run rethrows as its own. */
  readonly thrown?: unknown;
  /** A local worker's seconds come as copies of its window, from these; the coordinator gives each back once combined. */
  readonly windowCopies?: WindowCopies;
}

/** Forks the worker processes early: they load while the built-in target starts. */
export function forkWorkers(count: number): WorkerLink[] {
  return Array.from({ length: count }, (_, i) => forkedWorker(i + 1, count));
}

function forkedWorker(n: number, count: number): WorkerLink {
  // 'advanced': the validated scenario and the results travel as structured clones, not JSON.
  const proc = fork(WORKER_MAIN, [`${n}/${count}`], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
  let failure: string | null = null;
  return {
    n,
    send: (m) => {
      if (proc.exitCode === null && proc.signalCode === null && proc.connected) proc.send(m, () => undefined);
    },
    listen: (onMessage, onEnd) => {
      proc.on('message', (m: FromWorker) => {
        if (m.type === 'failed') failure = m.message;
        onMessage(m);
      });
      // Ended when it has exited and its last messages are in: the channel closes after them.
      let exited = false;
      let disconnected = false;
      let ended = false;
      const end = (): void => {
        if (!exited || !disconnected || ended) return;
        ended = true;
        onEnd(failure);
      };
      proc.once('disconnect', () => {
        disconnected = true;
        end();
      });
      proc.once('exit', (code, signal) => {
        exited = true;
        disconnected ||= !proc.connected;
        if (code !== 0 && failure === null) failure = `exited with ${signal ?? `code ${code}`}`;
        end();
      });
    },
    kill: () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
}

/**
 * The worker of a run in one process: worker.ts called here, its messages handed over
 * in memory. Each goes on the microtask queue, so that neither side runs inside the
 * other's call, as with a channel, and they arrive in the order sent.
 */
export function localWorker(): WorkerLink {
  const windowCopies = new WindowCopies();
  let toWorker: ((m: Exclude<ToWorker, { type: 'init' }>) => void) | null = null;
  let toCoordinator: (m: FromWorker) => void = () => undefined;
  let ended: (failure: string | null) => void = () => undefined;
  let done = false;
  const link: { -readonly [K in keyof WorkerLink]: WorkerLink[K] } = {
    n: 1,
    send: (m) => {
      if (done) return;
      if (m.type !== 'init') {
        queueMicrotask(() => toWorker?.(m));
        return;
      }
      const port = {
        send: (out: FromWorker): Promise<void> => {
          queueMicrotask(() => toCoordinator(out));
          return Promise.resolve();
        },
        onMessage: (listener: typeof toWorker) => void (toWorker = listener),
        windowCopies,
      };
      runWorker(m, port).then(
        () => queueMicrotask(() => finish(null)),
        (err: unknown) => {
          link.thrown = err;
          queueMicrotask(() => finish((err as Error)?.message ?? String(err)));
        },
      );
    },
    listen: (onMessage, onEnd) => {
      toCoordinator = onMessage;
      ended = onEnd;
    },
    // A function in this process cannot be killed: the second Ctrl-C exits the process.
    kill: () => undefined,
    windowCopies,
  };
  const finish = (failure: string | null): void => {
    if (done) return;
    done = true;
    ended(failure);
  };
  return link;
}
