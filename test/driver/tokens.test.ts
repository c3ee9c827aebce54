import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countTokens } from '../../src/driver/tokens.js';
import { parseJsonPath } from '../../src/scenario/load.js';
import type { TokenCounting } from '../../src/scenario/types.js';

const byPath = (path: string, eventType: string | null = null): TokenCounting => ({
  mode: 'jsonPath',
  path,
  paths: [parseJsonPath(path) ?? []],
  eventTypes: eventType === null ? null : [eventType],
  ignoreTypes: ['ping'],
});
const everyEvent: TokenCounting = { mode: 'event', eventTypes: null, ignoreTypes: ['ping'] };

test('per event: every non-empty event is one token', () => {
  const errors = { tokenParseErrors: 0 };
  assert.equal(countTokens('anything', 'message', everyEvent, errors), 1);
  assert.equal(countTokens('', 'message', everyEvent, errors), 0);
});

test('by JSON path: strings, numbers, lists, missing values, and data that is not JSON', () => {
  const errors = { tokenParseErrors: 0 };
  const content = byPath('choices[0].delta.content');
  assert.equal(countTokens('{"choices":[{"delta":{"content":"Hel"}}]}', 'message', content, errors), 1);
  assert.equal(countTokens('{"choices":[{"delta":{"role":"assistant"}}]}', 'message', content, errors), 0, 'a role-only chunk carries no token');
  assert.equal(countTokens('{"choices":[{"delta":{"content":""}}]}', 'message', content, errors), 0);
  assert.equal(countTokens('{"usage":{"completion_tokens":7}}', 'message', byPath('usage.completion_tokens'), errors), 7);
  assert.equal(countTokens('{"tokens":["a","b","c"]}', 'message', byPath('tokens'), errors), 3);
  assert.equal(errors.tokenParseErrors, 0);
  assert.equal(countTokens('not json', 'message', content, errors), 0);
  assert.equal(errors.tokenParseErrors, 1);
});

test('by event type: only events of that type count; unnamed events are "message"; pings never count', () => {
  const errors = { tokenParseErrors: 0 };
  const deltas = byPath('delta.text', 'content_block_delta');
  const delta = '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}';
  assert.equal(countTokens(delta, 'content_block_delta', deltas, errors), 1);
  assert.equal(countTokens('{"type":"message_start","message":{}}', 'message_start', deltas, errors), 0, 'message_start carries no token');
  assert.equal(countTokens(delta, 'message', deltas, errors), 0, 'an unnamed event (a "message") is not a content_block_delta');
  const typeOnly: TokenCounting = { mode: 'event', eventTypes: ['content_block_delta'], ignoreTypes: ['ping'] };
  assert.equal(countTokens('{}', 'content_block_delta', typeOnly, errors), 1);
  assert.equal(countTokens('{}', 'message_delta', typeOnly, errors), 0);
  const messages: TokenCounting = { mode: 'event', eventTypes: ['message'], ignoreTypes: [] };
  assert.equal(countTokens('x', 'message', messages, errors), 1, 'events with no event: line, which the decoder calls "message", count by that name');
  assert.equal(countTokens('{"type": "ping"}', 'ping', everyEvent, errors), 0, 'a named ping is a keep-alive, not a token');
  assert.equal(countTokens('{"type": "ping"}', 'ping', { ...everyEvent, ignoreTypes: [] }, errors), 1, 'unless ignoreEvents is emptied');
  assert.equal(errors.tokenParseErrors, 0, 'events of other types are not parsed at all');
});
