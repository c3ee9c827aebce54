// Which outcome an error from the HTTP client means. Outcomes are data, not exceptions.
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
  'EPROTO',
]);

const IDLE_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** The error's code as reports show it: undici's UND_ERR_*, a system errno name, or the class name. */
export function errorCode(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } };
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.cause?.code === 'string') return e.cause.code;
  return typeof e?.name === 'string' ? e.name : 'Error';
}

/**
 * @param connected whether the request made it onto a connection (undici calls
 *   onRequestStart just before writing the request head).
 */
export function classifyError(code: string, connected: boolean): Outcome {
  if (IDLE_CODES.has(code)) return 'client_idle_timeout';
  // undici's HTTPParserError carries HPE_* when llhttp named the problem, else only its class name.
  if (code.startsWith('HPE_') || code === 'HTTPParserError' || code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return 'protocol_error';
  if (!connected || CONNECT_CODES.has(code)) return 'connect_error';
  return 'reset';
}

/** text/event-stream, whatever the parameters and case. */
export function isEventStream(contentType: string | string[] | undefined): boolean {
  if (typeof contentType !== 'string') return false;
  const semi = contentType.indexOf(';');
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase() === 'text/event-stream';
}
