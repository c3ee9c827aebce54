import { emptyOutcomeCounts, isFailure, type Outcome } from '../record/outcome.js';
import type { StreamRecord } from '../record/stream-record.js';
import { CutRecorder } from './cuts.js';
import { newHistogram, type Histogram } from './histogram.js';
import { METRICS, type MetricName } from './metrics.js';
import { UsageTally } from './usage.js';

/**
 * Everything a run keeps: histograms and counters, never raw samples, so memory
 * stays flat however long the run and however many events it sees.
 */
export class RunAggregate {
  readonly histograms: Record<MetricName, Histogram>;
  readonly outcomes: Record<Outcome, number> = emptyOutcomeCounts();
  /** HTTP status → count, for http_error outcomes. */
  readonly httpStatuses: Record<string, number> = {};
  /** Error code → count, for failed outcomes. */
  readonly errorCodes: Record<string, number> = {};
  started = 0;
  events = 0;
  tokens = 0;
  bytes = 0;
  /** Body bytes after decompression (equal to `bytes` where nothing was compressed). */
  decodedBytes = 0;
  /** Streams whose request went out, by the HTTP version of its (last) connection: '1.1', '2'. */
  readonly httpVersions: Record<string, number> = {};
  /** Connections opened, by HTTP version (each counted by the stream that opened it). */
  readonly connectionsOpened: Record<string, number> = {};
  /** HTTP/2: the most streams one connection carried at once. */
  peakStreamsPerConnection = 0;
  /** HTTP/2: the lowest SETTINGS_MAX_CONCURRENT_STREAMS a server sent (0: none seen). */
  serverMaxStreams = 0;
  /** Streams that got a 200 response, by Content-Encoding ('identity' for none). */
  readonly contentEncodings: Record<string, number> = {};
  /** Events whose data did not parse as JSON while counting tokens by JSON path. */
  tokenParseErrors = 0;
  /** Delivery lags below zero (clock offset between target and harness), recorded as 0. */
  negativeDeliveryLags = 0;
  /** Streams the peer ended early, by kind (see cuts.ts). */
  readonly cuts = new CutRecorder();
  /** Reads that completed at least one event (buffering evidence: events ÷ eventReads). */
  eventReads = 0;
  /** Response headers → first token, per stream (buffering evidence). */
  readonly headersToFirstToken: Histogram = newHistogram();
  /** Reconnects: how many, how long each took (drop → next request), and how resumes went. */
  reconnects = 0;
  reconnectedStreams = 0;
  resumeGaps = 0;
  resumeDuplicates = 0;
  /** Resumes whose continuity was checked: a reconnect's first numeric id, after an earlier one. */
  resumesChecked = 0;
  /** The outcome of each attempt that ended in a reconnect (the last attempt's is the stream's outcome). */
  readonly reconnectCauses: Record<Outcome, number> = emptyOutcomeCounts();
  /** Drop → the next attempt's dispatch: the delay as waited. */
  readonly reconnectDelay: Histogram = newHistogram();
  /** What the servers reported in `usage`, and model tokens/s from it (see usage.ts). */
  readonly usage = new UsageTally();

  constructor() {
    const h = {} as Record<MetricName, Histogram>;
    for (const m of METRICS) h[m] = newHistogram();
    this.histograms = h;
  }

  /** Hot path: one gap between token events. */
  recordItl(us: number): void {
    this.histograms.itl.recordValue(us);
  }

  /** Hot path: one event's delivery lag. */
  recordDeliveryLag(us: number): void {
    if (us < 0) {
      this.negativeDeliveryLags++;
      us = 0;
    }
    this.histograms.deliveryLag.recordValue(us);
  }

  /** A stream ended: its per-stream latencies and counters. */
  finish(r: StreamRecord): void {
    const h = this.histograms;
    const outcome = r.outcome as Outcome;
    this.outcomes[outcome]++;
    this.events += r.events;
    this.tokens += r.tokens;
    this.bytes += r.bytes;
    this.decodedBytes += r.decodedBytes;
    if (r.status === 200) {
      const coding = r.contentEncoding === '' ? 'identity' : r.contentEncoding;
      this.contentEncodings[coding] = (this.contentEncodings[coding] ?? 0) + 1;
    }
    h.scheduleLag.recordValue(r.dispatchUs > r.intendedStartUs ? r.dispatchUs - r.intendedStartUs : 0);
    if (r.connectedUs > 0) {
      // Over TLS, connect is the TCP part and tls the handshake after it.
      h.connect.recordValue(r.tcpConnectedUs - r.connectStartUs);
      if (r.connectedUs > r.tcpConnectedUs) h.tls.recordValue(r.connectedUs - r.tcpConnectedUs);
    }
    if (r.httpVersion !== '') this.countConnection(r);
    if (r.headersUs > 0) h.ttfb.recordValue(r.headersUs - r.intendedStartUs);
    if (r.firstTokenUs > 0) h.ttft.recordValue(r.firstTokenUs - r.intendedStartUs);
    // e2e describes replies: only streams that got a response, and not those the run cut off.
    if (r.headersUs > 0 && outcome !== 'aborted') h.e2e.recordValue(r.endUs - r.intendedStartUs);
    this.cuts.record(r);
    this.eventReads += r.eventReads;
    this.usage.record(r);
    if (r.reconnects > 0) {
      this.reconnects += r.reconnects;
      this.reconnectedStreams++;
      this.resumeGaps += r.resumeGaps;
      this.resumeDuplicates += r.resumeDuplicates;
    }
    if (r.firstTokenUs > 0 && r.headersUs > 0) this.headersToFirstToken.recordValue(r.firstTokenUs - r.headersUs);
    if (outcome === 'http_error') this.httpStatuses[r.status] = (this.httpStatuses[r.status] ?? 0) + 1;
    if (isFailure(outcome) && r.errorCode !== '') this.errorCodes[r.errorCode] = (this.errorCodes[r.errorCode] ?? 0) + 1;
  }

