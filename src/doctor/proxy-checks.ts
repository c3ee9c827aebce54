// doctor's findings about the forward proxy hop: which proxy the stream went through and how
// (a CONNECT tunnel, or absolute-form requests), and whose an error is: the proxy's own (a
// refused CONNECT, a 407, Squid's error page) or the target's passed on. Pure: observation →
// findings.
import type { Finding } from './checks.js';
import type { Observation, ProxyHop } from './probe.js';

const ok = (check: string, detail: string): Finding => ({ level: 'ok', check, detail });
const fail = (check: string, detail: string, fix: string): Finding => ({ level: 'fail', check, detail, fix });

/** What to do about a proxy's own error status. */
function proxyStatusFix(status: number): string {
  if (status === 407) return 'the proxy wants credentials: --proxy http://user:password@host:port (or https_proxy=…; a scenario: target.proxyAuthFile)';
  if (status === 403) return "the proxy's rules refuse this target (Squid: http_access; a CONNECT to a port outside its SSL_ports): ask its owners to allow it";
  if (status === 502 || status === 503 || status === 504)
    return 'the proxy could not reach the target: check the URL, and that the proxy may resolve and connect to it (its DNS, its firewall)';
  return "see the proxy's error page for why";
}

/** The proxy hop: where the stream went, or why it went direct. Empty without a proxy. */
export function proxyHopFindings(o: Observation): Finding[] {
  const hop = o.proxy;
  if (hop === null) return o.proxyBypassed === null ? [] : [ok('proxy', o.proxyBypassed)];
  if (hop.mode === 'forward') {
    const via = o.headers.via;
    return [
      ok('proxy', `via ${hop.shown} (${hop.source}): absolute-form request, the proxy connects to the target${via === undefined ? '' : ` (Via: ${via})`}`),
    ];
  }
  // Refused, or never answered: proxyFailure says so.
  if (hop.connectStatus < 200 || hop.connectStatus > 299) return [];
  return [
    ok(
      'proxy',
      `via ${hop.shown} (${hop.source}): CONNECT tunnel opened in ${hop.connectMs} ms (${hop.connectStatus}${hop.connectReason === '' ? '' : ` ${hop.connectReason}`}); ${hop.inside} to the target inside it`,
    ),
  ];
}

/** A stream that got no response because of the proxy hop: its finding; null when the hop was not the cause. */
export function proxyFailure(o: Observation): Finding | null {
  const hop = o.proxy;
  if (hop === null || o.status !== 0) return null;
  if (hop.mode === 'tunnel' && hop.connectStatus >= 300) {
    return fail(
      'proxy',
      `${hop.shown} (${hop.source}) refused the tunnel: CONNECT answered ${hop.connectStatus}${hop.connectReason === '' ? '' : ` ${hop.connectReason}`}${evidenceOf(hop)}; the target was not reached`,
      proxyStatusFix(hop.connectStatus),
    );
  }
  // A failure before the tunnel opened (or, forwarded, any failure to connect) is the proxy's connection.
  if (hop.mode === 'forward' || hop.connectStatus === 0) {
    return fail(
      'proxy',
      `cannot use the proxy ${hop.shown} (${hop.source}): ${o.error ?? 'no answer'}`,
      'check the proxy address and port (--proxy, https_proxy, http_proxy), and that it listens',
    );
  }
  return null;
}

/** Why the proxy's CONNECT answer says it refused: Squid's error name, the authentication it asks for. */
function evidenceOf(hop: ProxyHop): string {
  const h = hop.connectHeaders;
  const parts = [
    h['x-squid-error'] === undefined ? '' : `X-Squid-Error: ${h['x-squid-error']}`,
    h['proxy-authenticate'] === undefined ? '' : `Proxy-Authenticate: ${h['proxy-authenticate']}`,
  ].filter((p) => p !== '');
  return parts.length === 0 ? '' : ` (${parts.join('; ')})`;
}

/** The status finding where a proxy is in the path: the proxy's own answer, or the target's through it. Null: direct. */
export function proxiedStatus(o: Observation): Finding | null {
  const hop = o.proxy;
  if (hop === null || o.status === 200) return null;
  if (o.proxyAnswer !== null) return fail('status', `${o.status} from the proxy ${hop.shown}, not the target (${o.proxyAnswer})`, proxyStatusFix(o.status));
  const how = hop.mode === 'tunnel' ? 'through the tunnel, so not the proxy' : 'passed on by the proxy: nothing marks it as its own';
  return fail('status', `${o.status} from the target (${how})`, 'an SSE endpoint answers 200; EventSource gives up on any other status');
}

/** The fix for a stream that broke mid-reply, when a proxy is a hop of the path. */
export function proxyCutFix(o: Observation): string | null {
  if (o.proxy === null) return null;
  return `the forward proxy ${o.proxy.shown} is a hop that cuts too: its idle and lifetime limits (Squid: read_timeout 15 min, client_lifetime 1 day); declare them in a scenario's expectations to have run's cut groups name it`;
}
