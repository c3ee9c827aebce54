// Just enough Markdown for the docs tests: prose without fenced code, headings and the
// sections they open, table rows and their cells, and inline code spans, read as GitHub
// renders them.

/**
 * The lines of a Markdown file that are prose: fenced code blocks become empty lines, so that
 * a `# comment` in a YAML example is not a heading and a `[x](y)` in a code block is not a link.
 */
export function proseLines(md: string): string[] {
  let fence: { char: string; length: number } | null = null;
  return md.split('\n').map((line) => {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence === null) {
      if (marker?.[1] !== undefined) {
        fence = { char: marker[1][0] as string, length: marker[1].length };
        return '';
      }
      return line;
    }
    if (marker?.[1] !== undefined && marker[1][0] === fence.char && marker[1].length >= fence.length && line.trim() === marker[1]) fence = null;
    return '';
  });
}

/** GitHub's heading anchor (github-slugger): lower case, punctuation and symbols dropped, each space a hyphen. */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link's text, not its address
    .replace(/<[^>]+>/g, '') // inline HTML
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '').replace(/ /g, '-');
}

/** A heading: its level (1–6), its text, and the prose lines it rules (up to the next heading of its level or above). */
export interface Section {
  level: number;
  heading: string;
  lines: string[];
}

const HEADING = /^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/;

/** Every heading of a page with the lines of its section (subsections included). */
export function sections(md: string): Section[] {
  const lines = proseLines(md);
  const heads: { at: number; level: number; heading: string }[] = [];
  lines.forEach((line, at) => {
    const h = HEADING.exec(line);
    if (h?.[1] !== undefined && h[2] !== undefined) heads.push({ at, level: h[1].length, heading: h[2] });
  });
  return heads.map((h, i) => {
    const next = heads.slice(i + 1).find((x) => x.level <= h.level);
    return { level: h.level, heading: h.heading, lines: lines.slice(h.at + 1, next === undefined ? lines.length : next.at) };
  });
}

/** The anchors a page's headings get; a repeated heading gets -1, -2, … as on GitHub. */
export function anchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const s of sections(md)) {
    const base = slug(s.heading);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** The cells of a table row (`| a | b |`), split on pipes that are not escaped; null for a line that is not a row, or is the rule under a header. */
export function tableCells(line: string): string[] | null {
  const t = line.trim();
  if (!t.startsWith('|')) return null;
  if (/^\|[\s:|-]+\|?$/.test(t)) return null;
  return t
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

/** A table: its header cells and its rows' cells. */
export interface Table {
  header: string[];
  rows: string[][];
}

/** The tables among some prose lines. */
export function tables(lines: readonly string[]): Table[] {
  const out: Table[] = [];
  let current: Table | null = null;
  for (const line of lines) {
    const isRow = line.trim().startsWith('|');
    if (!isRow) {
      current = null;
      continue;
    }
    const cells = tableCells(line);
    if (cells === null) continue; // the rule under the header
    if (current === null) {
      current = { header: cells, rows: [] };
      out.push(current);
    } else current.rows.push(cells);
  }
  return out;
}

/** The inline code spans of some text, as GitHub shows them (`` `a` `` → a; one space inside each end trimmed; `\|` in a table cell is a pipe). */
export function codeSpans(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?<!`)(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g)) {
    let span = (m[2] as string).replace(/\\\|/g, '|');
    if (span.length >= 2 && span.startsWith(' ') && span.endsWith(' ') && span.trim() !== '') span = span.slice(1, -1);
    out.push(span);
  }
  return out;
}
