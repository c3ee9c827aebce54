import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SecondWindow, type SecondSnapshot } from '../../src/aggregate/second-window.js';
import { combineSeconds, toMessage } from '../../src/run/second-message.js';
import { snapshotOf } from '../helpers/snapshot.js';

function part(elapsedMs: number, lengthMs: number, events: number): SecondSnapshot {
  const window = new SecondWindow();
  window.events = events;
  return snapshotOf(window, { second: 5, elapsedMs, lengthMs, level: 2 });
}

test("workers' parts of one second: its length travels over the wire, and the combined second is the longest part", () => {
  const a = toMessage(part(5001, 1001, 300));
  // JSON, as a forked worker's message is: the field survives the channel.
  const b = JSON.parse(JSON.stringify(toMessage(part(5004, 1004, 200)))) as typeof a;
  assert.equal(b.lengthMs, 1004);
  const both = combineSeconds([a, b]);
  assert.deepEqual([both.elapsedMs, both.lengthMs, both.window.events], [5004, 1004, 500]);
  assert.equal(combineSeconds([b, a]).lengthMs, 1004, 'whichever worker came first');
});
