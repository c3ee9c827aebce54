// run --start-at in virtual time: what it accepts, that it returns at the time asked (not a
// millisecond before), through waits longer than one timer slice, and how late a late shard is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LATE_NOTICE_MS, MAX_WAIT_MS, parseStartAt, recordedStart, startAt, waitUntil } from '../../src/run/start-at.js';
import { CliError, EXIT } from '../../src/util/exit-codes.js';
import { START_MS, useVirtualTime } from '../helpers/virtual-time.js';

const vt = useVirtualTime();

const NOW = Date.parse('2026-12-02T13:00:00Z');

test('parseStartAt: RFC 3339 with a zone, or +duration; the rest refused with the reason', () => {
  assert.equal(parseStartAt('2026-12-02T14:00:00Z', NOW), Date.parse('2026-12-02T14:00:00Z'));
  assert.equal(parseStartAt('2026-12-02T15:00:00.250+01:00', NOW), Date.parse('2026-12-02T14:00:00.250Z'));
  assert.equal(parseStartAt('2026-12-02 14:00:00z', NOW), Date.parse('2026-12-02T14:00:00Z'));
  assert.equal(parseStartAt('+90s', NOW), NOW + 90_000);
  assert.equal(parseStartAt('+2m', NOW), NOW + 120_000);
  // A time in the past is accepted: that shard is late, and starts at once.
  assert.equal(parseStartAt('2026-12-02T12:59:00Z', NOW), NOW - 60_000);
  const refused = (text: string, why: RegExp): void => {
    assert.throws(
      () => parseStartAt(text, NOW),
      (err: unknown) => err instanceof CliError && err.exitCode === EXIT.INVALID_INPUT && why.test(err.message),
      text,
    );
  };
  refused('2026-12-02T14:00:00', /no time zone/);
  refused('2026-02-30T14:00:00Z', /not a valid time/);
  refused('2026-12-02T24:00:00Z', /not a valid time/);
  refused('tomorrow', /expected an RFC 3339 time/);
  refused('+soon', /expected an RFC 3339 time/);
  refused('+25h', /more than/);
  refused(new Date(NOW + MAX_WAIT_MS + 60_000).toISOString(), /check its date and zone/);
});

test('waitUntil: returns at the time asked, not before, and reads the clock again after each slice', async () => {
  const at = Date.now() + 150_000; // longer than one 60 s slice
  let returnedAt = -1;
  let lateMs = -1;
  void waitUntil(at).then((late) => {
    returnedAt = Date.now();
    lateMs = late;
  });
  vt.jump(60_000);
  await vt.advance(0);
  vt.jump(60_000);
  await vt.advance(0);
  vt.jump(29_990);
  await vt.advance(5);
  assert.equal(returnedAt, -1, 'not before the time');
  await vt.until(() => returnedAt >= 0, 100);
  assert.equal(returnedAt, at);
  assert.equal(lateMs, 0);
});

test('waitUntil: a time already past returns at once with the lateness', async () => {
  const late = await waitUntil(Date.now() - 12_345);
  assert.equal(late, 12_345);
});

test('startAt: records the time and the lateness for the summary; a late shard warns on stderr', async () => {
  const said: string[] = [];
  let record: Awaited<ReturnType<typeof startAt>> = null;
  void startAt('+3s', (l) => said.push(l)).then((r) => (record = r));
  await vt.until(() => record !== null, 5000);
  assert.deepEqual(record, { at: new Date(START_MS + 3000).toISOString(), lateMs: 0 });
  assert.deepEqual(recordedStart(), record);
  // The load's clock started 250 ms after the wait (the run was being built): that is the lateness.
  assert.deepEqual(recordedStart(new Date(START_MS + 3250).toISOString()), { at: new Date(START_MS + 3000).toISOString(), lateMs: 250 });
  assert.match(said.join(''), /waiting 3s for --start-at 1970-01-01T00:00:04.000Z/);

  const warnings: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = (s: string) => warnings.push(s) > 0;
  try {
    const late = await startAt(new Date(Date.now() - 2 * LATE_NOTICE_MS).toISOString(), () => undefined);
    assert.equal(late?.lateMs, 2 * LATE_NOTICE_MS);
  } finally {
    process.stderr.write = write;
  }
  assert.match(warnings.join(''), /started 2s late for --start-at/);
  assert.equal(await startAt(undefined, () => undefined), null);
});
