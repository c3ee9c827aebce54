import { createServer, type Server } from 'node:net';
import type { RunResult } from '../../src/aggregate/run-result.js';
import { LoadRun } from '../../src/driver/load-run.js';
import { parseScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/types.js';

/** A scenario from YAML text, as if read from a file. */
export function scenarioFrom(yaml: string, env: NodeJS.ProcessEnv = {}): Scenario {
  return parseScenario(yaml, 'test.yaml', env);
}

/** Runs a scenario against a URL in this process and returns the result. */
export async function runAgainst(url: string, yaml: string): Promise<RunResult> {
  return new LoadRun(scenarioFrom(yaml), url).run();
}

/** A loopback port that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A raw TCP server on loopback that answers every connection with `onConnection`. */
export async function rawServer(onConnection: (socket: import('node:net').Socket) => void): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/stream`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
