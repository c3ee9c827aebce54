// Scenario fields for the AI APIs' stream shapes: tokens by event type, a sentinel
// event type, keep-alive types ignored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScenarioError } from '../../src/scenario/errors.js';
import { parseScenario } from '../../src/scenario/load.js';
import { scenarioProblems } from '../helpers/scenario-problems.js';

const LOAD = 'load: { sessions: 1, duration: 1s }\n';

function problemPaths(text: string): string[] {
  try {
    parseScenario(text, 'bad.yaml', {});
  } catch (err) {
    if (err instanceof ScenarioError) return err.problems.map((p) => p.path);
    throw err;
  }
  return assert.fail('expected the scenario to be rejected');
}

test('an Anthropic-style stream: tokens from content_block_delta events, the end at message_stop', () => {
  const s = parseScenario(`stream:\n  tokens: { event: content_block_delta, jsonPath: delta.text }\n  sentinel: { event: message_stop }\n${LOAD}`, 's.yaml', {});
  assert.deepEqual(s.stream.tokens, { mode: 'jsonPath', path: 'delta.text', segments: ['delta', 'text'], eventType: 'content_block_delta', ignoreTypes: ['ping'] });
  assert.equal(s.stream.sentinel, null, 'no data sentinel when the end is an event type');
  assert.equal(s.stream.sentinelEvent, 'message_stop');
});

test('tokens by event type alone; ignoreEvents replaces the default [ping]; sentinel { data }', () => {
  const s = parseScenario(`stream:\n  tokens: { event: token }\n  ignoreEvents: [keepalive]\n  sentinel: { data: END }\n${LOAD}`, 's.yaml', {});
  assert.deepEqual(s.stream.tokens, { mode: 'event', eventType: 'token', ignoreTypes: ['keepalive'] });
  assert.equal(s.stream.sentinel, 'END');
  assert.equal(s.stream.sentinelEvent, null);
});

test('the defaults: every event, pings ignored, [DONE]', () => {
  const s = parseScenario(LOAD, 's.yaml', {});
  assert.deepEqual(s.stream.tokens, { mode: 'event', eventType: null, ignoreTypes: ['ping'] });
  assert.equal(s.stream.sentinel, '[DONE]');
  assert.equal(s.stream.sentinelEvent, null);
});

test('mistakes in these fields are named with their path', () => {
  assert.deepEqual(problemPaths(`stream:\n  tokens: { type: content_block_delta }\n${LOAD}`), ['stream.tokens']);
  assert.deepEqual(problemPaths(`stream:\n  tokens: { event: 3 }\n${LOAD}`), ['stream.tokens.event']);
  assert.deepEqual(problemPaths(`stream:\n  sentinel: { event: message_stop, data: x }\n${LOAD}`), ['stream.sentinel']);
  assert.deepEqual(problemPaths(`stream:\n  sentinel: { event: "" }\n${LOAD}`), ['stream.sentinel']);
  assert.deepEqual(problemPaths(`stream:\n  ignoreEvents: ping\n${LOAD}`), ['stream.ignoreEvents']);
});

test('stream.usage: auto by default; off; an event type and a JSON path', () => {
  const usage = (text: string) => parseScenario(`${text}${LOAD}`, 's.yaml', {}).stream.usage;
  assert.deepEqual(usage(''), { eventType: null, path: null, segments: null, marker: 'usage"' });
  assert.deepEqual(usage('stream: { usage: Auto }\n'), usage(''));
  assert.equal(usage('stream: { usage: off }\n'), null);
  assert.equal(usage('stream: { usage: false }\n'), null);
  assert.deepEqual(usage('stream:\n  usage: { event: message_delta, jsonPath: usage.output_tokens }\n'), {
    eventType: 'message_delta',
    path: 'usage.output_tokens',
    segments: ['usage', 'output_tokens'],
    marker: 'output_tokens"',
  });
  assert.deepEqual(usage('stream: { usage: { event: message_delta } }\n'), { eventType: 'message_delta', path: null, segments: null, marker: 'usage"' }, 'the APIs’ own paths, on one type');
  assert.equal(usage('stream: { usage: { jsonPath: "counts[0]" } }\n')?.marker, 'counts"', 'the last key of the path');
  assert.equal(usage('stream: { usage: { jsonPath: "[0][1]" } }\n')?.marker, null, 'no key: every event is parsed');
});

test('stream.usage mistakes are named with their path and a hint', () => {
  assert.deepEqual(problemPaths(`stream:\n  usage: aut\n${LOAD}`), ['stream.usage']);
  assert.equal(scenarioProblems(`stream:\n  usage: aut\n${LOAD}`).problems[0]?.hint, 'did you mean "auto"?');
  assert.deepEqual(problemPaths(`stream:\n  usage: true\n${LOAD}`), ['stream.usage']);
  assert.deepEqual(problemPaths(`stream:\n  usage: { path: usage.output_tokens }\n${LOAD}`), ['stream.usage']);
  assert.deepEqual(problemPaths(`stream:\n  usage: {}\n${LOAD}`), ['stream.usage']);
  assert.deepEqual(problemPaths(`stream:\n  usage: { event: "" }\n${LOAD}`), ['stream.usage.event']);
  assert.deepEqual(problemPaths(`stream:\n  usage: { jsonPath: "a[x]" }\n${LOAD}`), ['stream.usage.jsonPath']);
  assert.deepEqual(problemPaths(`stream:\n  usage: { jsonPath: 3 }\n${LOAD}`), ['stream.usage.jsonPath']);
});
