// An independent plain client: the truth that sse-soak's verdicts are judged against
// behind real servers. Node's own http, https and http2 modules (not undici), zlib for
// compressed bodies and eventsource-parser (not our decoder) for the events; it times
// each token event as the client sees it.
import { connect as h2connect, constants as h2 } from 'node:http2';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface PlainOptions {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Offer compression, as browsers do. */
  acceptEncoding?: string;
  /** A CA file to trust (an internal CA). */
  ca?: string;
  /** The name to send in SNI and check the certificate against, where the URL names an address. */
  servername?: string;
  /** Speak HTTP/2 (TLS with ALPN h2). */
  http2?: boolean;
  /** Which events carry tokens (default: every one). */
  isToken?(e: EventSourceMessage): boolean;
}

export interface PlainResult {
  status: number;
  httpVersion: string;
  contentEncoding: string;
  /** Request sent → first token event, ms. */
  ttftMs: number;
  /** Gaps between token events, ms. */
  gapsMs: number[];
  events: EventSourceMessage[];
  /** Token events that arrived in the same decoded chunk as the one before (bursts). */
  sameChunk: number;
}

export async function plainStream(url: string, opts: PlainOptions = {}): Promise<PlainResult> {
  const u = new URL(url);
  const headers: Record<string, string> = {
    accept: 'text/event-stream',
    ...(opts.acceptEncoding === undefined ? {} : { 'accept-encoding': opts.acceptEncoding }),
    ...opts.headers,
  };
  const ca = opts.ca === undefined ? undefined : readFileSync(opts.ca);
  const t0 = performance.now();
  const { status, httpVersion, encoding, body, close } = await open(u, opts.method ?? 'GET', headers, opts.body, ca, opts.http2 === true, opts.servername);
  const result: PlainResult = { status, httpVersion, contentEncoding: encoding, ttftMs: -1, gapsMs: [], events: [], sameChunk: 0 };
  const isToken = opts.isToken ?? (() => true);
  let last = -1;
  let chunkNo = 0;
  let lastChunk = -1;
  const parser = createParser({
    onEvent: (e) => {
      result.events.push(e);
      if (!isToken(e)) return;
      const now = performance.now() - t0;
      if (last < 0) result.ttftMs = now;
      else result.gapsMs.push(now - last);
      if (lastChunk === chunkNo) result.sameChunk++;
      lastChunk = chunkNo;
      last = now;
    },
  });
  const decoded: Readable =
    encoding === 'gzip'
      ? body.pipe(createGunzip())
      : encoding === 'br'
        ? body.pipe(createBrotliDecompress())
        : encoding === 'deflate'
          ? body.pipe(createInflate())
          : body;
  for await (const chunk of decoded) {
    chunkNo++;
    parser.feed((chunk as Buffer).toString());
  }
  close();
  return result;
}

async function open(
  u: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  ca: Buffer | undefined,
  http2: boolean,
  servername: string | undefined,
): Promise<{ status: number; httpVersion: string; encoding: string; body: Readable; close(): void }> {
  if (http2) {
    const session = h2connect(u.origin, { ca, ...(servername === undefined ? {} : { servername }) });
    const req = session.request({ [h2.HTTP2_HEADER_METHOD]: method, [h2.HTTP2_HEADER_PATH]: u.pathname + u.search, ...headers });
    if (body !== undefined) req.write(body);
    req.end();
    const head = await new Promise<Record<string, string | string[] | undefined>>((resolve, reject) => {
      req.once('response', resolve);
      req.once('error', reject);
      session.once('error', reject);
    });
    return { status: Number(head[':status']), httpVersion: '2.0', encoding: String(head['content-encoding'] ?? ''), body: req, close: () => session.close() };
  }
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(
      u,
      { method, headers, agent: false, ...(ca === undefined ? {} : { ca }), ...(servername === undefined ? {} : { servername }) },
      resolve,
    );
    req.once('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
  return {
    status: res.statusCode ?? 0,
    httpVersion: res.httpVersion,
    encoding: String(res.headers['content-encoding'] ?? ''),
    body: res,
    close: () => res.destroy(),
  };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}
