// A second's snapshot as it travels from a worker to the coordinator of
// `run --workers`, and the one snapshot the coordinator makes of all workers'.
// Histograms travel in their lossless encoding, so a combined second's
// percentiles are exact, the same as one process would have measured.
import { SecondWindow, type SecondSnapshot, type WindowMessage } from '../aggregate/second-window.js';
import type { HarnessSecond } from '../record/harness.js';

export interface SecondMessage extends Omit<SecondSnapshot, 'window'> {
  /** Its encoding, or between a worker and a coordinator in one process, a copy (WindowCopies). */
  window: WindowMessage | SecondWindow;
}

/** @param copies in one process: the window goes over as a copy made in one of these, not encoded */
export function toMessage(s: SecondSnapshot, copies?: WindowCopies): SecondMessage {
  return { ...s, window: copies === undefined ? s.window.toMessage() : copies.copy(s.window) };
}

/**
 * A worker and its coordinator in one process (a run with one worker) hand each second over as
 * a copy of the worker's window instead of its encoding, in windows kept here and given back
 * once combined: encoding and decoding every second's histograms was ~30 B per event at 20,000
 * events/s in that process, nearly all of it new histograms and buffers (bench:alloc). The copy
 * is needed: the worker's run records the next second into its window at once.
 */
export class WindowCopies {
  private readonly spare: SecondWindow[] = [];

  copy(w: SecondWindow): SecondWindow {
    const c = this.spare.pop() ?? new SecondWindow();
    c.reset();
    c.addWindow(w);
    return c;
  }

  /** A copy that has been combined: it is reused for a later second. */
  giveBack(w: SecondWindow): void {
    this.spare.push(w);
  }
}

/**
 * One second of every worker: counts add, histograms add exactly, the schedule's
 * position is the same for all; the harness shows its worst lag, the CPU and memory
 * of all processes together and the busiest process's CPU.
 * @param into the window to combine into, reset first (the coordinator's own, reused every
 *   second so that its histograms are not made anew); a new one without it.
 */
export function combineSeconds(parts: readonly SecondMessage[], into?: SecondWindow): SecondSnapshot {
  const first = parts[0];
  if (first === undefined) throw new Error('no snapshot to combine');
  const window = into ?? new SecondWindow();
  window.reset();
  const harness: HarnessSecond = {
    lagP99Ms: 0,
    lagMaxMs: 0,
    cpuCoreShare: 0,
    rssBytes: 0,
    heapUsedBytes: 0,
    heapAfterGcBytes: 0,
    cpuMaxProcessShare: 0,
    saturated: '',
  };
  const out: SecondSnapshot = {
    ...first,
    draining: false,
    drainLeftMs: 0,
    sessions: 0,
    activeStreams: 0,
    backlog: 0,
    totalStarted: 0,
    totalEnded: 0,
    elapsedMs: 0,
    window,
    harness,
  };
  const saturated: string[] = [];
  for (const p of parts) {
    out.elapsedMs = Math.max(out.elapsedMs, p.elapsedMs);
    // The workers' seconds are the same second, each timed by its own process: the longest covers them all.
    out.lengthMs = Math.max(out.lengthMs, p.lengthMs);
    // Workers drain on their own: the run drains while any of them does.
    out.draining ||= p.draining;
    out.drainLeftMs = Math.max(out.drainLeftMs, p.drainLeftMs);
    out.sessions += p.sessions;
    out.activeStreams += p.activeStreams;
    out.backlog += p.backlog;
    out.totalStarted += p.totalStarted;
    out.totalEnded += p.totalEnded;
    if (p.window instanceof SecondWindow) window.addWindow(p.window);
    else window.addMessage(p.window);
    const h = p.harness;
    harness.lagP99Ms = Math.max(harness.lagP99Ms, h.lagP99Ms);
    harness.lagMaxMs = Math.max(harness.lagMaxMs, h.lagMaxMs);
    harness.cpuCoreShare = Math.round((harness.cpuCoreShare + h.cpuCoreShare) * 1000) / 1000;
    harness.cpuMaxProcessShare = Math.max(harness.cpuMaxProcessShare, h.cpuMaxProcessShare);
    harness.rssBytes += h.rssBytes;
    harness.heapUsedBytes += h.heapUsedBytes;
    harness.heapAfterGcBytes += h.heapAfterGcBytes;
    if (h.saturated !== '') saturated.push(h.saturated);
  }
  harness.saturated = saturated.join('; ');
  return out;
}
