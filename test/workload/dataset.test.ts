// Dataset files: each format read into bodies or conversations, and every bad line an error
// with its code, file and line (and column where JSON.parse gives a position), before any load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectFormat, parseDataset, type BodyDataset, type ConversationDataset } from '../../src/workload/dataset.js';
import { DataFileError, type DataFileErrorCode } from '../../src/workload/errors.js';
import { jsonSyntaxErrorOffset, topLevelElementOffsets } from '../../src/workload/json-place.js';

const parse = (text: string, format?: 'jsonl' | 'openai-batch' | 'sharegpt') => parseDataset(Buffer.from(text, 'utf8'), 'data.jsonl', format ? { format } : {});
const bodies = (text: string, format?: 'jsonl' | 'openai-batch'): BodyDataset => {
  const d = parse(text, format);
  assert.equal(d.kind, 'bodies');
  return d;
};
const conversations = (text: string): ConversationDataset => {
  const d = parse(text, 'sharegpt');
  assert.equal(d.kind, 'conversations');
  return d;
};

function rejects(
  text: string,
  code: DataFileErrorCode,
  message: RegExp,
  place: { line?: number; column?: number },
  format?: 'jsonl' | 'openai-batch' | 'sharegpt',
): void {
  assert.throws(
    () => parse(text, format),
    (err: unknown) => {
      assert.ok(err instanceof DataFileError, `a DataFileError, got ${String(err)}`);
      assert.equal(err.code, code);
      assert.match(err.message, message);
      assert.equal(err.file, 'data.jsonl');
      assert.equal(err.line, place.line, 'line');
      assert.equal(err.column, place.column, 'column');
      return true;
    },
  );
}

test('JSONL: each line is a body, kept as compact JSON with its line number; blank lines and CRLF are fine', () => {
  const d = bodies('{ "model": "m",  "messages": [ {"role":"user","content":"hi é"} ] }\r\n\n  \n{"model":"m","prompt":"x"}\n');
  assert.equal(d.format, 'jsonl');
  assert.equal(d.size, 2);
  assert.equal(d.bodies.textAt(0), '{"model":"m","messages":[{"role":"user","content":"hi é"}]}');
  assert.deepEqual(JSON.parse(d.bodies.bytesAt(1).toString('utf8')), { model: 'm', prompt: 'x' });
  assert.deepEqual([...d.lines], [1, 4]);
});

test('OpenAI batch JSONL: the body of each line, told apart from plain JSONL by custom_id and body', () => {
  const line = (id: string, content: string) =>
    JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o', messages: [{ role: 'user', content }] } });
  const d = bodies(`${line('r1', 'a')}\n${line('r2', 'b')}\n`);
  assert.equal(d.format, 'openai-batch');
  assert.deepEqual(JSON.parse(d.bodies.textAt(1)), { model: 'gpt-4o', messages: [{ role: 'user', content: 'b' }] });
  // A body that merely has a field named custom_id stays a body when the format is told.
  assert.equal(
    bodies(`${line('r1', 'a')}\n`, 'jsonl')
      .bodies.textAt(0)
      .includes('custom_id'),
    true,
  );
});

test('ShareGPT: human turns in order, a system turn, gpt turns left out, conversations without a human turn skipped', () => {
  const file = JSON.stringify([
    {
      id: 'a',
      conversations: [
        { from: 'system', value: 'be brief' },
        { from: 'human', value: 'one' },
        { from: 'gpt', value: 'r1' },
        { from: 'human', value: 'two' },
      ],
    },
    { id: 'empty', conversations: [] },
    {
      id: 'b',
      conversations: [
        { from: 'gpt', value: 'hello' },
        { from: 'user', value: 'só' },
      ],
    },
  ]);
  const d = conversations(file);
  assert.equal(d.size, 2);
  assert.equal(d.skipped, 1);
  assert.deepEqual(d.conversation(0), { system: 'be brief', userTurns: ['one', 'two'] });
  assert.deepEqual(d.conversation(1), { userTurns: ['só'] });
  assert.equal(detectFormat(`  \n${file}`, 'x'), 'sharegpt');
});

test('a line that is not JSON: DATA_SYNTAX with file:line, and the column where V8 gives a position', () => {
  rejects('{"a":1}\n{"a":1\n', 'DATA_SYNTAX', /^data\.jsonl:2:7: not valid JSON: Expected ',' or '}' after property value$/, { line: 2, column: 7 });
  // V8 gives no position for an unexpected token: the scanner finds it.
  rejects('{"a":1}\n\n{"a":}\n', 'DATA_SYNTAX', /^data\.jsonl:3:6: not valid JSON: Unexpected token '}'$/, { line: 3, column: 6 });
});

