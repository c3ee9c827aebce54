// The run lifecycle (cli/coordinator.ts) against scripted workers: messages in, files and
// an exit code out, no process and no load. Seconds are combined only when every running
// worker has sent them, rows are written as they come, a worker that dies keeps what it
// sent, an abort from one stops all, and a stop that came before the start is passed on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunAggregate } from '../../src/aggregate/run-aggregate.js';
import { SecondWindow } from '../../src/aggregate/second-window.js';
import { snapshotOf } from '../helpers/snapshot.js';
import type { RunResult } from '../../src/aggregate/run-result.js';
import { toMessage } from '../../src/run/second-message.js';
import { coordinateRun, type RunJob, type RunObserver } from '../../src/run/coordinator.js';
import { parseRule } from '../../src/thresholds/rules.js';
import { EXIT } from '../../src/util/exit-codes.js';
import { ProgressPrinter } from '../../src/run/progress-printer.js';
import type { FromWorker, RunTargets, ToWorker } from '../../src/run/run-messages.js';
import { summarizeRun } from '../../src/run/summarize-run.js';
import type { WorkerLink } from '../../src/run/workers.js';
import type { Summary } from '../../src/report/summary.js';
import { tempDir } from '../helpers/cli.js';
import { scenarioFrom } from '../helpers/run.js';

const scenario = scenarioFrom('load: { sessions: 2, duration: 10s }\n');
const targets: RunTargets = { urls: ['http://127.0.0.1:1/stream'], reportUrls: ['http://127.0.0.1:1/stream'], builtinTarget: false };

/** A worker's results: no streams, as summarizeRun() makes them. */
function results(stopReason: string | null = null): Summary {
  const result: RunResult = {
    urls: targets.urls,
    overall: new RunAggregate(),
    variants: [new RunAggregate()],
    warmup: new RunAggregate(),
    startedAtEpochMs: Date.UTC(2026, 11, 1),
    durationMs: 2000,
    stopReason,
    notStarted: 0,
    drain: { limitMs: 0, finished: 0, aborted: 0 },
    shard: { index: 0, count: 1 },
    internalErrors: [],
    harness: {
      eventLoopDelayMs: { p50: 0, p99: 0, max: 0 },
      cpuUserMs: 0,
      cpuSystemMs: 0,
      cpuCoreShare: 0,
      maxRssBytes: 0,
      processes: 1,
      cores: 2,
      saturated: [],
    },
  };
  return summarizeRun(scenario, result, targets);
}

function second(n: number, opened: number): FromWorker {
  const window = new SecondWindow();
  window.opened = opened;
  const s = snapshotOf(window, { second: n });
  return { type: 'second', snapshot: toMessage(s) };
}

/** A worker that answers its init with `script`, told what the coordinator sent it. */
function scripted(
  n: number,
  script: (say: (m: FromWorker) => void, end: (failure: string | null) => void, heard: ToWorker[]) => void,
): WorkerLink & { heard: ToWorker[] } {
  const heard: ToWorker[] = [];
  let say: (m: FromWorker) => void = () => undefined;
  let end: (failure: string | null) => void = () => undefined;
  let ended = false;
  return {
    n,
    heard,
    send: (m) => {
      heard.push(m);
      if (m.type === 'init') queueMicrotask(() => script(say, end, heard));
    },
    listen: (onMessage, onEnd) => {
      say = (m) => queueMicrotask(() => onMessage(m));
      end = (failure) =>
        queueMicrotask(() => {
          if (!ended) onEnd(failure);
          ended = true;
        });
    },
    kill: () => undefined,
  };
}

/** Waits until `heard` has a message of `type`. */
async function until(heard: ToWorker[], type: ToWorker['type']): Promise<void> {
  while (!heard.some((m) => m.type === type)) await new Promise((resolve) => setImmediate(resolve));
}

