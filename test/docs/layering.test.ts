// The pipeline's arrows, as CONTRIBUTING.md draws them: driver → aggregate/record ← report,
// run/ (a run as a library) above them, and cli/ on top of everything: no folder imports cli/,
// and only cli/ imports run/. A renderer that imports the hot path, or an aggregate that imports
// a renderer, ties together what should change apart (`sse-soak report` and `merge` render runs
// that no driver made). This reads the import lines of src/ and fails on an arrow the wrong way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';

const SRC = new URL('../../../src/', import.meta.url);

const TOP = ['cli', 'run'];
/** Folder of src/ → the folders of src/ it must not import. Every folder has an entry (a test checks). */
const FORBIDDEN: Record<string, readonly string[]> = {
  cli: [],
  run: ['cli'],
  util: [...TOP, 'record', 'aggregate', 'report', 'driver', 'scenario', 'schedule', 'live', 'target'],
  types: [...TOP],
  record: [...TOP, 'driver', 'report', 'aggregate', 'live'],
  aggregate: [...TOP, 'driver', 'report', 'live'],
  report: [...TOP, 'driver', 'live'],
  driver: [...TOP, 'report', 'live'],
  // Rules judge figures, whoever measured them (a live run, a summary read back).
  thresholds: [...TOP, 'driver', 'live'],
  scenario: [...TOP, 'driver', 'report', 'live'],
  schedule: [...TOP, 'driver', 'report', 'live'],
  target: [...TOP, 'driver', 'report', 'live', 'aggregate'],
  background: [...TOP, 'driver', 'live'],
  live: [...TOP, 'driver'],
  merge: [...TOP, 'driver', 'live'],
  compare: [...TOP, 'driver', 'live'],
  capacity: [...TOP, 'driver', 'live'],
  doctor: [...TOP, 'live'],
  discover: [...TOP, 'live'],
  k8s: [...TOP, 'driver', 'live'],
  // Forward proxies: settings, bypass list, CONNECT; the scenario, the connector, doctor and
  // reports read them, never the other way round.
  proxy: [...TOP, 'driver', 'scenario', 'report', 'live', 'aggregate', 'record'],
  // Workloads are pure data prepared before the clock: the scenario loader and the driver
  // call them, never the other way round.
  workload: [...TOP, 'driver', 'report', 'live', 'aggregate', 'scenario'],
};

test('every folder of src/ has its arrows declared here', () => {
  const folders = readdirSync(SRC, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  assert.deepEqual(folders.filter((f) => !(f in FORBIDDEN)), [], 'add the new folder to FORBIDDEN');
});

test("only util/paths.ts finds sse-soak's own files by path: the entries it starts, package.json, schemas/ (a path is an import the arrows above cannot see, and the bundle moves it)", () => {
  const wrong: string[] = [];
  for (const folder of Object.keys(FORBIDDEN)) {
    let files: string[] = [];
    try {
      files = readdirSync(new URL(`${folder}/`, SRC)).filter((f) => f.endsWith('.ts'));
    } catch {
      continue;
    }
    for (const file of files) {
      if (`${folder}/${file}` === 'util/paths.ts') continue;
      const source = readFileSync(new URL(`${folder}/${file}`, SRC), 'utf8');
      // createRequire(import.meta.url) resolves packages, which the bundle leaves where they are.
      if (/main\.js|new URL\([^)]*import\.meta\.url|fileURLToPath\(import\.meta\.url|import\.meta\.(dirname|filename)|__dirname|__filename|process\.argv\[1\]/.test(source))
        wrong.push(`src/${folder}/${file}`);
    }
  }
  assert.deepEqual(wrong, [], 'use CLI_MAIN, WORKER_MAIN, BACKGROUND_MAIN or PACKAGE_ROOT from util/paths.ts');
});

/** Every module a TypeScript source names: static imports and re-exports (one line or several), and import(). */
export function importedPaths(source: string): string[] {
  const out: string[] = [];
  const patterns = [/^\s*(?:import|export)\b[^;]*?\bfrom\s*['"]([^'"]+)['"]/gms, /^\s*import\s*['"]([^'"]+)['"]/gm, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const re of patterns) for (const m of source.matchAll(re)) out.push(m[1] as string);
  return out;
}

/** The folder of src/ that a relative import from `src/<folder>/<file>` lands in, or null (a package, node:…). */
export function targetFolder(fromFolder: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const resolved = posix.normalize(posix.join(fromFolder, spec));
  return resolved.includes('/') ? (resolved.split('/')[0] as string) : null;
}

test('the import reader sees one-line, several-line, type-only, re-export and dynamic imports', () => {
  const source = [
    "import { a } from '../driver/a.js';",
    'import type {',
    '  B,',
    '  C,',
    "} from '../cli/b.js';",
    "export { d } from '../report/d.js';",
    "import './side-effect.js';",
    "const e = await import('../live/e.js');",
    "import { f } from 'node:fs';",
  ].join('\n');
  assert.deepEqual(importedPaths(source).sort(), ['../cli/b.js', '../driver/a.js', '../live/e.js', '../report/d.js', './side-effect.js', 'node:fs']);
  assert.equal(targetFolder('report', '../driver/load-run.js'), 'driver');
  assert.equal(targetFolder('report', './format.js'), 'report');
  assert.equal(targetFolder('report', 'undici'), null);
});

for (const [folder, forbidden] of Object.entries(FORBIDDEN)) {
  test(`src/${folder}/ imports none of ${forbidden.map((f) => `${f}/`).join(', ')}`, () => {
    const files = readdirSync(new URL(`${folder}/`, SRC)).filter((f) => f.endsWith('.ts'));
    assert.ok(files.length > 0, `no sources found in src/${folder}/: the test would check nothing`);
    const wrong: string[] = [];
    for (const file of files) {
      const source = readFileSync(new URL(`${folder}/${file}`, SRC), 'utf8');
      for (const spec of importedPaths(source)) {
        const to = targetFolder(folder, spec);
        if (to !== null && forbidden.includes(to)) wrong.push(`src/${folder}/${file} imports ${spec}`);
      }
    }
    assert.deepEqual(wrong, [], `arrows the wrong way (move the type or pure function to record/ or aggregate/):\n${wrong.join('\n')}`);
  });
}
