// Which outcome an error from the HTTP client means. Outcomes are data, not exceptions.
import type { Socket } from 'node:net';
import type { Outcome } from '../record/outcome.js';

const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'EADDRINUSE',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_NOT_YET_VALID',
  'EPROTO',
  // target.http: 2 and a TLS server that chose HTTP/1.1 (connector.ts), or refused h2 outright.
  'ERR_ALPN_NO_H2',
  'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL',
]);

const IDLE_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * A TLS alert the server sent, as OpenSSL names a received one (ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED
 * for alert 116, ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE for 40, …): the server refused the TLS
 * connection, most often a client certificate it requires.
 */
export function isTlsAlert(code: string): boolean {
  return /^ERR_SSL_(SSLV3|TLSV1|TLSV13)_ALERT_/.test(code);
}

/**
 * The TLS alert an error reports, by OpenSSL's name; null for none. node:https reports an
 * alert that broke its write as EPROTO, with OpenSSL's text in the message
 * ("…:sslv3 alert handshake failure:…SSL alert number 40"): named the same way here.
 */
export function tlsAlertCode(err: unknown): string | null {
  const code = errorCode(err);
  if (isTlsAlert(code)) return code;
  const message = (err as { message?: unknown })?.message;
  if (code !== 'EPROTO' || typeof message !== 'string') return null;
  const m = /\b(sslv3|tlsv1|tlsv13) alert ([a-z ]+):/i.exec(message);
  return m === null ? null : `ERR_SSL_${(m[1] as string).toUpperCase()}_ALERT_${(m[2] as string).trim().toUpperCase().replace(/ /g, '_')}`;
}

/** The error's code as reports show it: undici's UND_ERR_*, a system errno name, or the class name. */
export function errorCode(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } };
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.cause?.code === 'string') return e.cause.code;
  return typeof e?.name === 'string' ? e.name : 'Error';
}

/** How the connection under a reply ended, as the socket saw it. */
export type WireEnd = 'reset' | 'fin' | 'open';

/**
 * A reset is a reset whatever the reply's framing: undici reports one on a close-delimited
 * body as a clean end, on a chunked body with `Connection: close` as a parser error, so the
 * socket's own state decides. A FIN (the peer closed) is told from a reset the same way.
 */
export function wireEnd(socket: Socket | null): WireEnd {
  if (socket === null) return 'open';
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- tsc needs it (errored is an Error to the compiler)
  const err = socket.errored as NodeJS.ErrnoException | null;
  if (err?.code === 'ECONNRESET') return 'reset';
  return socket.readableEnded ? 'fin' : 'open';
}