/** Runs the coordinator with output captured; the files it wrote, its exit code and stderr. */
async function coordinate(
  workers: WorkerLink[],
  observers: RunObserver[] = [],
  more: Pick<RunJob, 'scenario' | 'stopWhenBroken'> = { scenario },
): Promise<{ code: number; stderr: string; streams: string[]; seconds: string[][]; dir: string }> {
  const dir = tempDir();
  let stderr = '';
  // quiet: the coordinator prints only the report folder on stdout (the test runner's channel).
  const err = process.stderr.write;
  process.stderr.write = (chunk: string) => ((stderr += chunk), true);
  let code: number;
  try {
    const progress = new ProgressPrinter(true, 10_000, 10_000, 1, 'closed', workers.length);
    code = await coordinateRun({ ...more, shard: { index: 0, count: 1 }, workers, outDir: dir, targets, progress, quiet: true, background: null, observers });
  } finally {
    process.stderr.write = err;
  }
  const lines = (f: string): string[] => readFileSync(join(dir, f), 'utf8').trim().split('\n').slice(1);
  return { code, stderr, streams: lines('streams.csv'), seconds: lines('timeseries.csv').map((l) => l.split(',')), dir };
}

const openedColumn = (seconds: string[][], dir: string): number[] => {
  const head = readFileSync(join(dir, 'timeseries.csv'), 'utf8').split('\n')[0]?.split(',') ?? [];
  return seconds.map((r) => Number(r[head.indexOf('opened')]));
};

test('two workers: a second is written once both sent it, rows as they come, one summary of both', async () => {
  const a = scripted(1, async (say, end, heard) => {
    say({ type: 'ready' });
    await until(heard, 'start');
    say({ type: 'streams', csv: 'a1\na2\n' });
    say(second(1, 2));
    say(second(2, 1));
    say({ type: 'result', summary: results() });
    end(null);
  });
  const b = scripted(2, async (say, end, heard) => {
    say({ type: 'ready' });
    await until(heard, 'start');
    say(second(1, 3));
    say({ type: 'streams', csv: 'b1\n' });
    say(second(2, 4));
    say({ type: 'result', summary: results() });
    end(null);
  });
  const r = await coordinate([a, b]);
  assert.equal(r.code, EXIT.OK, r.stderr);
  assert.deepEqual(openedColumn(r.seconds, r.dir), [5, 5]);
  assert.deepEqual(r.streams.sort(), ['a1', 'a2', 'b1']);
  // Each was told its own part of the load, then to start.
  assert.deepEqual(
    [a, b].map((w) => w.heard.map((m) => (m.type === 'init' ? `init ${m.shard.index}/${m.shard.count} ${m.processLabel}` : m.type))),
    [
      ['init 0/2 worker 1/2', 'start'],
      ['init 1/2 worker 2/2', 'start'],
    ],
  );
  const summary = JSON.parse(readFileSync(join(r.dir, 'summary.json'), 'utf8')) as Summary;
  assert.equal(summary.run.mergedFrom, 1);
  assert.equal(summary.harness.processes, 2);
  const one = JSON.parse(readFileSync(join(r.dir, 'workers', '1', 'summary.json'), 'utf8')) as Summary;
  assert.ok(summary.run.parts?.includes(one.run.id as string), "the report counts worker 1's run");
});

test("a worker that dies: its rows and seconds stay, the summary is the others', exit 1", async () => {
  const a = scripted(1, async (say, end, heard) => {
    say({ type: 'ready' });
    await until(heard, 'start');
    for (let s = 1; s <= 3; s++) say(second(s, 1));
    say({ type: 'result', summary: results() });
    end(null);
  });
  const b = scripted(2, async (say, end, heard) => {
    say({ type: 'ready' });
    await until(heard, 'start');
    say({ type: 'streams', csv: 'b1\nb2\n' });
    say(second(1, 10));
    end('exited with SIGKILL');
  });
  const r = await coordinate([a, b]);
  assert.equal(r.code, EXIT.INTERNAL);
  assert.match(r.stderr, /worker 2 failed: exited with SIGKILL; its streams are missing from the summary \(streams\.csv has the rows it sent\)/);
  assert.deepEqual(r.streams, ['b1', 'b2']);
  // Second 1 has both; seconds 2 and 3 only the worker still running.
  assert.deepEqual(openedColumn(r.seconds, r.dir), [11, 1, 1]);
});

