// Long timers, in virtual time: a delay past Node's 2³¹ − 1 ms limit waits its whole
// length instead of firing at once.
import { afterEach, beforeEach, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_TIMER_MS, setLongTimeout } from '../../src/util/timers.js';

const HOUR_MS = 3_600_000;

beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
afterEach(() => mock.timers.reset());

test('600 h (past 2³¹ ms) fires after 600 h, not at once', () => {
  let fired = 0;
  setLongTimeout(() => fired++, 600 * HOUR_MS);
  mock.timers.tick(1);
  assert.equal(fired, 0, 'Node alone would clamp it to 1 ms');
  // (Ticks land exactly on each link's end: the mock runs a callback at the end of a
  // tick, and a link that runs late delays the next by as much.)
  mock.timers.tick(MAX_TIMER_MS - 1);
  assert.equal(fired, 0, 'one full link of the chain later');
  mock.timers.tick(600 * HOUR_MS - MAX_TIMER_MS - 1);
  assert.equal(fired, 0, '1 ms early');
  mock.timers.tick(1);
  assert.equal(fired, 1);
  mock.timers.tick(10 * MAX_TIMER_MS);
  assert.equal(fired, 1, 'once');
});

test('several links, and a cancel in the middle of the chain', () => {
  let fired = 0;
  const t = setLongTimeout(() => fired++, 3.5 * MAX_TIMER_MS);
  mock.timers.tick(2 * MAX_TIMER_MS + 5);
  t.cancel();
  mock.timers.tick(5 * MAX_TIMER_MS);
  assert.equal(fired, 0);
  t.cancel();
});

test('short and non-positive delays behave as setTimeout', () => {
  const order: string[] = [];
  setLongTimeout(() => order.push('10ms'), 10);
  setLongTimeout(() => order.push('now'), -5);
  setLongTimeout(() => order.push('NaN'), Number.NaN);
  mock.timers.tick(0);
  assert.deepEqual(order, ['now', 'NaN']);
  mock.timers.tick(10);
  assert.deepEqual(order, ['now', 'NaN', '10ms']);
});