// What undici reports when the peer closed (FIN) before the framing's end (the last chunk,
// Content-Length): on a keep-alive reply a socket error, with `Connection: close` a parser
// error. Either way the reply broke off: a reset, as it always was on a keep-alive reply
// (and as a proxy's idle or lifetime cut looks), not a broken protocol.
const CLOSED_EARLY_CODES = new Set(['UND_ERR_SOCKET', 'HPE_INVALID_EOF_STATE', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH']);

export interface EndOfAttempt {
  outcome: Outcome;
  /** The error code, or a reason where the code alone would mislead (reports show it). */
  reason: string;
}

/**
 * The outcome of one attempt that undici ended with an error.
 * @param sent whether the attempt's request made it onto a connection (undici calls
 *   onRequestStart just before writing the request head; not at all when connecting failed).
 * @param wire how the socket ended (see wireEnd).
 * @param tlsAlert the TLS alert the server sent on the attempt's connection before any
 *   response (connector.ts tlsAlertOf), where undici reported something else; null for none.
 */
export function classifyEnd(err: unknown, sent: boolean, wire: WireEnd, tlsAlert: string | null = null): EndOfAttempt {
  const code = errorCode(err);
  const message = (err as { message?: unknown })?.message;
  if (IDLE_CODES.has(code)) return { outcome: 'client_idle_timeout', reason: code };
  // TLS 1.3 lets the client send its request before the server has checked the client's
  // certificate: a refusal (alert 116, certificate required) then comes after the request,
  // and undici over HTTP/1.1 reports the close that follows it ("other side closed"). The
  // connection was never made, as with any TLS failure: no cut of a reply.
  if (tlsAlert !== null) return { outcome: 'connect_error', reason: tlsAlert };
  if (!sent || CONNECT_CODES.has(code)) return { outcome: 'connect_error', reason: code };
  if (wire === 'reset' || code === 'ECONNRESET') return { outcome: 'reset', reason: 'ECONNRESET' };
  // Node's HTTP/2 client found the peer breaking HTTP/2 (nghttp2's own check, before any
  // frame of ours): a broken protocol, as an HTTP/1.1 parser error is, not a cut.
  if (code === 'ERR_HTTP2_ERROR') return { outcome: 'protocol_error', reason: http2ProtocolReason(message) };
  const h2 = http2End(code, message);
  if (h2 !== null) return h2;
  // undici ends the connection on a 101 nobody asked for (and, but for transport.ts, on an
  // unasked 100): the peer broke HTTP, the wire did not fail (so no cut, and no reconnect).
  if (code === 'UND_ERR_SOCKET' && message === 'bad upgrade') return { outcome: 'protocol_error', reason: 'unsolicited 101 Switching Protocols' };
  // 'bad response': a response with no request, or a 100 where transport.ts could not make undici skip it.
  if (code === 'UND_ERR_SOCKET' && message === 'bad response')
    return { outcome: 'protocol_error', reason: 'a response nobody asked for, or an unasked 100 Continue' };
  if (code === 'UND_ERR_HEADERS_OVERFLOW') return { outcome: 'protocol_error', reason: "response headers over undici's 16 KiB limit" };
  // undici's HTTPParserError carries HPE_* when llhttp named the problem, else only its
  // class name, and llhttp's reason at the end of its message: "… protocol (Invalid EOF state)".
  const parserReason = code === 'HTTPParserError' && typeof message === 'string' ? (/\(([^()]*)\)$/.exec(message)?.[1] ?? '') : '';
  if (wire === 'fin' && (CLOSED_EARLY_CODES.has(code) || parserReason === 'Invalid EOF state'))
    return { outcome: 'reset', reason: 'closed mid-reply (FIN before the framing’s end)' };
  if (parserReason !== '') return { outcome: 'protocol_error', reason: `HTTPParserError: ${parserReason}` };
  if (code.startsWith('HPE_') || code === 'HTTPParserError' || code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return { outcome: 'protocol_error', reason: code };
  return { outcome: 'reset', reason: code };
}

/**
 * HTTP/2 ends one stream with RST_STREAM and a whole connection with GOAWAY, each with an
 * error code (RFC 9113 §7): a cut of the reply, named with its frame and code. Node names the
 * code in its message ("… error code NGHTTP2_CANCEL"), undici the GOAWAY's as a number.
 */
function http2End(code: string, message: unknown): EndOfAttempt | null {
  const text = typeof message === 'string' ? message : '';
  if (code === 'ERR_HTTP2_STREAM_ERROR') {
    const name = /NGHTTP2_([A-Z0-9_]+)/.exec(text)?.[1] ?? 'unknown code';
    return { outcome: 'reset', reason: `RST_STREAM ${name}` };
  }
  const goaway = /"GOAWAY" frame received with code (\d+)/.exec(text);
  if (goaway !== null) return { outcome: 'reset', reason: `GOAWAY ${H2_ERRORS[Number(goaway[1])] ?? goaway[1]}` };
  if (code === 'ERR_HTTP2_SESSION_ERROR') {
    const n = /code (\d+)/.exec(text)?.[1];
    return { outcome: 'reset', reason: `GOAWAY ${n === undefined ? 'error' : (H2_ERRORS[Number(n)] ?? n)}` };
  }
  if (code === 'ERR_HTTP2_GOAWAY_SESSION') return { outcome: 'reset', reason: 'GOAWAY (stream not processed)' };
  if (code === 'UND_ERR_INFO' && text.startsWith('HTTP/2: stream closed before the response was complete'))
    return { outcome: 'reset', reason: 'RST_STREAM before the end' };
  if (code === 'UND_ERR_INFO' && text.startsWith('HTTP/2')) return { outcome: 'reset', reason: text.slice(0, 80) };
  return null;
}

/**
 * Since Node 20.12 (CVE-2024-27983) its HTTP/2 client refuses a header block sent in more
 * than 8 CONTINUATION frames: with the default 16 KiB frames, response headers over about
 * 144 KiB once compressed. It answers with GOAWAY(ENHANCE_YOUR_CALM) and ends every stream
 * of the connection with this message.
 */
export const H2_TOO_MANY_CONTINUATIONS = 'Too many CONTINUATION frames following a HEADER frame';

/** The reason of an ERR_HTTP2_ERROR: what it means where Node's message alone is cryptic. */
export function http2ProtocolReason(message: unknown): string {
  const text = typeof message === 'string' ? message : '';
  if (text === H2_TOO_MANY_CONTINUATIONS) return "response headers over HTTP/2's limit (more than 8 CONTINUATION frames)";
  return `ERR_HTTP2_ERROR: ${text === '' ? 'protocol error' : text.slice(0, 80)}`;
}

/** HTTP/2 error codes by number (RFC 9113 §7), as reports name them. */
export const H2_ERRORS = [
  'NO_ERROR',
  'PROTOCOL_ERROR',
  'INTERNAL_ERROR',
  'FLOW_CONTROL_ERROR',
  'SETTINGS_TIMEOUT',
  'STREAM_CLOSED',
  'FRAME_SIZE_ERROR',
  'REFUSED_STREAM',
  'CANCEL',
  'COMPRESSION_ERROR',
  'CONNECT_ERROR',
  'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY',
  'HTTP_1_1_REQUIRED',
];

/**
 * The Last-Event-ID value as undici writes it (latin1: one byte per char), so an id that
 * is not ASCII goes out as its UTF-8 bytes, as EventSource sends it. null when the id
 * holds a control character: Fetch would send it, but undici (rightly, by RFC 9110)
 * refuses it in a header.
 */
export function lastEventIdHeader(id: string): string | null {
  let ascii = true;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return null;
    if (c > 0x7e) ascii = false;
  }
  return ascii ? id : Buffer.from(id, 'utf8').toString('latin1');
}

/** text/event-stream, whatever the parameters and case. */
export function isEventStream(contentType: string | string[] | undefined): boolean {
  if (typeof contentType !== 'string') return false;
  const semi = contentType.indexOf(';');
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase() === 'text/event-stream';
}
