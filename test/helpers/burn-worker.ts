// A deliberately starved worker, for the test of the harness's saturation warning:
// loaded into every process of a run with NODE_OPTIONS=--import=<this file>, it keeps
// the worker named by SSE_SOAK_TEST_BURN_WORKER (its number, as worker-main.js's
// argument "n/N" says) busy 85 ms of every 100 ms, as if it had a small share of a
// core. It touches nothing else: no IPC, no listener, and no other process burns.
import { fileURLToPath } from 'node:url';

const which = process.env.SSE_SOAK_TEST_BURN_WORKER;
const [, main = '', label = ''] = process.argv;

export const BURN_WORKER_MODULE = fileURLToPath(import.meta.url);

if (which !== undefined && main.endsWith('worker-main.js') && label.split('/')[0] === which) {
  setInterval(() => {
    const until = performance.now() + 85;
    while (performance.now() < until);
  }, 100).unref();
}
