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

/** With a sentinel: only the sentinel completes; a FIN is a close (eof_early), a reset a reset. */
const WITH_SENTINEL: Record<Ending, Outcome> = { clean: 'completed', 'fin-mid-event': 'eof_early', 'fin-mid-chunk': 'eof_early', rst: 'reset' };

/**
 * Without a sentinel the framing's own end is the end: a close-delimited body that stops
 * at an event boundary is complete by HTTP's rules; one that stops mid-event is not.
 */
function withoutSentinel(framing: Framing, ending: Ending): Outcome {
  if (ending === 'fin-mid-chunk' && framing === 'close-delimited') return 'completed';
  return WITH_SENTINEL[ending];
}

for (const framing of FRAMINGS) {
  for (const ending of ENDINGS) {
    test(`${framing} reply, ${ending}: ${WITH_SENTINEL[ending]} (sentinel [DONE]) / ${withoutSentinel(framing, ending)} (no sentinel)`, async () => {
      const url = `${server.origin}/frame/${framing}/${ending}`;
      const a = await oneStream(url);
      assert.equal(a.record.outcome, WITH_SENTINEL[ending], `with a sentinel (error code ${a.record.errorCode})`);
      if (ending !== 'rst') assert.equal(a.record.tokens, 2, 'the two events before the ending count');
      const b = await oneStream(url, '  sentinel: null');
      assert.equal(b.record.outcome, withoutSentinel(framing, ending), `without a sentinel (error code ${b.record.errorCode})`);
    });
  }
}
