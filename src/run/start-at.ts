// `run --start-at <RFC 3339 time | +duration>`: shards on different machines (the pods of a
// Kubernetes Indexed Job) wait for one wall-clock time and start their schedules then, so their
// loads add up from the same second. A shard that comes late (an image pull, a slow node) starts
// at once and says by how much; the summary records it (run.start) and `merge` reports the spread.
//
// Wall-clock (Date.now), not the monotonic clock: the machines agree only on the time of day
// (NTP keeps their clocks within a few ms of each other; the skew between two machines adds
// straight to the spread of their starts, and nothing here can correct it).
import { formatDurationMs, parseDurationMs } from '../scenario/units.js';
import type { RunObserver } from './coordinator.js';
import { CliError, EXIT } from '../util/exit-codes.js';

/** A time further ahead than this is taken for a mistake (a wrong date, a wrong zone). */
export const MAX_WAIT_MS = 24 * 3600_000;
/** A wait is slept in slices of at most this, reading the clock again after each (setTimeout cannot hold 25 days, and the clock may be stepped). */
const SLICE_MS = 60_000;

/** What summary.json records of a run's --start-at. */
export interface StartRecord {
  /** The time asked for (ISO 8601, UTC, ms). */
  at: string;
  /** How late the load's clock started after it, ms (0: on time; a few ms are the timer's own). */
  lateMs: number;
}

/**
 * `2026-12-02T14:00:00Z`, `2026-12-02T15:00:00.250+01:00` (RFC 3339: a zone is required, as a
 * time without one means a different instant on each machine), or `+90s`, `+2m` from now.
 * @returns epoch ms
 */
export function parseStartAt(text: string, nowMs: number): number {
  const t = text.trim();
  if (t.startsWith('+')) {
    const ms = parseDurationMs(t.slice(1));
    if (ms === null)
      throw new CliError(`--start-at: expected an RFC 3339 time such as 2026-12-02T14:00:00Z or +duration such as +2m, got ${text}`, EXIT.INVALID_INPUT);
    if (ms > MAX_WAIT_MS) throw new CliError(`--start-at: ${text} is more than ${formatDurationMs(MAX_WAIT_MS)} ahead`, EXIT.INVALID_INPUT);
    return nowMs + ms;
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$/.exec(t);
  if (m === null)
    throw new CliError(`--start-at: expected an RFC 3339 time such as 2026-12-02T14:00:00Z or +duration such as +2m, got ${text}`, EXIT.INVALID_INPUT);
  if (m[8] === undefined) {
    throw new CliError(
      `--start-at: ${text} has no time zone, so each machine would read it in its own: add Z (UTC) or an offset such as +01:00`,
      EXIT.INVALID_INPUT,
    );
  }
  const atMs = Date.parse(t.replace(' ', 'T'));
  // Date.parse rolls 2026-02-30 over to March: a date it does not print back the same is not a date.
  const [, y, mo, d, h, mi, s] = m;
  const local = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
  const valid =
    Number.isFinite(atMs) && local.getUTCMonth() === Number(mo) - 1 && local.getUTCDate() === Number(d) && Number(h) < 24 && Number(mi) < 60 && Number(s) < 60;
  if (!valid) throw new CliError(`--start-at: ${text} is not a valid time`, EXIT.INVALID_INPUT);
  if (atMs - nowMs > MAX_WAIT_MS) {
    throw new CliError(
      `--start-at: ${text} is ${formatDurationMs(atMs - nowMs)} ahead, more than ${formatDurationMs(MAX_WAIT_MS)}: check its date and zone (this machine's clock reads ${new Date(nowMs).toISOString()})`,
      EXIT.INVALID_INPUT,
    );
  }
  return atMs;
}

/**
 * Waits until `atMs` (epoch ms, read from Date.now, which node:test's mock timers move).
 * @returns how late it returned after `atMs`: the lateness of a shard that was started after it,
 *   or a timer's few ms otherwise.
 */
export async function waitUntil(atMs: number, sleep: (ms: number) => Promise<void> = defaultSleep, signal?: AbortSignal): Promise<number> {
  for (;;) {
    if (signal?.aborted === true) return 0; // stopped while waiting (Ctrl-C): the run starts and stops at once
    const leftMs = atMs - Date.now();
    if (leftMs <= 0) return 0 - leftMs; // 0 - x, not -x: on time is 0, not -0
    if (leftMs > SPIN_MS) {
      await sleep(Math.min(leftMs - SPIN_MS, SLICE_MS));
      continue;
    }
    // The last ms on the CPU rather than in a timer: a timer wakes a process late by as much as
    // the OS takes to give it a core back (12 ms measured on a busy 2-core machine), and every
    // shard would be late by a different amount. Bounded in real time (performance.now), so that
    // a frozen clock (node:test's mocked Date) falls through to a timer.
    const spinUntil = performance.now() + SPIN_MS + 5;
    while (Date.now() < atMs && performance.now() < spinUntil);
    if (Date.now() < atMs) await sleep(atMs - Date.now());
  }
}

/** The last ms of a wait are spent spinning on the clock (see waitUntil). */
const SPIN_MS = 20;

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A sleep that ends early, and lets the process exit, when `signal` aborts. */
function abortableSleep(signal: AbortSignal | undefined): (ms: number) => Promise<void> {
  if (signal === undefined) return defaultSleep;
  return (ms) =>
    new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done);
    });
}

