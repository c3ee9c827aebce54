// One stream through the real driver (Transport + StreamHandler), without a run around
// it: it ends as soon as the stream does, so a matrix of faults takes seconds, not minutes.
import { RunAggregate } from '../../src/aggregate/run-aggregate.js';
import { Deadlines } from '../../src/driver/deadlines.js';
import { StreamHandler, type StreamHost } from '../../src/driver/stream-handler.js';
import { Transport } from '../../src/driver/transport.js';
import type { StreamRecord } from '../../src/record/stream-record.js';
import { nowUs } from '../../src/util/clock.js';
import { scenarioFrom } from './run.js';

export interface OneStream {
  record: StreamRecord;
  aggregate: RunAggregate;
}

/**
 * @param streamYaml lines of the scenario's `stream:` section (and a `reconnect:` section), indented as in a file.
 * @param targetYaml lines of its `target:` section (e.g. `  http: 2`).
 */
export async function oneStream(url: string, streamYaml = '', timeoutMs = 10_000, targetYaml = ''): Promise<OneStream> {
  const idle = streamYaml.includes('idleTimeout:') ? '' : '  idleTimeout: 5s\n';
  const target = targetYaml === '' ? '' : `target:\n${targetYaml}\n`;
  const scenario = scenarioFrom(`${target}
stream:
${idle}  lifetime: 10s
${streamYaml}
load:
  sessions: 1
  duration: 10s
`);
  const transport = new Transport(scenario, [url]);
  const aggregate = new RunAggregate();
  let done: () => void = () => {};
  const released = new Promise<void>((resolve) => (done = resolve));
  const host: StreamHost = {
    spec: scenario.stream,
    deadlines: new Deadlines(),
    onFinished: () => {},
    onReleased: () => done(),
    acceptsReconnects: true,
    reconnect: (s, lastEventId) => {
      s.resend();
      transport.dispatch(s, 0, lastEventId);
    },
  };
  await transport.prepare();
  const stream = StreamHandler.create(host, aggregate, 0, 0, 0, false, nowUs());
  stream.started();
  transport.dispatch(stream, 0);
  const timer = setTimeout(() => stream.stop('aborted'), timeoutMs);
  try {
    await released;
  } finally {
    clearTimeout(timer);
    await transport.close();
    transport.dispose();
  }
  return { record: stream.record, aggregate };
}
