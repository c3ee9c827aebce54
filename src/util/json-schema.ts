// Checks a parsed file against one of the published JSON Schemas (draft-07) with ajv, and
// says what is wrong the way a person fixes it: the first problem, at its place, e.g.
// "run.startedAt: missing" or "variants[2].metrics.ttft.p99: expected number, found string "slow"".
import { createRequire } from 'node:module';
import type AjvModule from 'ajv';
import type { AnySchemaObject, ErrorObject, SchemaValidateFunction } from 'ajv';

/**
 * ajv, loaded on the first compile: it takes ~50 ms to load, and most commands (`run` first)
 * read no file back. It is CommonJS, so `require` loads it at once, where an import would make
 * every check wait on a promise.
 */
const loadAjv = (): typeof AjvModule.default => (createRequire(import.meta.url)('ajv') as typeof AjvModule).default;

export interface CompileOptions {
  /**
   * Checks a string whose schema names a `contentEncoding` (an annotation, which ajv does not
   * check by itself); returns the problem or null.
   */
  content?: (encoding: string, value: string) => string | null;
}

/** The first problem of a value, as "field.path: problem", or null when it matches. */
export type SchemaCheck = (value: unknown) => string | null;

/**
 * Compiles `schema` once into a check. Fields that a schema's `additionalProperties: false`
 * does not name are tolerated: the published schemas are strict so that tests hold what
 * sse-soak writes to them, but a file from a newer sse-soak may carry fields this one does
 * not know, and nothing here reads them.
 */
export function compileSchema(schema: AnySchemaObject, options: CompileOptions = {}): SchemaCheck {
  // allErrors false: ajv stops at the first problem, the only one shown, and sooner.
  // inlineRefs and optimize off: each $ref is compiled once, as a function of its own, and
  // the code is not rewritten after. Compiling summary.schema.json (61 KB) then takes 45 ms
  // instead of 115 once ajv's own code is warm, and 0.2-0.35 s instead of 0.3-0.9 s as the
  // first thing a process does (a busy 2-core machine; `npm run bench:summary-check`); a
  // check takes no longer (~50 µs, histograms aside). A command pays the compile once.
  const Ajv = loadAjv();
  const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true, inlineRefs: false, code: { optimize: false } });
  const { content } = options;
  if (content !== undefined) {
    ajv.removeKeyword('contentEncoding');
    // ajv reads `errors` off the function right after each call.
    const checkContent: SchemaValidateFunction = (encoding: string, value: string) => {
      const problem = content(encoding, value);
      checkContent.errors = problem === null ? undefined : [{ keyword: 'contentEncoding', message: problem, params: {} }];
      return problem === null;
    };
    ajv.addKeyword({ keyword: 'contentEncoding', type: 'string', schemaType: 'string', errors: true, validate: checkContent });
  }
  const validate = ajv.compile(tolerant(schema));
  return (value) => (validate(value) ? null : describe(validate.errors ?? [], value));
}

/** A copy of `schema` without `additionalProperties: false` (a schema given there is kept). */
function tolerant(schema: AnySchemaObject): AnySchemaObject {
  return JSON.parse(JSON.stringify(schema), (key, value: unknown) =>
    key === 'additionalProperties' && value === false ? undefined : value,
  ) as AnySchemaObject;
}

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

const shown = (v: unknown): string => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
};

/** A JSON pointer into `root` as the dotted path people read ("variants[0].metrics"), and the value there. */
function place(pointer: string, root: unknown): { path: string; value: unknown } {
  let path = '';
  let value = root;
  if (pointer === '') return { path, value };
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(value)) {
      path += `[${key}]`;
      value = value[Number(key)];
    } else {
      path += path === '' ? key : `.${key}`;
      value = (value as Record<string, unknown> | undefined)?.[key];
    }
  }
  return { path, value };
}

/**
 * The error to show. ajv stops at the first failing keyword, but a failing `oneOf` comes
 * with the errors of each of its branches: the deepest of those is the branch the value
 * meant to be; when every branch failed on the type alone, the types are listed together.
 */
function chosen(errors: readonly ErrorObject[]): ErrorObject | undefined {
  const union = errors.findLast((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  if (union === undefined) return errors[0];
  const branches = errors.filter((e) => e !== union && e.instancePath.startsWith(union.instancePath));
  if (branches.length === 0) return union;
  if (branches.every((e) => e.keyword === 'type' && e.instancePath === union.instancePath)) {
    return { ...union, keyword: 'type', params: { type: branches.map((e) => String(e.params.type)).join(',') } };
  }
  const depth = (e: ErrorObject): number => e.instancePath.split('/').length;
  return branches.reduce((deepest, e) =>
    depth(e) > depth(deepest) || (depth(e) === depth(deepest) && deepest.keyword === 'type' && e.keyword !== 'type') ? e : deepest,
  );
}

const COMPARISON: Record<string, string> = { '>=': 'is below', '>': 'is not above', '<=': 'is above', '<': 'is not below' };

function describe(errors: readonly ErrorObject[], root: unknown): string {
  const e = chosen(errors);
  if (e === undefined) return '(top level): does not match the schema';
  const { path, value } = place(e.instancePath, root);
  const at = path === '' ? '(top level)' : path;
  const prefix = path === '' ? '' : `${path}.`;
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `${prefix}${String(p.missingProperty)}: missing`;
    case 'additionalProperties':
      return `${prefix}${String(p.additionalProperty)}: not a known field`;
    case 'type':
      return `${at}: expected ${String(p.type).split(',').join(' or ')}, found ${typeOf(value)} ${shown(value)}`;
    case 'const':
      return `${at}: expected ${shown(p.allowedValue)}, found ${shown(value)}`;
    case 'enum':
      return `${at}: expected one of ${(p.allowedValues as unknown[]).map(shown).join(', ')}, found ${shown(value)}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `${at}: ${String(value)} ${COMPARISON[String(p.comparison)] ?? String(p.comparison)} ${String(p.limit)}`;
    case 'minLength':
      return `${at}: expected at least ${String(p.limit)} characters`;
    case 'pattern':
      return `${at}: ${shown(value)} is not in the expected form`;
    case 'minItems':
      return `${at}: expected at least ${String(p.limit)} items, found ${Array.isArray(value) ? value.length : 0}`;
    default:
      return `${at}: ${e.message ?? `fails ${e.keyword}`}`;
  }
}
