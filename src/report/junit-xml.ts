// JUnit XML, the format CI systems read test results in (GitLab's artifacts:reports:junit,
// GitHub test-reporter actions, Jenkins): a model of suites and cases, rendered to the
// intersection of the two published schemas that readers follow, Jenkins' junit-4.xsd and the
// stricter Apache Ant one (test/report/junit.test.ts validates against both). The Ant schema
// is why each suite has a `package`, an `id`, a `hostname`, a `<properties>` element and a
// `<system-out>` and `<system-err>`, a case at most one failure or error with a `type`, a
// timestamp with no zone (UTC here), and `<testsuites>` no attributes.

export interface JunitProblem {
  /** A word a reader can filter on: `threshold`, `gate`, `stopped_early` … */
  type: string;
  /** One line: what was measured against what was allowed. */
  message: string;
  /** More lines: the same, and what else a reader needs (each variant's value, the report folder). */
  text: string;
}

export interface JunitCase {
  name: string;
  classname: string;
  timeS: number;
  /** The check was judged and did not hold. */
  failure?: JunitProblem;
  /** The check could not be judged as asked (the run was interrupted, stopped early, or sse-soak failed). */
  error?: JunitProblem;
}

export interface JunitSuite {
  name: string;
  /** What made it: `sse-soak.run`, `sse-soak.compare`, `sse-soak.capacity`. */
  package: string;
  startedAt: Date;
  timeS: number;
  hostname: string;
  properties: readonly (readonly [string, string])[];
  cases: readonly JunitCase[];
  systemOut: string;
}

/**
 * Characters XML 1.0 cannot carry at all, even escaped (controls other than tab and line
 * ends, lone surrogates, U+FFFE and U+FFFF): a scenario name or a stop reason may hold one.
 */
const NOT_XML = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlText(s: string): string {
  return s.replace(NOT_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value: also its quotes, and the line ends and tabs a parser would otherwise turn into spaces. */
export function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

/** Seconds as JUnit has them: a decimal, to the millisecond. */
export function junitSeconds(s: number): string {
  return (Number.isFinite(s) && s > 0 ? Math.round(s * 1000) / 1000 : 0).toFixed(3);
}

/** The Ant schema's timestamp: ISO 8601 to the second with no zone; UTC. */
export function junitTimestamp(d: Date): string {
  return Number.isNaN(d.getTime()) ? '1970-01-01T00:00:00' : d.toISOString().slice(0, 19);
}

function renderCase(c: JunitCase): string {
  const head = `    <testcase name="${xmlAttr(c.name)}" classname="${xmlAttr(c.classname)}" time="${junitSeconds(c.timeS)}"`;
  const problem = c.error ?? c.failure;
  if (problem === undefined) return `${head}/>`;
  const tag = c.error !== undefined ? 'error' : 'failure';
  return `${head}>\n      <${tag} type="${xmlAttr(problem.type)}" message="${xmlAttr(problem.message)}">${xmlText(problem.text)}</${tag}>\n    </testcase>`;
}

/** Cases of one class with one name are one test to most readers: a repeated name (a rule given twice) gets its count. */
function uniqueNames(cases: readonly JunitCase[]): JunitCase[] {
  const seen = new Map<string, number>();
  return cases.map((c) => {
    const key = `${c.classname}\n${c.name}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return n === 1 ? c : { ...c, name: `${c.name} (${n})` };
  });
}

function renderSuite(s: JunitSuite, id: number): string {
  const failures = s.cases.filter((c) => c.error === undefined && c.failure !== undefined).length;
  const errors = s.cases.filter((c) => c.error !== undefined).length;
  const attrs = [
    ['name', s.name.trim() === '' ? 'sse-soak' : s.name],
    ['package', s.package],
    ['id', String(id)],
    ['timestamp', junitTimestamp(s.startedAt)],
    ['hostname', s.hostname.trim() === '' ? 'localhost' : s.hostname],
    ['tests', String(s.cases.length)],
    ['failures', String(failures)],
    ['errors', String(errors)],
    ['time', junitSeconds(s.timeS)],
  ];
  // Jenkins' schema wants at least one property where Ant's wants the element: what made the file is one.
  const named = s.properties.filter(([name]) => name.trim() !== '');
  const props = (named.length > 0 ? named : [['generator', 'sse-soak']]).map(
    ([name, value]) => `      <property name="${xmlAttr(name)}" value="${xmlAttr(value)}"/>`,
  );
  return [
    `  <testsuite ${attrs.map(([k, v]) => `${k}="${xmlAttr(v as string)}"`).join(' ')}>`,
    `    <properties>\n${props.join('\n')}\n    </properties>`,
    ...uniqueNames(s.cases).map(renderCase),
    `    <system-out>${xmlText(s.systemOut)}</system-out>`,
    '    <system-err/>',
    '  </testsuite>',
  ].join('\n');
}

export function renderJunit(suites: readonly JunitSuite[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n${suites.map(renderSuite).join('\n')}\n</testsuites>\n`;
}
