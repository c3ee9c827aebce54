// `run` flags that change the scenario: thresholds, shard, streams.csv, duration.
import { ScenarioError } from '../scenario/errors.js';
import { MAX_DURATION_MS } from '../scenario/fields.js';
import { redactUrl, takeCredentials } from '../scenario/request-checks.js';
import { parseHttpMode } from '../scenario/target-section.js';
import { parseConnectTo } from '../scenario/tls-section.js';
import type { RequestSpec, Scenario } from '../scenario/types.js';
import { parseDurationMs, parseFraction } from '../scenario/units.js';
import { parseRule, type Threshold } from '../thresholds/rules.js';
import { httpUrl, proxyFlag } from './args.js';
import { CliError, EXIT } from '../util/exit-codes.js';
import { parseStartAt } from '../run/start-at.js';

export interface RunFlags {
  target?: string;
  out?: string;
  quiet?: boolean;
  threshold?: string[];
  shard?: string;
  streamsCsv?: string;
  duration?: string;
  drain?: string;
  resolve?: string[];
  acceptEncoding?: string;
  http?: string;
  progressInterval?: string;
  workers?: string;
  startAt?: string;
  junit?: string;
  summaryMd?: string;
  proxy?: string;
  stopWhenBroken?: string[];
}

/** --stop-when-broken: rules in the threshold grammar, judged only to stop the run early (not thresholds of the run). */
export function stopWhenBrokenRules(texts: readonly string[] | undefined): Threshold[] {
  return (texts ?? []).map((text) => {
    const parsed = parseRule(text);
    if ('error' in parsed) throw new ScenarioError('--stop-when-broken', [{ path: '', message: parsed.error, hint: parsed.hint }]);
    return { ...parsed.rule, abortOnFail: false, abortGraceMs: 0 };
  });
}

/** "2/3" → shard index 1 of 3 (1-based on the command line, as people count). */
export function parseShard(text: string | undefined): { index: number; count: number } {
  if (text === undefined) return { index: 0, count: 1 };
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const i = Number(m?.[1]);
  const n = Number(m?.[2]);
  if (m === null || n < 1 || i < 1 || i > n) throw new CliError(`--shard: expected i/N with 1 ≤ i ≤ N, e.g. 1/3, got ${text}`, EXIT.INVALID_INPUT);
  return { index: i - 1, count: n };
}

export function applyFlags(scenario: Scenario, flags: RunFlags): Scenario {
  // Checked here, before a report folder is made or a target started; waited for in runScenario.
  if (flags.startAt !== undefined) parseStartAt(flags.startAt, Date.now());
  const thresholds: Threshold[] = [...scenario.thresholds];
  for (const text of flags.threshold ?? []) {
    const parsed = parseRule(text);
    if ('error' in parsed) throw new ScenarioError('--threshold', [{ path: '', message: parsed.error, hint: parsed.hint }]);
    thresholds.push({ ...parsed.rule, abortOnFail: false, abortGraceMs: 0 });
  }
  let output = scenario.output;
  if (flags.streamsCsv !== undefined) {
    const v = flags.streamsCsv.trim().toLowerCase();
    const share = v === 'on' || v === 'all' ? 1 : v === 'off' ? 0 : parseFraction(v);
    if (share === null || share < 0 || share > 1)
      throw new CliError(`--streams-csv: expected on, off or a share such as 10%, got ${flags.streamsCsv}`, EXIT.INVALID_INPUT);
    output = { ...output, streamsCsv: share };
  }
  let load = scenario.load;
  if (flags.duration !== undefined) {
    const ms = parseDurationMs(flags.duration);
    if (ms === null || ms <= 0) throw new CliError(`--duration: expected a duration such as 30s, got ${flags.duration}`, EXIT.INVALID_INPUT);
    // Every stage keeps its share of the run: a quick rehearsal of a long scenario.
    const factor = ms / load.durationMs;
    const stages = load.stages.map((s) => ({ ...s, durationMs: s.durationMs * factor }));
    // The drain is not compressed with the stages: a reply takes as long in a rehearsal.
    load = { ...load, stages, durationMs: ms };
  }
  if (flags.drain !== undefined) {
    const ms = parseDurationMs(flags.drain);
    if (ms === null || ms > MAX_DURATION_MS) throw new CliError(`--drain: expected a duration such as 0s, 30s or 3m, got ${flags.drain}`, EXIT.INVALID_INPUT);
    load = { ...load, drainMs: ms };
  }
  const overridden = flags.target === undefined ? scenario : overrideTarget(scenario, flags.target);
  const connectTo = [...overridden.target.connectTo];
  for (const text of flags.resolve ?? []) {
    const c = parseConnectTo(text);
    if (c === null) throw new CliError(`--resolve: expected host:port:address (as curl --resolve), got ${text}`, EXIT.INVALID_INPUT);
    connectTo.push(c);
  }
  const acceptEncoding =
    flags.acceptEncoding === undefined
      ? overridden.target.acceptEncoding
      : flags.acceptEncoding === 'none' || flags.acceptEncoding === ''
        ? null
        : flags.acceptEncoding;
  let http = overridden.target.http;
  if (flags.http !== undefined) {
    const mode = parseHttpMode(flags.http);
    if (mode === null) throw new CliError(`--http: expected 1.1, 2 or auto, got ${flags.http}`, EXIT.INVALID_INPUT);
    http = mode;
  }
  // --proxy replaces the scenario's proxy and the environment's; target.noProxy still applies.
  const proxy = flags.proxy === undefined ? overridden.target.proxy : proxyFlag(flags.proxy, overridden.target.noProxy);
  return { ...overridden, target: { ...overridden.target, connectTo, acceptEncoding, http, proxy }, thresholds, output, load };
}

/**
 * --target: every variant goes to this URL. Its user:password becomes an Authorization
 * header (unless the scenario sets one: that wins, and a notice says so); the Basic
 * credentials of the scenario's own URLs are not sent to it.
 */
export function overrideTarget(scenario: Scenario, text: string): Scenario {
  const u = new URL(httpUrl(text, '--target'));
  const authorization = takeCredentials(u);
  const url = u.toString();
  const urlForReport = redactUrl(new URL(text).toString());
  const notices = [...scenario.notices];
  const variants = scenario.target.variants.map((v): RequestSpec => {
    const headers = { ...v.headers };
    const headersForReport = { ...v.headersForReport };
    if (v.authorizationFromUrl) {
      delete headers.Authorization;
      delete headersForReport.Authorization;
    }
    let authorizationFromUrl = false;
    if (authorization !== null) {
      if (Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) {
        const where = scenario.target.variants.length > 1 ? `variant ${v.name}: ` : '';
        notices.push(`--target: ${where}the scenario's Authorization header is sent; the user:password in --target is not used`);
      } else {
        headers.Authorization = authorization;
        headersForReport.Authorization = 'Basic [redacted: from the URL]';
        authorizationFromUrl = true;
      }
    }
    return { ...v, url, urlForReport, headers, headersForReport, authorizationFromUrl };
  });
  return { ...scenario, target: { ...scenario.target, variants }, notices };
}

export function progressIntervalMs(flags: RunFlags): number {
  if (flags.progressInterval === undefined) return 10_000;
  const ms = parseDurationMs(flags.progressInterval);
  if (ms === null || ms < 1000)
    throw new CliError(`--progress-interval: expected a duration of at least 1s, got ${flags.progressInterval}`, EXIT.INVALID_INPUT);
  return ms;
}
