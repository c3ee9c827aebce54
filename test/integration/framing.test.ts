// Whether a cut is a cut must not depend on how the reply is framed: every framing
// against every ending, classified from what happened on the socket (issue 10, item 2).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Outcome } from '../../src/record/outcome.js';
import { ENDINGS, FRAMINGS, startFaultServer, type Ending, type FaultServer, type Framing } from '../helpers/fault-server.js';
import { oneStream } from '../helpers/one-stream.js';

let server: FaultServer;
before(async () => {
  server = await startFaultServer();
});
after(async () => server.close());

/**
 * With a sentinel: only the sentinel completes; an RST is a reset on every framing; a FIN
 * before the framing's end (last chunk, Content-Length) broke the reply off: a reset too,
 * as a proxy's cut looks. A close-delimited body has no end but the close: a FIN there ends
 * it cleanly, before the sentinel (eof_early).
 */
function withSentinel(framing: Framing, ending: Ending): Outcome {
  if (ending === 'clean') return 'completed';
  if (ending === 'rst') return 'reset';
  return framing === 'close-delimited' ? 'eof_early' : 'reset';
}

/** Without a sentinel the framing's end is the end; a close-delimited body cut mid-event is not complete. */
function withoutSentinel(framing: Framing, ending: Ending): Outcome {
  if (ending === 'fin-mid-chunk' && framing === 'close-delimited') return 'completed';
  return withSentinel(framing, ending);
}

for (const framing of FRAMINGS) {
  for (const ending of ENDINGS) {
    test(`${framing} reply, ${ending}: ${withSentinel(framing, ending)} (sentinel [DONE]) / ${withoutSentinel(framing, ending)} (no sentinel)`, async () => {
      const url = `${server.origin}/frame/${framing}/${ending}`;
      const a = await oneStream(url);
      assert.equal(a.record.outcome, withSentinel(framing, ending), `with a sentinel (error code ${a.record.errorCode})`);
      if (ending !== 'rst') assert.equal(a.record.tokens, 2, 'the two events before the ending count');
      const b = await oneStream(url, '  sentinel: null');
      assert.equal(b.record.outcome, withoutSentinel(framing, ending), `without a sentinel (error code ${b.record.errorCode})`);
    });
  }
}
