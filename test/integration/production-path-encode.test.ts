// Caddy's own `encode gzip` in front of the built-in target, on the path real users take
// (HTTPS with an internal CA, HTTP/2): it holds the compressed reply to the end, and both
// `run` and `doctor` call that buffered. A verdict only, with no timing compared: the
// timing of the same path is production-path.test.ts's.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bufferingVerdict } from '../../src/aggregate/buffering.js';
import { spawnTarget, type ChildTarget } from '../../src/target/child.js';
import { cli } from '../helpers/cli.js';
import { skipUnless, startCaddy } from '../helpers/intermediaries.js';
import { runAgainst } from '../helpers/run.js';

// 20 tokens 40 ms apart after 150 ms, as in production-path.test.ts; four replies.
const KNOBS = 'firstTokenDelay=150ms&tokenInterval=40ms&tokens=20';
const SHORT = 'load: { sessions: 4, duration: 1s, thinkTime: 1h, drain: 10s }\n';

let target: ChildTarget;
before(async () => {
  target = await spawnTarget();
});
after(async () => target?.stop());
const upstream = (): number => Number(new URL(target.origin).port);
const only = (o: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(o).filter(([, n]) => n > 0));

describe('Caddy: HTTPS with its internal CA, HTTP/2, its own gzip', { skip: skipUnless('caddy') }, () => {
  test("Caddy's own encode (minimum_length 1) holds gzip to the end: buffered, in run and in doctor", async () => {
    const caddy = await startCaddy(upstream(), { tls: true, encode: 'gzip\nminimum_length 1' });
    try {
      const r = await runAgainst(
        `${caddy.origin}/stream?${KNOBS}`,
        `target: { tls: { ca: ${JSON.stringify(caddy.ca)} }, connectTo: localhost:${caddy.port}:127.0.0.1 }\n${SHORT}`,
      );
      assert.deepEqual(only(r.overall.outcomes), { completed: 4 });
      assert.deepEqual(r.overall.httpVersions, { '2': 4 });
      assert.deepEqual(r.overall.contentEncodings, { gzip: 4 });
      assert.equal(bufferingVerdict(r.overall, r.harness.eventLoopDelayMs.p99).verdict, 'buffered');
      const doctor = await cli([
        'doctor',
        `${caddy.origin}/stream?${KNOBS}`,
        '--cacert',
        caddy.ca as string,
        '--resolve',
        `localhost:${caddy.port}:127.0.0.1`,
        '--timeout',
        '10s',
      ]);
      assert.equal(doctor.code, 5, doctor.stdout);
      assert.match(doctor.stdout, /^ok {4}HTTP version +2 \(the server offers h2, http\/1\.1 over TLS\)$/m, doctor.stdout);
      assert.match(doctor.stdout, /^FAIL {2}buffering /m, doctor.stdout);
      assert.match(doctor.stdout, /^FAIL {2}Content-Encoding +gzip/m, doctor.stdout);
    } finally {
      await caddy.stop();
    }
  });
});
