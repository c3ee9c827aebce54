// The deadline queue that holds every stream's idle limit and lifetime on one timer, in
// virtual time: each item wakes at its own millisecond, in time order, wherever it was moved
// to; a deleted item never wakes; and an empty queue leaves no timer to keep a process alive.
import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { Deadlines, type Deadline } from '../../src/driver/deadlines.js';
import { nowUs } from '../../src/util/clock.js';
import { hashUniform } from '../../src/util/random.js';
import { useVirtualTime } from '../helpers/virtual-time.js';

const vt = useVirtualTime();

/** An item that notes when (virtual ms) it woke, and may put itself back. */
class Item implements Deadline {
  deadlineIndex = -1;
  readonly wokeMs: number[] = [];
  again: ((nowUs: number) => number | null) | null = null;
  constructor(
    readonly name: string,
    private readonly queue: Deadlines,
    private readonly woke: string[],
  ) {}
  onDeadline(nowUs: number): void {
    this.wokeMs.push(vt.nowMs());
    this.woke.push(this.name);
    const next = this.again?.(nowUs) ?? null;
    if (next !== null) this.queue.set(this, next);
  }
}

test('each item wakes at its own millisecond, earliest first, whatever order they were set in', async () => {
  const q = new Deadlines();
  const woke: string[] = [];
  const items = [300, 100, 200, 100, 5000].map((ms, i) => new Item(`${i}@${ms}`, q, woke));
  [300, 100, 200, 100, 5000].forEach((ms, i) => q.set(items[i] as Item, vt.clockUs(ms)));
  await vt.advance(6000);
  assert.deepEqual(woke.slice(0, 2).sort(), ['1@100', '3@100']);
  assert.deepEqual(woke.slice(2), ['2@200', '0@300', '4@5000']);
  assert.deepEqual(
    items.map((i) => i.wokeMs),
    [[300], [100], [200], [100], [5000]],
  );
  assert.equal(q.size, 0);
});

test('when the timer fires, what is due less than a millisecond later wakes with it; the rest wait for a whole millisecond at or after their time', async () => {
  const q = new Deadlines();
  const woke: string[] = [];
  const [a, b, c] = ['a', 'b', 'c'].map((n) => new Item(n, q, woke)) as [Item, Item, Item];
  await vt.advance(10);
  q.set(a, vt.clockUs(51));
  q.set(b, vt.clockUs(51) + 999);
  q.set(c, vt.clockUs(52) + 1);
  await vt.advance(60);
  assert.deepEqual([a.wokeMs, b.wokeMs, c.wokeMs], [[51], [51], [53]]);
});

test('set again moves an item earlier or later; delete takes it off and it never wakes', async () => {
  const q = new Deadlines();
  const woke: string[] = [];
  const [a, b, c] = ['a', 'b', 'c'].map((n) => new Item(n, q, woke)) as [Item, Item, Item];
  q.set(a, vt.clockUs(100));
  q.set(b, vt.clockUs(200));
  q.set(c, vt.clockUs(300));
  q.set(c, vt.clockUs(50));
  q.set(a, vt.clockUs(400));
  q.delete(b);
  q.delete(b);
  assert.equal(b.deadlineIndex, -1);
  await vt.advance(500);
  assert.deepEqual(woke, ['c', 'a']);
  assert.deepEqual([a.wokeMs, c.wokeMs], [[400], [50]]);
});

test('an item woken may put itself back, and items set while the queue wakes others are kept', async () => {
  const q = new Deadlines();
  const woke: string[] = [];
  const beat = new Item('beat', q, woke);
  const late = new Item('late', q, woke);
  let n = 0;
  beat.again = (nowUs) => {
    // The third wake sets another item for a time already due: it wakes in the same turn.
    if (++n === 3) q.set(late, nowUs - 5000);
    return n < 5 ? nowUs + 70_000 : null;
  };
  q.set(beat, vt.clockUs(70));
  await vt.advance(1000);
  assert.deepEqual(beat.wokeMs, [70, 140, 210, 280, 350]);
  assert.deepEqual(late.wokeMs, [210]);
  assert.equal(q.size, 0);
});

test('against a sorted list: 3,000 random sets, moves and deletes wake what is left in time order, each at its ms', async () => {
  const q = new Deadlines();
  const woke: string[] = [];
  let draws = 0;
  const random = (): number => hashUniform(24, draws++);
  const items = Array.from({ length: 400 }, (_, i) => new Item(String(i), q, woke));
  const model = new Map<Item, number>();
  for (let k = 0; k < 3000; k++) {
    const item = items[Math.floor(random() * items.length)] as Item;
    if (random() < 0.25) {
      q.delete(item);
      model.delete(item);
    } else {
      const ms = 1 + Math.floor(random() * 2000);
      q.set(item, vt.clockUs(ms));
      model.set(item, ms);
    }
  }
  assert.equal(q.size, model.size);
  await vt.advance(2100);
  const expected = [...model].sort((x, y) => x[1] - y[1]);
  assert.deepEqual(
    woke.map((name) => (items[Number(name)] as Item).wokeMs[0]),
    expected.map(([, ms]) => ms),
  );
  for (const [item, ms] of expected) assert.deepEqual(item.wokeMs, [ms], `item ${item.name}`);
});

test('an empty queue keeps no timer: a process with no deadline left can exit', () => {
  // Real timers here: the process's own count of pending Timeouts.
  mock.timers.reset();
  const timeouts = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = timeouts();
  const q = new Deadlines();
  const [a, b] = ['a', 'b'].map((n) => new Item(n, q, [])) as [Item, Item];
  q.set(a, nowUs() + 3_600_000_000);
  q.set(b, nowUs() + 60_000_000);
  assert.equal(timeouts(), before + 1, 'one timer for the queue');
  q.delete(b);
  assert.equal(timeouts(), before + 1, 'still one, for the item left');
  q.delete(a);
  assert.equal(timeouts(), before, 'none once it is empty');
});
