// The part of JSON Schema (draft-07) that schemas/summary.schema.json uses, enough
// to check a summary.json when it is read back (ajv is a development tool here, not
// a dependency). It stops at the first problem and names its place, e.g.
// "run.startedAt: missing" or "variants[2].histograms.ttft: expected a string".

export type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  pattern?: string;
  contentEncoding?: string;
  definitions?: Record<string, JsonSchema>;
};

export interface CheckOptions {
  /** Refuse properties a schema with `additionalProperties: false` does not name (default: tolerate them). */
  strictProperties?: boolean;
  /** Checks a string whose schema names a `contentEncoding`; returns the problem or null. */
  content?: (encoding: string, value: string) => string | null;
}

/** The first place where `value` does not match `schema`, as "path: problem", or null. */
export function schemaProblem(value: unknown, schema: JsonSchema, options: CheckOptions = {}): string | null {
  const root = schema;
  const patterns = new Map<string, RegExp>();

  const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  const isType = (v: unknown, t: string): boolean => {
    if (t === 'integer') return Number.isInteger(v);
    if (t === 'number') return typeof v === 'number' && Number.isFinite(v);
    return typeOf(v) === t;
  };
  const shown = (v: unknown): string => {
    const text = JSON.stringify(v) ?? String(v);
    return text.length > 40 ? `${text.slice(0, 40)}…` : text;
  };

  const check = (v: unknown, s: JsonSchema, path: string): string | null => {
    const at = path === '' ? '(top level)' : path;
    if (s.$ref !== undefined) {
      const name = s.$ref.replace(/^#\/definitions\//, '');
      const target = root.definitions?.[name];
      if (target === undefined) throw new Error(`schema: unknown $ref ${s.$ref}`);
      const problem = check(v, target, path);
      if (problem !== null) return problem;
    }
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? s.type : [s.type];
      if (!types.some((t) => isType(v, t))) return `${at}: expected ${types.join(' or ')}, found ${v === undefined ? 'nothing' : `${typeOf(v)} ${shown(v)}`}`;
    }
    if ('const' in s && JSON.stringify(v) !== JSON.stringify(s.const)) return `${at}: expected ${shown(s.const)}, found ${shown(v)}`;
    if (s.enum !== undefined && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) return `${at}: expected one of ${s.enum.map(shown).join(', ')}, found ${shown(v)}`;
    if (typeof v === 'number') {
      if (s.minimum !== undefined && v < s.minimum) return `${at}: ${v} is below ${s.minimum}`;
      if (s.exclusiveMinimum !== undefined && v <= s.exclusiveMinimum) return `${at}: ${v} is not above ${s.exclusiveMinimum}`;
      if (s.maximum !== undefined && v > s.maximum) return `${at}: ${v} is above ${s.maximum}`;
    }
    if (typeof v === 'string') {
      if (s.minLength !== undefined && v.length < s.minLength) return `${at}: expected at least ${s.minLength} characters`;
      if (s.pattern !== undefined) {
        let re = patterns.get(s.pattern);
        if (re === undefined) patterns.set(s.pattern, (re = new RegExp(s.pattern, 'u')));
        if (!re.test(v)) return `${at}: ${shown(v)} is not in the expected form`;
      }
      if (s.contentEncoding !== undefined && options.content !== undefined) {
        const problem = options.content(s.contentEncoding, v);
        if (problem !== null) return `${at}: ${problem}`;
      }
    }
    if (Array.isArray(v)) {
      if (s.minItems !== undefined && v.length < s.minItems) return `${at}: expected at least ${s.minItems} items, found ${v.length}`;
      if (s.items !== undefined) {
        for (const [i, item] of v.entries()) {
          const problem = check(item, s.items, `${path}[${i}]`);
          if (problem !== null) return problem;
        }
      }
    } else if (typeOf(v) === 'object') {
      const o = v as Record<string, unknown>;
      const prefix = path === '' ? '' : `${path}.`;
      for (const name of s.required ?? []) if (!(name in o)) return `${prefix}${name}: missing`;
      for (const [name, item] of Object.entries(o)) {
        const own = s.properties?.[name];
        if (own !== undefined) {
          const problem = check(item, own, `${prefix}${name}`);
          if (problem !== null) return problem;
        } else if (typeof s.additionalProperties === 'object') {
          const problem = check(item, s.additionalProperties, `${prefix}${name}`);
          if (problem !== null) return problem;
        } else if (s.additionalProperties === false && options.strictProperties === true) {
          return `${prefix}${name}: not a known field`;
        }
      }
    }
    return null;
  };
  return check(value, schema, '');
}
