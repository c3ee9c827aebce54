// The README is the front door and docs/ holds the depth, so a reader walks between pages by
// links. Every relative link in README.md, CONTRIBUTING.md and docs/*.md must reach a file or
// folder that exists, and a #anchor into a Markdown page must reach one of its headings,
// slugged as GitHub slugs them: a page that moves or a heading that is renamed must not leave
// a reader at a dead end. The code points readers at the docs too ("see docs/metrics.md"):
// every such pointer in src/, test/, schemas/, scenarios/, scripts/, bench/ and reports/ must
// name a page (and heading) that exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { anchors, proseLines, slug } from '../helpers/markdown.js';

const ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));

/** README.md, CONTRIBUTING.md and every page in docs/ (docs/ is flat: one topic per file). */
function pages(root: string): string[] {
  const docs = join(root, 'docs');
  const inDocs = existsSync(docs) ? readdirSync(docs).filter((f) => f.endsWith('.md')).map((f) => join(docs, f)) : [];
  const top = ['README.md', 'CONTRIBUTING.md'].map((f) => join(root, f)).filter((f) => existsSync(f));
  return [...top, ...inDocs];
}

interface Link { line: number; target: string }

/** Inline links and images, reference definitions and HTML href/src, outside code. */
function links(md: string): Link[] {
  const out: Link[] = [];
  proseLines(md).forEach((raw, i) => {
    const line = raw.replace(/(`+)[^`]*?\1/g, ''); // inline code spans hold no links
    for (const m of line.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ line: i + 1, target: m[1] as string });
    const def = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(line);
    if (def?.[1] !== undefined) out.push({ line: i + 1, target: def[1] });
    for (const m of line.matchAll(/\b(?:href|src)="([^"]+)"/g)) out.push({ line: i + 1, target: m[1] as string });
  });
  return out;
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//');

/** Every relative link of one page that leads nowhere, as "file:line target: why". */
function brokenLinks(file: string, root: string): string[] {
  const md = readFileSync(file, 'utf8');
  const problems: string[] = [];
  const where = (l: Link) => `${relative(root, file)}:${l.line} ${l.target}`;
  for (const l of links(md)) {
    if (isExternal(l.target)) continue;
    const hash = l.target.indexOf('#');
    const pathPart = hash === -1 ? l.target : l.target.slice(0, hash);
    const anchor = hash === -1 ? null : decodeURIComponent(l.target.slice(hash + 1));
    const path = pathPart === '' ? file : pathPart.startsWith('/') ? join(root, decodeURIComponent(pathPart)) : resolve(dirname(file), decodeURIComponent(pathPart));
    if (path !== root && !path.startsWith(root + sep)) {
      problems.push(`${where(l)}: leads outside the repository`);
      continue;
    }
    if (!existsSync(path)) {
      problems.push(`${where(l)}: ${relative(root, path)} does not exist`);
      continue;
    }
    if (anchor !== null && anchor !== '' && path.endsWith('.md') && !anchors(readFileSync(path, 'utf8')).has(anchor)) {
      problems.push(`${where(l)}: ${relative(root, path)} has no heading with the anchor #${anchor}`);
    }
  }
  return problems;
}

test('slugs are GitHub’s', () => {
  assert.equal(slug('Using every core: `run --workers`'), 'using-every-core-run---workers');
  assert.equal(slug('Big runs: the limits to raise'), 'big-runs-the-limits-to-raise');
  assert.equal(slug('The built-in target (`serve`)'), 'the-built-in-target-serve');
  assert.equal(slug('Usage counts and model tokens/s'), 'usage-counts-and-model-tokenss');
  assert.equal(slug('1. Check one stream with `doctor`'), '1-check-one-stream-with-doctor');
  assert.equal(slug('`streams.csv`'), 'streamscsv');
  assert.equal(slug('stream_options and [links](x.md)'), 'stream_options-and-links');
});

