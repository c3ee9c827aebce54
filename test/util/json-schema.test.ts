// The schema check's messages: ajv finds the problem, and it is said with the field's path
// as a person writes it (variants[0].metrics), what was expected and what was found.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSchema } from '../../src/util/json-schema.js';

const check = compileSchema(
  {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    additionalProperties: false,
    required: ['kind', 'items'],
    properties: {
      kind: { const: 'demo' },
      mode: { enum: ['open', 'closed'] },
      items: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['n'],
          properties: {
            n: { type: 'integer', minimum: 0, maximum: 10 },
            share: { type: 'number', exclusiveMinimum: 0 },
            id: { type: 'string', minLength: 2, pattern: '^[a-z]+$' },
            blob: { type: 'string', contentEncoding: 'base64' },
            body: { oneOf: [{ type: 'null' }, { type: 'object', required: ['bytes'], properties: { bytes: { type: 'integer' } } }, { type: 'string' }] },
          },
        },
      },
      'a/b': { type: ['string', 'number'] },
    },
  },
  { content: (encoding, text) => (encoding === 'base64' && text !== 'good' ? 'not a good blob' : null) },
);

const good = (): any => ({ kind: 'demo', items: [{ n: 1 }] });
const problem = (change: (v: any) => void): string | null => {
  const v = good();
  change(v);
  return check(v);
};

test('a value that matches has no problem, fields the schema does not name included', () => {
  assert.equal(check(good()), null);
  assert.equal(
    problem((v) => {
      v.newer = 1;
      v.items[0].alsoNewer = true;
      v.items[0].blob = 'good';
      v.items[0].body = null;
    }),
    null,
  );
});

test('each kind of problem names its place and what was wrong', () => {
  assert.equal(
    problem((v) => delete v.kind),
    'kind: missing',
  );
  assert.equal(
    problem((v) => delete v.items[0].n),
    'items[0].n: missing',
  );
  assert.equal(
    problem((v) => (v.items[0].n = 'slow')),
    'items[0].n: expected integer, found string "slow"',
  );
  assert.equal(
    problem((v) => (v.items[0].n = 1.5)),
    'items[0].n: expected integer, found number 1.5',
  );
  assert.equal(
    problem((v) => (v.items[0].n = -1)),
    'items[0].n: -1 is below 0',
  );
  assert.equal(
    problem((v) => (v.items[0].n = 11)),
    'items[0].n: 11 is above 10',
  );
  assert.equal(
    problem((v) => (v.items[0].share = 0)),
    'items[0].share: 0 is not above 0',
  );
  assert.equal(
    problem((v) => (v.items[0].id = 'a')),
    'items[0].id: expected at least 2 characters',
  );
  assert.equal(
    problem((v) => (v.items[0].id = 'AB')),
    'items[0].id: "AB" is not in the expected form',
  );
  assert.equal(
    problem((v) => (v.kind = 'other')),
    'kind: expected "demo", found "other"',
  );
  assert.equal(
    problem((v) => (v.mode = 'half')),
    'mode: expected one of "open", "closed", found "half"',
  );
  assert.equal(
    problem((v) => (v.items = [])),
    'items: expected at least 1 items, found 0',
  );
  assert.equal(
    problem((v) => (v['a/b'] = true)),
    'a/b: expected string or number, found boolean true',
  );
  assert.equal(check([]), '(top level): expected object, found array []');
});

test('a string with a contentEncoding is checked by the given function', () => {
  assert.equal(
    problem((v) => (v.items[0].blob = 'bad')),
    'items[0].blob: not a good blob',
  );
});

test('a oneOf names the types when none fits, and the branch the value meant when one nearly did', () => {
  assert.equal(
    problem((v) => (v.items[0].body = 5)),
    'items[0].body: expected null or object or string, found number 5',
  );
  assert.equal(
    problem((v) => (v.items[0].body = { bytes: 'x' })),
    'items[0].body.bytes: expected integer, found string "x"',
  );
  assert.equal(
    problem((v) => (v.items[0].body = {})),
    'items[0].body.bytes: missing',
  );
});
