// Whose answer an error status is: a proxy's own, or the target's passed on. A 502 or 503 may
// be either; these say it is a proxy's:
// - 407 Proxy Authentication Required: only a proxy sends it (RFC 9110 §15.5.8);
// - X-Squid-Error: Squid puts it on the error pages it makes itself, never on a response it
//   forwards (Via, which it adds to both, says nothing);
// - Proxy-Status with an `error` parameter (RFC 9209): the proxy that names itself failed.

type Headers = Record<string, string | string[] | undefined>;

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v.join(', ') : v);

/** What shows this status is a proxy's own answer, e.g. "X-Squid-Error: ERR_CONNECT_FAIL 111"; null: nothing does. */
export function proxyOwnAnswer(status: number, headers: Headers): string | null {
  // A 407 says best what the proxy wants: the scheme and realm it asks for.
  const asks = one(headers['proxy-authenticate']);
  if (status === 407 && asks !== undefined) return `Proxy-Authenticate: ${asks}`;
  const squid = one(headers['x-squid-error']);
  if (squid !== undefined && squid !== '') return `X-Squid-Error: ${squid}`;
  const proxyStatus = one(headers['proxy-status']);
  if (proxyStatus !== undefined && /;\s*error=/i.test(proxyStatus)) return `Proxy-Status: ${proxyStatus}`;
  return status === 407 ? "a 407 is always a proxy's" : null;
}

/** A stream's http_error reason: "HTTP 502", or "HTTP 502 from a proxy (X-Squid-Error: …)". */
export function httpErrorReason(status: number, headers: Headers): string {
  const evidence = proxyOwnAnswer(status, headers);
  return evidence === null ? `HTTP ${status}` : `HTTP ${status} from a proxy (${evidence})`;
}