test('a line that is JSON but not a body: DATA_SHAPE with file:line', () => {
  rejects('{"a":1}\n[1,2]\n', 'DATA_SHAPE', /^data\.jsonl:2: a request body must be a JSON object, this line is an array$/, { line: 2 });
  rejects(
    '{"custom_id":"1","body":{}}\n{"custom_id":"2","body":"x"}\n',
    'DATA_SHAPE',
    /^data\.jsonl:2: an OpenAI batch line needs "body": \{…\} \(the request\), this line's body is a string$/,
    { line: 2 },
  );
  rejects('{"a":1}\n', 'DATA_SHAPE', /^data\.jsonl:1: an OpenAI batch line needs "body"/, { line: 1 }, 'openai-batch');
});

test('ShareGPT errors: invalid JSON at line:column, a bad element at the line it starts on', () => {
  rejects(
    '[\n  {"conversations": []},\n  {"conversations": [}\n]',
    'DATA_SYNTAX',
    /^data\.jsonl:3:22: not valid JSON: Unexpected token '}'$/,
    { line: 3, column: 22 },
    'sharegpt',
  );
  const bad = '[\n {"conversations": [{"from": "human", "value": "hi"}]},\n {"conversations": [\n   {"from": "robot", "value": "x"}]}\n]';
  rejects(bad, 'DATA_SHAPE', /^data\.jsonl:3: conversation \[1\]: turn 0: "from": "robot" is none of human, gpt, system/, { line: 3 }, 'sharegpt');
  rejects('[{"conversations": [{"from": "human", "value": 3}]}]', 'DATA_SHAPE', /turn 0: "value" must be a string, it is a number/, { line: 1 }, 'sharegpt');
  rejects('{"conversations": []}', 'DATA_SHAPE', /a ShareGPT file is a JSON array of conversations, this is an object/, { line: 1 }, 'sharegpt');
  rejects('[{"conversations": [{"from": "gpt", "value": "x"}]}]', 'DATA_FORMAT', /no conversation with a human turn \(1 in the file\)/, {}, 'sharegpt');
});

test('an empty file, only blank lines, or text that is no JSON at all: DATA_FORMAT', () => {
  rejects('', 'DATA_FORMAT', /^data\.jsonl: empty/, {});
  rejects('\n\n', 'DATA_FORMAT', /empty/, {});
  rejects('\n\n', 'DATA_FORMAT', /only blank lines/, {}, 'jsonl');
  rejects('\nprompt,tokens\n', 'DATA_FORMAT', /^data\.jsonl:2:1: starts with 'p'/, { line: 2, column: 1 });
});

test('a file with a UTF-16 BOM is read like its UTF-8 twin', () => {
  const text = '{"messages":[{"role":"user","content":"日本語"}]}\n';
  const d = parseDataset(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), 'w.jsonl') as BodyDataset;
  assert.equal(d.bodies.textAt(0), text.trim());
});

test('the JSON scanner finds the first fault V8 names no position for, and accepts what JSON.parse accepts', () => {
  const cases: [string, number | undefined][] = [
    ['{"a": [1, -2.5e3, true, null, "x\\u00e9\\n"], "b": {}}', undefined],
    ['  []  ', undefined],
    ['{"a":}', 5],
    ['[1,]', 3],
    ['[01]', 2],
    ['{"a" 1}', 5],
    ['{a:1}', 1],
    ['"\\q"', 2],
    ['"tab\there"', 4],
    ['[1] 2', 4],
    ['{"a":1', 6],
    ['', 0],
  ];
  for (const [text, offset] of cases) {
    assert.equal(jsonSyntaxErrorOffset(text), offset, text);
    assert.equal(
      offset === undefined,
      (() => {
        try {
          JSON.parse(text);
          return true;
        } catch {
          return false;
        }
      })(),
      `agrees with JSON.parse on ${text}`,
    );
  }
});

test('top-level element offsets skip strings holding brackets, commas and escaped quotes', () => {
  const text = '[ {"a": "],[\\"{"}, [1, 2] ,\n"x" ]';
  const offsets = topLevelElementOffsets(text);
  assert.deepEqual(
    offsets.map((o) => text[o]),
    ['{', '[', '"'],
  );
  assert.deepEqual(topLevelElementOffsets('[]'), []);
});

test('100,000 lines load, each body readable by number', () => {
  const lines = Array.from({ length: 100_000 }, (_, i) => JSON.stringify({ model: 'm', messages: [{ role: 'user', content: `prompt ${i}` }] }));
  const d = bodies(lines.join('\n'));
  assert.equal(d.size, 100_000);
  assert.equal(d.bodies.textAt(99_999), lines[99_999]);
  assert.equal(d.lines[99_999], 100_000);
});
