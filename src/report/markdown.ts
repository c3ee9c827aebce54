// A run as Markdown, for a CI page: GitHub's job summary ($GITHUB_STEP_SUMMARY), or a file
// another CI shows (--summary-md). A heading with the scenario and the verdict, the thresholds,
// the key latencies, drops, cuts, the buffering verdict and where the report is. Pure: (summary) → text.
// The helpers here are also compare's and capacity's.
import { isAbsolute, relative } from 'node:path';
import { describeCutGroup } from './console.js';
import { fmtInt, fmtPct } from './format.js';
import type { Summary } from './summary.js';
import { msText, thresholdLine } from './threshold-text.js';
import { runVerdict } from './verdict.js';
import type { ThresholdResult } from '../thresholds/rules.js';

export const PASS = '✅';
export const FAIL = '❌';
/** Not judged as asked: interrupted, stopped early, saturated. */
export const WARN = '⚠️';

/**
 * Text from a scenario, a target or a rule, safe in a Markdown paragraph or table cell: HTML
 * and Markdown's own marks are escaped (a scenario named `<b>|x` shows as written, and never
 * splits a table row), line ends and tabs become spaces, other control characters U+FFFD.
 */
export function mdText(s: string): string {
  return s
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/\p{Cc}/gu, '\uFFFD')
    .replace(/[\\`*_[\]|~#]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** A GitHub-flavoured table; cells are Markdown already (escape text with mdText). `r` right-aligns a column. */
export function mdTable(head: readonly string[], rows: readonly (readonly string[])[], align: string = ''): string {
  const rule = head.map((_, i) => (align[i] === 'r' ? '---:' : align[i] === 'c' ? ':---:' : '---'));
  const line = (cells: readonly string[]): string => `| ${head.map((_, i) => cells[i] ?? '').join(' | ')} |`;
  return [line(head), line(rule), ...rows.map(line)].join('\n');
}

export function passCell(pass: boolean): string {
  return pass ? `${PASS} pass` : `${FAIL} fail`;
}

/** Rule, measured, limit and the result, one row per rule. */
function thresholdTable(results: readonly ThresholdResult[]): string {
  const rows = results.map((r) => {
    const t = thresholdLine(r);
    return [mdText(t.rule), mdText(t.measured), mdText(t.limit), passCell(t.pass)];
  });
  return mdTable(['rule', 'measured', 'limit', 'result'], rows, 'lrlc');
}

/**
 * Where a reader of the CI page finds the report folder, when the CI says: GitLab's job
 * artifacts browser for a folder inside the project, or the GitHub Actions run (whose page
 * lists the artifacts uploaded); null elsewhere. The folder must be uploaded as an artifact
 * for either to hold it (docs/ci.md).
 */
export function reportLink(dir: string, env: Readonly<Record<string, string | undefined>>, cwd: string): { url: string; label: string } | null {
  if (env.CI_JOB_URL !== undefined && env.CI_JOB_URL !== '') {
    const inProject = relative(env.CI_PROJECT_DIR ?? cwd, isAbsolute(dir) ? dir : `${cwd}/${dir}`);
    if (inProject !== '' && !inProject.startsWith('..') && !isAbsolute(inProject)) {
      return { url: `${env.CI_JOB_URL}/artifacts/browse/${inProject.split(/[\\/]/).map(encodeURIComponent).join('/')}`, label: 'job artifacts' };
    }
    return { url: env.CI_JOB_URL, label: 'job' };
  }
  if (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID) {
    return { url: `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`, label: 'workflow run and its artifacts' };
  }
  return null;
}

export interface MarkdownContext {
  /** The report folder, as the console prints it. */
  reportDir: string;
  /** Where the CI shows it (reportLink). */
  link?: { url: string; label: string } | null;
}

/** `**report**: reports/x ([job artifacts](…))` */
export function reportItem(what: string, ctx: MarkdownContext): string {
  const link = ctx.link === undefined || ctx.link === null ? '' : ` ([${mdText(ctx.link.label)}](${ctx.link.url.replace(/[\s()<>]/g, encodeURIComponent)}))`;
  return `- **${what}**: ${mdText(ctx.reportDir)}${link}`;
}

const VERDICT_MARK = { passed: PASS, failed: FAIL, stopped_early: WARN, interrupted: WARN, internal_error: FAIL } as const;

export function renderRunMarkdown(s: Summary, ctx: MarkdownContext): string {
  const verdict = runVerdict(s);
  const load = s.settings.load;
  const peak = Math.max(...load.stages.map((st) => st.to));
  const shard = s.run.shard.count > 1 ? ` · shard ${s.run.shard.index + 1}/${s.run.shard.count}` : '';
  const out: string[] = [
    `### ${VERDICT_MARK[verdict.kind]} sse-soak run · ${mdText(s.scenario.name)}: ${mdText(verdict.text)}`,
    '',
    `${load.model} model, ${load.model === 'closed' ? `${fmtInt(peak)} sessions` : `${peak}/s`}${load.stages.length > 1 ? ' at the peak' : ''} · ${(s.run.durationMs / 1000).toFixed(1)} s${shard} · ${mdText(s.settings.target.url)}${s.settings.target.builtin ? ' (built-in target)' : ''}`,
    '',
  ];
  if (s.thresholds.length > 0) out.push(thresholdTable(s.thresholds), '');
  else out.push('No thresholds: give `--threshold` or `thresholds:` in the scenario for a gate.', '');

  const latency = (['ttft', 'itl', 'e2e'] as const).map((m) => {
    const x = s.metrics[m];
    return [m, x.count === 0 ? '–' : msText(x.p50, 3), x.count === 0 ? '–' : msText(x.p99, 3)];
  });
  out.push(mdTable(['latency', 'p50', 'p99'], latency, 'lrr'), '');
  if (s.variants.length > 1) {
    const rows = s.variants.map((v) => [
      mdText(v.name),
      fmtInt(v.streams.started),
      fmtPct(v.dropRate),
      msText(v.metrics.ttft.p99, 3),
      msText(v.metrics.itl.p99, 3),
      msText(v.metrics.e2e.p99, 3),
    ]);
    out.push(mdTable(['variant', 'streams', 'drop rate', 'ttft p99', 'itl p99', 'e2e p99'], rows, 'lrrrrr'), '');
  }

  const st = s.streams;
  out.push(
    `- **streams**: ${fmtInt(st.started)} started · ${fmtInt(s.outcomes.completed)} completed · ${fmtInt(st.failed)} failed · drop rate ${fmtPct(s.dropRate)}`,
  );
  const c = s.cuts;
  out.push(
    `- **cuts**: ${c.total === 0 ? 'none' : `${fmtInt(c.total)} streams ended early by the peer (idle ${c.byKind.idle} · lifetime ${c.byKind.lifetime} · silent ${c.byKind.silent})`}`,
  );
  for (const g of c.groups) out.push(`  - ${mdText(describeCutGroup(g))}`);
  out.push(`- **buffering**: ${s.buffering.verdict}${s.buffering.verdict === 'buffered' ? ` — ${mdText(s.buffering.evidence.join('; '))}` : ''}`);
  if (s.run.stopReason !== null) out.push(`- ${WARN} **stopped early**: ${mdText(s.run.stopReason)}`);
  for (const e of s.run.internalErrors ?? []) out.push(`- ${FAIL} **internal error** (a bug in sse-soak, please report it): ${mdText(e)}`);
  const saturated = s.harness.saturated ?? [];
  if (saturated.length > 0)
    out.push(`- ${WARN} **harness saturated** in ${saturated.length} span(s): its own delay is in those seconds' latencies (summary.txt says when)`);
  out.push(reportItem('report', ctx));
  return out.join('\n') + '\n';
}