/**
 * `run --start-at` as a part of the run's lifecycle: the wait once every worker is ready (so
 * their loading is not lateness), before the background traffic's lead and the clock, cut short
 * by any stop (Ctrl-C, SIGTERM, every worker gone), and the start recorded in the summary.
 */
export function startAtObserver(text: string, say: (line: string) => void): RunObserver {
  // Parsed now, as the run starts: "+2m" is two minutes from the command, not from the end of loading.
  const atMs = parseStartAt(text, Date.now());
  return {
    beforeStart: async (stopped) => {
      await waitForStart(atMs, say, undefined, stopped);
    },
    onSummary: (summary) => {
      const start = recordedStart(summary.run.startedAt);
      if (start !== null) summary.run.start = start;
    },
  };
}

let recorded: StartRecord | null = null;

/**
 * The --start-at of this process's run, for its summary; null without one. Its lateness is the
 * load clock's (run.startedAt), when later than the wait's end: building the run after the wait
 * takes ms on a quiet machine and hundreds on a starved one, and that delay is the shard's too.
 */
export function recordedStart(startedAt?: string): StartRecord | null {
  if (recorded === null) return null;
  const clockLateMs = startedAt === undefined ? Number.NaN : Date.parse(startedAt) - Date.parse(recorded.at);
  return Number.isFinite(clockLateMs) && clockLateMs > recorded.lateMs ? { at: recorded.at, lateMs: clockLateMs } : recorded;
}

/**
 * `run --start-at`: parses it, says what it waits for, waits, and records how late the run
 * starts. A shard more than LATE_NOTICE_MS late says so on stderr (its log, in a pod).
 * Does nothing without the flag.
 */
export async function startAt(
  text: string | undefined,
  say: (line: string) => void,
  sleep?: (ms: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<StartRecord | null> {
  if (text === undefined) return null;
  return waitForStart(parseStartAt(text, Date.now()), say, sleep, signal);
}

/** Waits for `atMs` (epoch ms) as startAt does; null when `signal` aborted the wait. */
async function waitForStart(
  atMs: number,
  say: (line: string) => void,
  sleep?: (ms: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<StartRecord | null> {
  const at = new Date(atMs).toISOString();
  const aheadMs = atMs - Date.now();
  if (aheadMs > 0) say(`waiting ${formatDurationMs(Math.ceil(aheadMs))} for --start-at ${at}\n`);
  const lateMs = await waitUntil(atMs, sleep ?? abortableSleep(signal), signal);
  if (signal?.aborted === true) return null;
  recorded = { at, lateMs };
  if (lateMs > LATE_NOTICE_MS) {
    process.stderr.write(
      `sse-soak: warning: started ${formatDurationMs(lateMs)} late for --start-at ${at} (this shard came after that time: an image pull, a slow node?); its load is that much behind the other shards'\n`,
    );
  }
  return recorded;
}

/** Lateness under this is the timer's own and not worth a warning. */
export const LATE_NOTICE_MS = 1000;
