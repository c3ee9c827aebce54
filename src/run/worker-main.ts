// A forked worker of `run --workers N`: worker.ts over the process's IPC channel.
// Its argument names it ("2/3"), so that ps shows which worker a process is.
import type { FromWorker, ToWorker, WorkerInit } from './run-messages.js';
import { runWorker, type CoordinatorPort } from './worker.js';

// The coordinator may be gone (killed outright): a message to it is dropped, never an error.
const send = (m: FromWorker): Promise<void> =>
  new Promise((resolve) => {
    if (!process.connected || process.send === undefined) resolve();
    else process.send(m, undefined, undefined, () => resolve());
  });
/** Closes the channel to the coordinator, if it is still open (disconnecting twice throws ERR_IPC_DISCONNECTED). */
const leave = (): void => {
  if (process.connected) process.disconnect?.();
};

// Ctrl-C reaches every process of the terminal's group: the coordinator decides.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);

const port: CoordinatorPort = {
  send,
  onMessage: (listener) => {
    process.on('message', (m: ToWorker) => {
      if (m.type !== 'init') listener(m);
    });
    // The coordinator is gone (killed outright): stop, and end quietly.
    process.on('disconnect', () => listener({ type: 'stop', reason: 'interrupted' }));
  },
};

process.once('message', (init: WorkerInit) => {
  runWorker(init, port, { catchUncaught: true }).then(leave, async (err: unknown) => {
    process.exitCode = 1;
    await send({ type: 'failed', message: (err as Error)?.message ?? String(err) });
    leave();
  });
});
