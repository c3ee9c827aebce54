// A real Prometheus scrapes `run --metrics-listen` every second; what its PromQL answers
// after the run is what summary.json says: the count of streams exactly, the median ttft
// within the bucket that holds the report's p50.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUCKET_BOUNDS_S } from '../../src/live/buckets.js';
import type { Summary } from '../../src/report/summary.js';
import { tempDir } from '../helpers/cli.js';
import { startLiveRun } from './live-run.js';
import { freePort, skipUnlessPrometheus, startPrometheus } from './prometheus.js';
import { bucketOf } from './snapshots.js';

test(
  'Prometheus scraping a run every second agrees with summary.json (sum of streams ended, bytes, histogram_quantile of ttft, e2e, delivery lag, ttfb)',
  { skip: skipUnlessPrometheus() },
  async () => {
    const port = await freePort();
    const prom = await startPrometheus(`127.0.0.1:${port}`);
    try {
      const out = join(tempDir(), 'prom-run');
      // --live-linger 30s: the run ends once Prometheus has scraped the final figures (1 s interval); 30 s only bounds a stuck scraper.
      const run = startLiveRun(
        [
          'run',
          'scenarios/quickstart.yaml',
          '-d',
          '5s',
          '--workers',
          '1',
          '--out',
          out,
          '--quiet',
          '--metrics-listen',
          `127.0.0.1:${port}`,
          '--live-linger',
          '30s',
        ],
        60_000,
      );
      const done = await run.done;
      assert.equal(done.code, 0, done.stderr);
      assert.doesNotMatch(done.stderr, /cannot listen/);
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
      const sel = `{run="prom-run",scenario="quickstart",shard="1/1"}`;
      // The target is gone now, so its series are stale at "now": read the last value scraped.
      const last = (metric: string): string => `max_over_time(${metric}${sel}[5m])`;
      // The final scrape was answered before the run exited; Prometheus stores it a moment later.
      const deadline = Date.now() + 10_000;
      while ((await prom.query(last('sse_soak_run_ended')))[0] !== 1) {
        assert.ok(Date.now() < deadline, 'Prometheus never stored the scrape after the run ended');
        await new Promise((r) => setTimeout(r, 200));
      }
      // Scraped while the run went: a scrape saw run_ended 0, and another the final 1. How many
      // scrapes fall in 5 s is Prometheus' own schedule (its first scrape waits up to an interval,
      // and a starved machine delays it more: 3 were seen beside two other test files), not ours.
      const scrapes = await prom.query(`count_over_time(sse_soak_run_ended${sel}[5m])`);
      const during = await prom.query(`min_over_time(sse_soak_run_ended${sel}[5m])`);
      assert.ok((scrapes[0] ?? 0) >= 2 && during[0] === 0, `Prometheus scraped the run while it went: ${scrapes[0]} scrapes, lowest run_ended ${during[0]}`);
      const ended = await prom.query(`sum(${last('sse_soak_streams_ended_total')})`);
      assert.equal(ended[0], summary.streams.ended);
      assert.ok(summary.streams.ended > 50);
      const completed = await prom.query(`sum(${last('sse_soak_streams_ended_total').replace('}', ',outcome="completed"}')})`);
      assert.equal(completed[0], summary.outcomes.completed);
      const tokens = await prom.query(last('sse_soak_tokens_total'));
      assert.equal(tokens[0], summary.totals.tokens);
      const bytes = await prom.query(`sum(${last('sse_soak_bytes_total')})`);
      assert.equal(bytes[0], summary.totals.bytes);
      // Every latency the report and /metrics both have: PromQL's quantile lands in the report's percentile's bucket.
      for (const [series, figures] of [
        ['ttft', summary.metrics.ttft],
        ['e2e', summary.metrics.e2e],
        ['delivery_lag', summary.metrics.deliveryLag],
        ['ttfb', summary.metrics.ttfb],
      ] as const) {
        assert.ok(figures.count > 0, `${series}: the quickstart measures it`);
        for (const [q, reportMs] of [
          [0.5, figures.p50],
          [0.99, figures.p99],
        ] as const) {
          const [promS] = await prom.query(`histogram_quantile(${q}, sum by (le) (${last(`sse_soak_${series}_seconds_bucket`)}))`);
          const [lo, hi] = bucketOf(reportMs / 1000, BUCKET_BOUNDS_S);
          assert.ok(
            promS !== undefined && promS >= lo && promS <= hi,
            `${series} q${q}: PromQL ${promS} s, the report ${reportMs} ms, whose bucket is (${lo}, ${hi}]`,
          );
        }
      }
    } finally {
      await prom.stop();
    }
  },
);