  private countConnection(r: StreamRecord): void {
    const v = r.httpVersion;
    this.httpVersions[v] = (this.httpVersions[v] ?? 0) + 1;
    if (r.connectedUs > 0) this.connectionsOpened[v] = (this.connectionsOpened[v] ?? 0) + 1;
    if (v === '2' && r.streamsOnConnection > this.peakStreamsPerConnection) this.peakStreamsPerConnection = r.streamsOnConnection;
    if (r.serverMaxStreams > 0 && (this.serverMaxStreams === 0 || r.serverMaxStreams < this.serverMaxStreams)) this.serverMaxStreams = r.serverMaxStreams;
  }

  /** Adds another aggregate's figures to this one, exactly (histograms by their counts). */
  add(other: RunAggregate): void {
    for (const m of METRICS) this.histograms[m].add(other.histograms[m]);
    for (const [o, n] of Object.entries(other.outcomes)) this.outcomes[o as Outcome] += n;
    for (const [k, n] of Object.entries(other.httpStatuses)) this.httpStatuses[k] = (this.httpStatuses[k] ?? 0) + n;
    for (const [k, n] of Object.entries(other.errorCodes)) this.errorCodes[k] = (this.errorCodes[k] ?? 0) + n;
    this.started += other.started;
    this.events += other.events;
    this.tokens += other.tokens;
    this.bytes += other.bytes;
    this.decodedBytes += other.decodedBytes;
    for (const [k, n] of Object.entries(other.contentEncodings)) this.contentEncodings[k] = (this.contentEncodings[k] ?? 0) + n;
    this.addConnections(other);
    this.tokenParseErrors += other.tokenParseErrors;
    this.negativeDeliveryLags += other.negativeDeliveryLags;
    this.cuts.add(other.cuts);
    this.eventReads += other.eventReads;
    this.headersToFirstToken.add(other.headersToFirstToken);
    this.reconnects += other.reconnects;
    this.reconnectedStreams += other.reconnectedStreams;
    this.resumeGaps += other.resumeGaps;
    this.resumeDuplicates += other.resumeDuplicates;
    this.resumesChecked += other.resumesChecked;
    for (const [o, n] of Object.entries(other.reconnectCauses)) this.reconnectCauses[o as Outcome] += n;
    this.reconnectDelay.add(other.reconnectDelay);
    this.usage.add(other.usage);
  }

  /** Another aggregate's protocol and connection counts (also read back from a summary by merge). */
  addConnections(other: Pick<RunAggregate, 'httpVersions' | 'connectionsOpened' | 'peakStreamsPerConnection' | 'serverMaxStreams'>): void {
    for (const [k, n] of Object.entries(other.httpVersions)) this.httpVersions[k] = (this.httpVersions[k] ?? 0) + n;
    for (const [k, n] of Object.entries(other.connectionsOpened)) this.connectionsOpened[k] = (this.connectionsOpened[k] ?? 0) + n;
    this.peakStreamsPerConnection = Math.max(this.peakStreamsPerConnection, other.peakStreamsPerConnection);
    if (other.serverMaxStreams > 0 && (this.serverMaxStreams === 0 || other.serverMaxStreams < this.serverMaxStreams)) this.serverMaxStreams = other.serverMaxStreams;
  }

  /** Streams that ended, whatever the outcome. */
  get ended(): number {
    let n = 0;
    for (const c of Object.values(this.outcomes)) n += c;
    return n;
  }

  get failed(): number {
    let n = 0;
    for (const [o, c] of Object.entries(this.outcomes)) if (isFailure(o as Outcome)) n += c;
    return n;
  }

  /** failed ÷ (ended − aborted): a stream the run cut off proves nothing either way. */
  get dropRate(): number {
    const judged = this.ended - this.outcomes.aborted;
    return judged === 0 ? 0 : this.failed / judged;
  }
}
