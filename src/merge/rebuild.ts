// A run's aggregate again, from its summary.json: every histogram decoded from its
// encoding and every counter read back. Adding these is exact, which is what merge is.
import { CutRecorder } from '../aggregate/cuts.js';
import { decodeHistogram } from '../aggregate/histogram.js';
import { METRICS } from '../aggregate/metrics.js';
import { RunAggregate } from '../aggregate/run-aggregate.js';
import { UsageTally } from '../aggregate/usage.js';
import type { Outcome } from '../record/outcome.js';
import type { Figures, Summary } from '../report/summary.js';

export function aggregateFromFigures(f: Figures): RunAggregate {
  const agg = new RunAggregate();
  for (const m of METRICS) {
    // A metric added later is absent from older reports: nothing of it was measured.
    const encoded = f.histograms[m] as string | undefined;
    if (encoded !== undefined) agg.histograms[m].add(decodeHistogram(encoded));
  }
  for (const [o, n] of Object.entries(f.outcomes)) agg.outcomes[o as Outcome] = n;
  Object.assign(agg.httpStatuses, f.httpStatuses);
  Object.assign(agg.errorCodes, f.errorCodes);
  agg.started = f.streams.started;
  agg.events = f.totals.events;
  agg.tokens = f.totals.tokens;
  agg.bytes = f.totals.bytes;
  // Absent from reports written before compressed bodies were decoded: nothing was.
  agg.decodedBytes = f.totals.decodedBytes ?? f.totals.bytes;
  Object.assign(agg.contentEncodings, f.contentEncodings ?? {});
  const c = f.connections;
  if (c !== undefined) agg.addConnections({ httpVersions: c.httpVersions, connectionsOpened: c.opened, peakStreamsPerConnection: c.peakStreamsPerConnection, serverMaxStreams: c.serverMaxConcurrentStreams ?? 0 });
  agg.usage.add(UsageTally.decode(f.totals.usageTokens, f.usage));
  return agg;
}

export function aggregateFromSummary(s: Summary): RunAggregate {
  const agg = aggregateFromFigures(s);
  agg.cuts.add(CutRecorder.decode(s.cuts.histograms));
  agg.eventReads = s.buffering.counts.eventReads;
  agg.headersToFirstToken.add(decodeHistogram(s.buffering.headersToFirstTokenHistogram));
  agg.reconnects = s.reconnects.total;
  agg.reconnectedStreams = s.reconnects.streams;
  agg.resumeGaps = s.reconnects.resumeGaps;
  agg.resumeDuplicates = s.reconnects.resumeDuplicates;
  // Absent from reports written before they were counted.
  agg.resumesChecked = s.reconnects.resumes ?? 0;
  for (const [o, n] of Object.entries(s.reconnects.causes ?? {})) agg.reconnectCauses[o as Outcome] += n ?? 0;
  agg.reconnectDelay.add(decodeHistogram(s.reconnects.delayHistogram));
  agg.tokenParseErrors = s.notes.tokenParseErrors;
  agg.negativeDeliveryLags = s.notes.negativeDeliveryLags;
  return agg;
}
