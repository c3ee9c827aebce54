// A niced process that leads its own session gives its autogroup its nice value; anything else
// is left alone (a process in its terminal's session must never nice the terminal's autogroup).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { carryNiceToOwnAutogroup, type SessionPriorityIo } from '../../src/util/session-priority.js';

function io(opts: { pid: number; session: number; nice: number; autogroup: string | null; comm?: string }): SessionPriorityIo & { written: string[] } {
  const written: string[] = [];
  return {
    written,
    pid: opts.pid,
    nice: opts.nice,
    read(path) {
      if (path === '/proc/self/stat') return `${opts.pid} (${opts.comm ?? 'node'}) S 100 ${opts.pid} ${opts.session} 0 -1 4194560 …`;
      if (path === '/proc/self/autogroup' && opts.autogroup !== null) return opts.autogroup;
      throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    },
    write(path, text) {
      assert.equal(path, '/proc/self/autogroup');
      written.push(text);
    },
  };
}

test('a niced session leader carries its nice value to its own autogroup', () => {
  const x = io({ pid: 4262, session: 4262, nice: 19, autogroup: '/autogroup-4262 nice 0\n' });
  assert.equal(carryNiceToOwnAutogroup(x), 19);
  assert.deepEqual(x.written, ['19']);
  // A command name with spaces and parentheses does not shift the fields.
  const y = io({ pid: 7, session: 7, nice: 5, autogroup: '/autogroup-9 nice 0', comm: 'a (b) c' });
  assert.equal(carryNiceToOwnAutogroup(y), 5);
});

test("left alone: not niced, not a session leader (the autogroup is its terminal's), already as low, or no autogroups", () => {
  for (const x of [
    io({ pid: 4262, session: 4262, nice: 0, autogroup: '/autogroup-4262 nice 0' }),
    io({ pid: 4262, session: 3010, nice: 19, autogroup: '/autogroup-3010 nice 0' }),
    io({ pid: 4262, session: 4262, nice: 10, autogroup: '/autogroup-4262 nice 10' }),
    io({ pid: 4262, session: 4262, nice: 10, autogroup: null }),
  ]) {
    assert.equal(carryNiceToOwnAutogroup(x), null);
    assert.deepEqual(x.written, []);
  }
});

test('a refused write is no error: the target runs as it would have', () => {
  const x = io({ pid: 1, session: 1, nice: 19, autogroup: '/autogroup-1 nice 0' });
  x.write = () => {
    throw new Error('EPERM');
  };
  assert.equal(carryNiceToOwnAutogroup(x), null);
});