test('the checker finds a missing file, a missing heading and a link out of the repository', () => {
  const root = join(tmpdir(), `sse-soak-links-${process.pid}-${Date.now()}`);
  mkdirSync(join(root, 'docs'), { recursive: true });
  writeFileSync(join(root, 'README.md'), [
    '# Front',
    '[ok](docs/a.md#the-part) [file gone](docs/gone.md) [heading gone](docs/a.md#nowhere)',
    '[outside](../elsewhere.md) [web](https://example.com/x.md#y) [self](#front)',
    '```yaml',
    '# not a heading; [not a link](nowhere.md)',
    '```',
  ].join('\n'));
  writeFileSync(join(root, 'docs', 'a.md'), '# A\n\n## The part\n\n[back](../README.md#front) `[code](gone.md)`\n');
  let found: string[];
  try {
    found = pages(root).flatMap((p) => brokenLinks(p, root));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  assert.equal(found.length, 3, found.join('\n'));
  assert.match(found[0] as string, /^README\.md:2 docs\/gone\.md: docs\/gone\.md does not exist$/);
  assert.match(found[1] as string, /^README\.md:2 docs\/a\.md#nowhere: docs\/a\.md has no heading with the anchor #nowhere$/);
  assert.match(found[2] as string, /^README\.md:3 \.\.\/elsewhere\.md: leads outside the repository$/);
});

test('every relative link in README.md, CONTRIBUTING.md and docs/*.md leads to a file and heading that exist', () => {
  const all = pages(ROOT);
  assert.ok(all.length >= 1);
  const found = all.flatMap((p) => brokenLinks(p, ROOT));
  assert.deepEqual(found, [], `broken links:\n${found.join('\n')}`);
});

/** The folders whose files may point a reader at a page of docs/, and the file types read there. */
const POINTER_DIRS = ['src', 'test', 'schemas', 'scenarios', 'scripts', 'bench', 'reports', '.ci'];
const POINTER_FILES = /\.(ts|js|json|ya?ml|md|conf|cfg|py|sh)$|^run$/;

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : filesUnder(path);
    return POINTER_FILES.test(e.name) ? [path] : [];
  });
}

/** Every "docs/<page>.md" or "docs/<page>.md#anchor" written in a file, as "file:line pointer: why" where it leads nowhere. */
function brokenPointers(file: string, root: string): string[] {
  const problems: string[] = [];
  readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    for (const m of line.matchAll(/\bdocs\/([\w.-]+\.md)(?:#([\w-]+))?/g)) {
      const page = join(root, 'docs', m[1] as string);
      const where = `${relative(root, file)}:${i + 1} ${m[0]}`;
      if (!existsSync(page)) problems.push(`${where}: docs/${m[1]} does not exist`);
      else if (m[2] !== undefined && !anchors(readFileSync(page, 'utf8')).has(m[2])) problems.push(`${where}: docs/${m[1]} has no heading with the anchor #${m[2]}`);
    }
  });
  return problems;
}

test('the pointer checker finds a page that is gone and a heading that is gone', () => {
  const root = join(tmpdir(), `sse-soak-pointers-${process.pid}-${Date.now()}`);
  mkdirSync(join(root, 'docs'), { recursive: true });
  mkdirSync(join(root, 'src'), { recursive: true });
  writeFileSync(join(root, 'docs', 'a.md'), '# A\n\n## The part\n');
  writeFileSync(join(root, 'src', 'x.ts'), '// see docs/a.md and docs/a.md#the-part\n// docs/gone.md, docs/a.md#nowhere\n');
  let found: string[];
  try {
    found = filesUnder(join(root, 'src')).flatMap((f) => brokenPointers(f, root));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  assert.deepEqual(found, ['src/x.ts:2 docs/gone.md: docs/gone.md does not exist', 'src/x.ts:2 docs/a.md#nowhere: docs/a.md has no heading with the anchor #nowhere']);
});

test('every "docs/<page>.md" the code, tests, schemas, scenarios and scripts name exists', () => {
  const files = [...POINTER_DIRS.flatMap((d) => filesUnder(join(ROOT, d))), join(ROOT, 'package.json')];
  assert.ok(files.length > 10);
  const found = files.filter((f) => !f.endsWith(join('test', 'docs', 'links.test.ts'))).flatMap((f) => brokenPointers(f, ROOT));
  assert.deepEqual(found, [], `pointers to pages that are gone:\n${found.join('\n')}`);
});
