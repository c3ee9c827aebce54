import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countTokens } from '../../src/driver/tokens.js';
import { parseJsonPath } from '../../src/scenario/load.js';
import type { TokenCounting } from '../../src/scenario/types.js';

const byPath = (path: string): TokenCounting => ({ mode: 'jsonPath', path, segments: parseJsonPath(path) ?? [] });

test('per event: every non-empty event is one token', () => {
  const errors = { tokenParseErrors: 0 };
  assert.equal(countTokens('anything', { mode: 'event' }, errors), 1);
  assert.equal(countTokens('', { mode: 'event' }, errors), 0);
});

test('by JSON path: strings, numbers, lists, missing values, and data that is not JSON', () => {
  const errors = { tokenParseErrors: 0 };
  const content = byPath('choices[0].delta.content');
  assert.equal(countTokens('{"choices":[{"delta":{"content":"Hel"}}]}', content, errors), 1);
  assert.equal(countTokens('{"choices":[{"delta":{"role":"assistant"}}]}', content, errors), 0, 'a role-only chunk carries no token');
  assert.equal(countTokens('{"choices":[{"delta":{"content":""}}]}', content, errors), 0);
  assert.equal(countTokens('{"usage":{"completion_tokens":7}}', byPath('usage.completion_tokens'), errors), 7);
  assert.equal(countTokens('{"tokens":["a","b","c"]}', byPath('tokens'), errors), 3);
  assert.equal(errors.tokenParseErrors, 0);
  assert.equal(countTokens('not json', content, errors), 0);
  assert.equal(errors.tokenParseErrors, 1);
});
