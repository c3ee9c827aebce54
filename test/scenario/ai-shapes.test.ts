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
  const s = parseScenario(
    `stream:\n  tokens: { event: content_block_delta, jsonPath: delta.text }\n  sentinel: { event: message_stop }\n${LOAD}`,
    's.yaml',
    {},
  );
  assert.deepEqual(s.stream.tokens, {
    mode: 'jsonPath',
    path: 'delta.text',
    paths: [['delta', 'text']],
    eventTypes: ['content_block_delta'],
    ignoreTypes: ['ping'],
  });
  assert.equal(s.stream.sentinel, null, 'no data sentinel when the end is an event type');
  assert.equal(s.stream.sentinelEvent, 'message_stop');
});

test('tokens by event type alone; ignoreEvents replaces the default [ping]; sentinel { data }', () => {
  const s = parseScenario(`stream:\n  tokens: { event: token }\n  ignoreEvents: [keepalive]\n  sentinel: { data: END }\n${LOAD}`, 's.yaml', {});
  assert.deepEqual(s.stream.tokens, { mode: 'event', eventTypes: ['token'], ignoreTypes: ['keepalive'] });
  assert.equal(s.stream.sentinel, 'END');
  assert.equal(s.stream.sentinelEvent, null);
});

test('the defaults: every event, pings ignored, [DONE]', () => {
  const s = parseScenario(LOAD, 's.yaml', {});
  assert.deepEqual(s.stream.tokens, { mode: 'event', eventTypes: null, ignoreTypes: ['ping'] });
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
  assert.deepEqual(usage(''), { eventType: null, path: null, paths: null, reasoningPath: null, reasoningSegments: null, marker: 'usage"' });
  assert.deepEqual(usage('stream: { usage: Auto }\n'), usage(''));
  assert.equal(usage('stream: { usage: off }\n'), null);
  assert.equal(usage('stream: { usage: false }\n'), null);
  assert.deepEqual(usage('stream:\n  usage: { event: message_delta, jsonPath: usage.output_tokens }\n'), {
    eventType: 'message_delta',
    path: 'usage.output_tokens',
    paths: [['usage', 'output_tokens']],
    reasoningPath: null,
    reasoningSegments: null,
    marker: 'output_tokens"',
  });
  assert.deepEqual(
    usage('stream: { usage: { event: message_delta } }\n'),
    { eventType: 'message_delta', path: null, paths: null, reasoningPath: null, reasoningSegments: null, marker: 'usage"' },
    'the APIs’ own paths, on one type',
  );
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

test('stream.reasoning in the form of tokens: a list of paths, a list of event types, Gemini parts; off by default', () => {
  const stream = (text: string) => parseScenario(`stream:\n${text}\n${LOAD}`, 's.yaml', {}).stream;
  assert.equal(stream('  sentinel: "[DONE]"').reasoning, null);
  assert.equal(stream('  reasoning: off').reasoning, null);
  assert.deepEqual(stream('  reasoning: { jsonPath: [choices.0.delta.reasoning_content, "choices[0].delta.reasoning"] }').reasoning, {
    mode: 'jsonPath',
    path: 'choices.0.delta.reasoning_content, choices[0].delta.reasoning',
    paths: [
      ['choices', 0, 'delta', 'reasoning_content'],
      ['choices', 0, 'delta', 'reasoning'],
    ],
    eventTypes: null,
    ignoreTypes: ['ping'],
  });
  assert.deepEqual(stream('  reasoning: { event: [response.reasoning_summary_text.delta, response.reasoning_text.delta] }').reasoning, {
    mode: 'event',
    eventTypes: ['response.reasoning_summary_text.delta', 'response.reasoning_text.delta'],
    ignoreTypes: ['ping'],
  });
  assert.deepEqual(stream('  reasoning: { jsonPath: "candidates[0].content.parts", thought: true }').reasoning, {
    mode: 'parts',
    path: 'candidates[0].content.parts',
    segments: ['candidates', 0, 'content', 'parts'],
    thought: true,
    eventTypes: null,
    ignoreTypes: ['ping'],
  });
  assert.deepEqual(stream('  tokens: { event: [a, b] }').tokens, { mode: 'event', eventTypes: ['a', 'b'], ignoreTypes: ['ping'] }, 'tokens take lists too');
});

test('stream.api sets sentinel, tokens, reasoning and usage together; a field written beside it wins', () => {
  const stream = (text: string) => parseScenario(`stream:\n${text}\n${LOAD}`, 's.yaml', {}).stream;
  const openai = stream('  api: openai-chat');
  assert.equal(openai.api, 'openai-chat');
  assert.equal(openai.sentinel, '[DONE]');
  assert.deepEqual(openai.tokens.mode === 'jsonPath' && openai.tokens.paths, [['choices', 0, 'delta', 'content']]);
  assert.deepEqual(openai.reasoning?.mode === 'jsonPath' && openai.reasoning.paths, [
    ['choices', 0, 'delta', 'reasoning_content'],
    ['choices', 0, 'delta', 'reasoning'],
  ]);
  assert.equal(openai.usage?.path, null, 'auto: completion_tokens and completion_tokens_details.reasoning_tokens');

  const anthropic = stream('  api: anthropic');
  assert.deepEqual([anthropic.sentinel, anthropic.sentinelEvent], [null, 'message_stop']);
  assert.deepEqual(anthropic.tokens.eventTypes, ['content_block_delta']);
  assert.deepEqual(anthropic.reasoning?.mode === 'jsonPath' && [anthropic.reasoning.eventTypes, anthropic.reasoning.paths], [
    ['content_block_delta'],
    [['delta', 'thinking']],
  ]);

  const responses = stream('  api: responses');
  assert.equal(responses.sentinelEvent, 'response.completed');
  assert.deepEqual([responses.tokens.mode, responses.tokens.eventTypes], ['event', ['response.output_text.delta']]);
  assert.deepEqual(responses.reasoning?.eventTypes, ['response.reasoning_summary_text.delta', 'response.reasoning_text.delta']);

  const gemini = stream('  api: gemini');
  assert.deepEqual([gemini.sentinel, gemini.sentinelEvent], [null, null], 'Gemini ends with the response');
  assert.deepEqual(gemini.tokens.mode === 'parts' && gemini.tokens.thought, false);
  assert.deepEqual(gemini.reasoning?.mode === 'parts' && gemini.reasoning.thought, true);
  assert.deepEqual(
    [gemini.usage?.paths, gemini.usage?.reasoningSegments, gemini.usage?.marker],
    [
      [
        ['usageMetadata', 'candidatesTokenCount'],
        ['usageMetadata', 'thoughtsTokenCount'],
      ],
      ['usageMetadata', 'thoughtsTokenCount'],
      'usageMetadata"',
    ],
  );

  const mine = stream('  api: openai-chat\n  reasoning: off\n  sentinel: null\n  usage: off');
  assert.deepEqual([mine.reasoning, mine.sentinel, mine.usage], [null, null, null], 'written fields win, off and null included');
  assert.equal(stream('  api: Anthropic').api, 'anthropic', 'case aside, as other word choices');
});

test('stream.api, stream.reasoning and usage lists: mistakes named with their path', () => {
  assert.deepEqual(problemPaths(`stream:\n  api: openai\n${LOAD}`), ['stream.api']);
  assert.equal(scenarioProblems(`stream:\n  api: gemni\n${LOAD}`).problems[0]?.hint, 'did you mean "gemini"?');
  assert.deepEqual(problemPaths(`stream:\n  reasoning: event\n${LOAD}`), ['stream.reasoning'], 'every event cannot be reasoning');
  assert.deepEqual(problemPaths(`stream:\n  reasoning: { jsonPath: [a, "b[x]"] }\n${LOAD}`), ['stream.reasoning.jsonPath[1]']);
  assert.deepEqual(problemPaths(`stream:\n  reasoning: { jsonPath: parts, thought: yes }\n${LOAD}`), ['stream.reasoning.thought']);
  assert.deepEqual(problemPaths(`stream:\n  reasoning: { event: thinking, thought: true }\n${LOAD}`), ['stream.reasoning.thought']);
  assert.deepEqual(problemPaths(`stream:\n  reasoning: { event: [] }\n${LOAD}`), ['stream.reasoning.event']);
  assert.deepEqual(problemPaths(`stream:\n  usage: { jsonPath: [a.b, 3] }\n${LOAD}`), ['stream.usage.jsonPath[1]']);
  assert.deepEqual(problemPaths(`stream:\n  usage: { reasoningJsonPath: "x[y]" }\n${LOAD}`), ['stream.usage.reasoningJsonPath']);
});

test('stream.usage: a list of paths adds up; reasoningJsonPath beside it; the marker is the key the paths share', () => {
  const usage = (text: string) => parseScenario(`stream:\n  usage: ${text}\n${LOAD}`, 's.yaml', {}).stream.usage;
  const u = usage('{ jsonPath: [meta.a.out, meta.b.out], reasoningJsonPath: meta.b.out }');
  assert.equal(u?.marker, 'meta"', 'the last key both paths have');
  assert.equal(u?.path, 'meta.a.out, meta.b.out');
  assert.equal(usage('{ jsonPath: [a, b] }')?.marker, null, 'nothing in common: every event is parsed');
  assert.deepEqual(
    usage('{ reasoningJsonPath: usage.thinking }'),
    { eventType: null, path: null, paths: null, reasoningPath: 'usage.thinking', reasoningSegments: ['usage', 'thinking'], marker: 'usage"' },
    'the auto count, a reasoning count of the scenario’s',
  );
});
