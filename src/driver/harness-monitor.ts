// The harness measures itself: a saturated load generator reports its own delay as
// the target's, so the report must say how busy the harness was.
import { availableParallelism } from 'node:os';
import { constants, monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { judgeSecond, type HarnessSecond, type HarnessStats, type SaturatedSpan } from '../record/harness.js';

// monitorEventLoopDelay records the whole period of its timer, so an idle loop
// reads about the resolution itself; the lag is what comes on top of it.
const RESOLUTION_MS = 10;

/** A recorded timer period (ns) → the lag on top of the resolution, ms with µs kept. */
function lagMs(ns: number): number {
  return Math.max(0, Math.round(ns / 1e3 - RESOLUTION_MS * 1e3) / 1e3);
}

/**
 * The JS heap less its young generation. Read just after a full GC it is what the heap
 * kept: the young generation then holds only what was allocated since, soon garbage.
 */
function oldGenerationBytes(): number {
  let bytes = 0;
  for (const space of getHeapSpaceStatistics())
    if (space.space_name !== 'new_space' && space.space_name !== 'new_large_object_space') bytes += space.space_used_size;
  return bytes;
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
  private seconds = 0;
  private lastRss = 0;
  private heapAfterGc = 0;
  private gcObserver: PerformanceObserver | null = null;
  private readonly spans: SaturatedSpan[] = [];

  /** @param label names this process in saturation reports: '' alone, 'worker 2/3' as one of several. */
  constructor(private readonly label = '') {}

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
    // A few entries a second (one per GC), read only after a full one.
    this.gcObserver = new PerformanceObserver((list) => {
      if (list.getEntries().some((e) => ((e as { detail?: { kind?: number } }).detail?.kind ?? 0) & constants.NODE_PERFORMANCE_GC_MAJOR))
        this.heapAfterGc = oldGenerationBytes();
    });
    this.gcObserver.observe({ entryTypes: ['gc'] });
  }

  /** Reads the figures of the second just ended (since the previous call, or the start) and starts the next. */
  sampleSecond(): HarnessSecond {
    const cpu = process.cpuUsage(this.secondCpu ?? undefined);
    const now = performance.now();
    const wallMs = Math.max(1, now - this.secondStartMs);
    const d = this.secondDelay;
    const cpuCoreShare = Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 1000) / 1000;
    const lagP99Ms = d.count > 0 ? lagMs(d.percentile(99)) : 0;
    const reason = judgeSecond(wallMs, lagP99Ms, cpuCoreShare);
    const out: HarnessSecond = {
      lagP99Ms,
      lagMaxMs: d.count > 0 ? lagMs(d.max) : 0,
      cpuCoreShare,
      rssBytes: this.rss(),
      heapUsedBytes: getHeapStatistics().used_heap_size,
      heapAfterGcBytes: this.heapAfterGc,
      cpuMaxProcessShare: cpuCoreShare,
      saturated: reason === '' ? '' : `${this.label === '' ? '' : `${this.label}: `}${reason}`,
    };
    if (out.rssBytes > this.maxRss) this.maxRss = out.rssBytes;
    this.seconds++;
    if (reason !== '') this.noteSaturated(this.seconds, lagP99Ms, cpuCoreShare);
    d.reset();
    this.secondCpu = process.cpuUsage();
    this.secondStartMs = now;
    return out;
  }

  stop(): HarnessStats {
    this.delay.disable();
    this.secondDelay.disable();
    if (this.sampler !== null) clearInterval(this.sampler);
    this.gcObserver?.disconnect();
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
      processes: 1,
      cores: availableParallelism(),
      saturated: this.spans,
    };
  }

  private noteSaturated(second: number, lagP99Ms: number, cpuCoreShare: number): void {
    const last = this.spans[this.spans.length - 1];
    if (last !== undefined && last.toSecond === second - 1) {
      last.toSecond = second;
      last.lagP99Ms = Math.max(last.lagP99Ms, lagP99Ms);
      last.cpuCoreShare = Math.max(last.cpuCoreShare, cpuCoreShare);
      return;
    }
    this.spans.push({ fromSecond: second, toSecond: second, process: this.label, lagP99Ms, cpuCoreShare });
  }

  /**
   * RSS, or the last reading when it cannot be read: Linux reads it from /proc, which
   * takes a file descriptor, and a run that has used up its descriptors must go on.
   */
  private rss(): number {
    try {
      this.lastRss = process.memoryUsage.rss();
    } catch {
      // EMFILE: keep the last reading; the streams report the limit.
    }
    return this.lastRss;
  }

  private sample(): void {
    const rss = this.rss();
    if (rss > this.maxRss) this.maxRss = rss;
  }
}
