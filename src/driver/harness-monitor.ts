// The harness measures itself: a saturated load generator reports its own delay as
// the target's, so the report must say how busy the harness was.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface HarnessStats {
  /** Event-loop lag over the run, ms: how late a timer ran beyond its due time. */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** CPU time of this process over the run, ms, and as a share of one core. */
  cpuUserMs: number;
  cpuSystemMs: number;
  cpuCoreShare: number;
  maxRssBytes: number;
}

// monitorEventLoopDelay records the whole period of its timer, so an idle loop
// reads about the resolution itself; the lag is what comes on top of it.
const RESOLUTION_MS = 10;

/** A recorded timer period (ns) → the lag on top of the resolution, ms with µs kept. */
function lagMs(ns: number): number {
  return Math.max(0, Math.round(ns / 1e3 - RESOLUTION_MS * 1e3) / 1e3);
}

/** The harness over the last second, for timeseries.csv and the live progress. */
export interface HarnessSecond {
  lagP99Ms: number;
  lagMaxMs: number;
  cpuCoreShare: number;
  rssBytes: number;
}

export class HarnessMonitor {
  private readonly delay: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private readonly secondDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private secondCpu: NodeJS.CpuUsage | null = null;
  private secondStartMs = 0;
  private cpuStart: NodeJS.CpuUsage | null = null;
  private startMs = 0;
  private maxRss = 0;
  private sampler: NodeJS.Timeout | null = null;

  start(): void {
    this.delay.enable();
    this.secondDelay.enable();
    this.secondCpu = process.cpuUsage();
    this.secondStartMs = performance.now();
    this.cpuStart = process.cpuUsage();
    this.startMs = performance.now();
    this.sample();
    this.sampler = setInterval(() => this.sample(), 1000);
    this.sampler.unref();
  }

  /** The figures since the previous call (or the start), then starts the next second. */
  second(): HarnessSecond {
    const cpu = process.cpuUsage(this.secondCpu ?? undefined);
    const now = performance.now();
    const wallMs = Math.max(1, now - this.secondStartMs);
    const d = this.secondDelay;
    const out: HarnessSecond = {
      lagP99Ms: d.count > 0 ? lagMs(d.percentile(99)) : 0,
      lagMaxMs: d.count > 0 ? lagMs(d.max) : 0,
      cpuCoreShare: Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 1000) / 1000,
      rssBytes: process.memoryUsage.rss(),
    };
    if (out.rssBytes > this.maxRss) this.maxRss = out.rssBytes;
    d.reset();
    this.secondCpu = process.cpuUsage();
    this.secondStartMs = now;
    return out;
  }

  stop(): HarnessStats {
    this.delay.disable();
    this.secondDelay.disable();
    if (this.sampler !== null) clearInterval(this.sampler);
    this.sample();
    const cpu = process.cpuUsage(this.cpuStart ?? undefined);
    const wallMs = Math.max(1, performance.now() - this.startMs);
    const count = this.delay.count;
    return {
      eventLoopDelayMs: {
        p50: count > 0 ? lagMs(this.delay.percentile(50)) : 0,
        p99: count > 0 ? lagMs(this.delay.percentile(99)) : 0,
        max: count > 0 ? lagMs(this.delay.max) : 0,
      },
      cpuUserMs: Math.round(cpu.user / 1000),
      cpuSystemMs: Math.round(cpu.system / 1000),
      cpuCoreShare: Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 1000) / 1000,
      maxRssBytes: this.maxRss,
    };
  }

  private sample(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.maxRss) this.maxRss = rss;
  }
}
