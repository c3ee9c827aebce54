// capacity against the model-server target, open model: `slots: 4` and replies of 500 ms
// (100 ms first-token delay + 8 tokens × 50 ms) serve at most 4 ÷ 0.5 s = 8 streams/s.
// Constant arrivals below that never queue; above it the queue grows for as long as the
// step lasts (at 9/s, by one stream a second: after 1 s of warm-up and 4 s measured, the
// last arrivals wait 5 × 125 ms ≈ 600 ms for a slot). The file takes 60–80 s (six steps).
//
// Why the bounds hold on a busy machine: below capacity ttft is the 100 ms delay, 300 ms
// under the SLO; a late harness only adds to measured latencies, and a step it fails is
// reported as harness saturation, never as a capacity. Near the truth (8–8.8/s) the queue
// grows too slowly to show within a step: the test accepts what the asked precision does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CapacityReport } from '../../src/capacity/report.js';
import { cli, noStack, tempDir } from '../helpers/cli.js';

const TRUTH = 4 / 0.5;

test(`finds a model server's arrival rate capacity (${TRUTH}/s) within 10 %`, async () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'open.yaml'),
    `name: model-open
target:
  builtin: { slots: 4, firstTokenDelay: 100ms, tokenInterval: 50ms, tokens: 8 }
load: { model: open, arrivals: constant, rate: 1/s, duration: 5s }
`,
  );
  const out = join(dir, 'cap');
  const r = await cli(
    ['capacity', join(dir, 'open.yaml'), '--slo', 'ttft p99 < 400ms', '--from', '3/s', '--step', '4s', '--warmup', '1s', '--workers', '1', '--out', out],
    { timeoutMs: 110_000 },
  );
  noStack(r.stderr);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const report = JSON.parse(readFileSync(join(out, 'capacity.json'), 'utf8')) as CapacityReport;
  assert.equal(report.unit, 'streams/s');
  assert.equal(report.stop, 'found', report.answer);
  const found = report.capacity as number;
  assert.ok(Math.abs(found - TRUTH) <= 0.1 * TRUTH, `found ${found}/s, truth ${TRUTH}/s: ${report.answer}`);
  assert.match(r.stdout, /capacity: [\d.]+ streams\/s within every SLO/);
  // Goodput per second at the capacity is about the arrival rate: every stream was good.
  const at = report.steps.find((s) => s.level === found);
  assert.equal(at?.goodput.share, 1);
});
