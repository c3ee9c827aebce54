// A child process for the dispatchAfterStack canary (test/driver/undici-internals.test.ts):
// undici's assertion would exit the test process itself. One request to a closed loopback
// port; from inside its error, a second request on the same client, directly or through
// dispatchAfterStack. Prints "first <code>" and "second <code>", and exits 0, unless undici's
// assertion ends the process first.
//   node undici-dispatch-child.js direct|after-stack <closed port>
import { Client, type Dispatcher } from 'undici';
import { dispatchAfterStack } from '../../src/driver/undici-internals.js';

const [mode, port] = process.argv.slice(2);
const client = new Client(`http://127.0.0.1:${port}`, { pipelining: 4 });
const request: Dispatcher.DispatchOptions = { path: '/', method: 'GET' };

function handler(name: string, then: () => void): Dispatcher.DispatchHandler {
  return {
    onRequestStart() {},
    onResponseStart() {},
    onResponseData() {},
    onResponseEnd() {},
    onResponseError(_controller, err) {
      process.stdout.write(`${name} ${(err as { code?: string }).code}\n`);
      then();
    },
  };
}

const second = handler('second', () => void client.destroy());
client.dispatch(
  request,
  handler('first', () => {
    if (mode === 'direct') client.dispatch(request, second);
    else dispatchAfterStack(client, request, second);
  }),
);