test('an abort from one worker stops every worker, and a stop before the start is passed on after it', async () => {
  const a = scripted(1, async (say, end, heard) => {
    say({ type: 'ready' });
    await until(heard, 'start');
    say({ type: 'abort', reason: 'threshold: ttft p99 < 1ms' });
    await until(heard, 'stop');
    say({ type: 'result', summary: results('threshold: ttft p99 < 1ms') });
    end(null);
  });
  const b = scripted(2, async (say, end, heard) => {
    say({ type: 'ready' });
    await until(heard, 'stop');
    say({ type: 'result', summary: results('threshold: ttft p99 < 1ms') });
    end(null);
  });
  const r = await coordinate([a, b]);
  assert.equal(r.code, EXIT.THRESHOLDS_FAILED);
  assert.deepEqual(b.heard.slice(1), [{ type: 'start' }, { type: 'stop', reason: 'threshold: ttft p99 < 1ms' }]);

  // An observer's wait before the clock starts (e.g. --start-at) during which a stop comes.
  let stop: () => void = () => undefined;
  const c = scripted(1, async (say, end, heard) => {
    stop = () => process.emit('SIGINT');
    say({ type: 'ready' });
    // As worker.ts does: stopped before the start, it waits for the start, then stops at once.
    await until(heard, 'start');
    say({ type: 'result', summary: results('interrupted') });
    end(null);
  });
  const observer: RunObserver = {
    beforeStart: async () => {
      stop();
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
  const i = await coordinate([c], [observer]);
  assert.equal(i.code, EXIT.INTERRUPTED);
  assert.deepEqual(
    c.heard.slice(1).map((m) => m.type),
    ['stop', 'start', 'stop'],
    'told to stop at once, then started and told again, so it starts and stops',
  );
});

test('--stop-when-broken: the workers count, the coordinator adds their counts up and stops every worker with the reason', async () => {
  // 100 streams at most (10/s for 10 s): a ttft p99 allows one past its limit.
  const open = scenarioFrom('load: { model: open, arrivals: constant, rate: 10/s, duration: 10s }\n');
  const parsed = parseRule('ttft p99 < 2s');
  if ('error' in parsed) assert.fail(parsed.error);
  const reason = "broken beyond recovery: ttft p99 < 2s (2 streams' ttft past 2000ms already, and the p99 of at most 100 streams allows 1)";
  const worker = (n: number) =>
    scripted(n, async (say, end, heard) => {
      say({ type: 'ready' });
      await until(heard, 'start');
      say(second(1, 5));
      say({ type: 'against', counts: [1] });
      await until(heard, 'stop');
      say({ type: 'result', summary: results(reason) });
      end(null);
    });
  const a = worker(1);
  const b = worker(2);
  const r = await coordinate([a, b], [], { scenario: open, stopWhenBroken: [{ ...parsed.rule, abortOnFail: false, abortGraceMs: 0 }] });
  assert.equal(r.code, EXIT.THRESHOLDS_FAILED, r.stderr);
  for (const w of [a, b]) {
    const init = w.heard[0];
    assert.deepEqual(init?.type === 'init' ? init.stopWhenBroken?.map((t) => t.text) : null, ['ttft p99 < 2s'], 'each worker is told what to count');
    assert.deepEqual(w.heard.slice(1), [{ type: 'start' }, { type: 'stop', reason }]);
  }
  const summary = JSON.parse(readFileSync(join(r.dir, 'summary.json'), 'utf8')) as Summary;
  assert.equal(summary.run.stopReason, reason);
});
