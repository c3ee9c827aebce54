// An http:// target through a forward proxy: the request goes to the proxy in absolute form
// (`GET http://target:8080/stream HTTP/1.1`, RFC 9112 §3.2.2), with Proxy-Authorization, and
// the proxy connects to the target. undici keeps the target's origin (its connections are
// per target, its Host header names the target); the connector dials the proxy instead.
// https:// targets, and h2c, are tunnelled instead (driver/connector.ts).
import type { Dispatcher } from 'undici';
import { proxyForUrl, type ProxyEndpoint, type ProxySpec } from './settings.js';

/** The request target and headers an http:// request carries to the proxy `via`. */
export function absoluteForm(
  origin: string,
  path: string,
  headers: Record<string, string>,
  via: ProxyEndpoint,
): { path: string; headers: Record<string, string> } {
  const out = via.authorization === null ? headers : { ...headers, 'Proxy-Authorization': via.authorization };
  return { path: `${origin}${path}`, headers: out };
}

/** Whether requests to this URL go to the proxy in absolute form (http:// through a proxy, not h2c). */
export function forwardedVia(spec: ProxySpec | null, url: URL, h2c: boolean): ProxyEndpoint | null {
  if (url.protocol !== 'http:' || h2c) return null;
  return proxyForUrl(spec, url);
}

/**
 * An undici interceptor (dispatcher.compose) that sends http:// requests through the proxy in
 * absolute form; the dispatcher's connector must dial the proxy (makeConnector with the same spec).
 */
export function forwardInterceptor(spec: ProxySpec | null): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (opts, handler) => {
    const origin = String(opts.origin);
    const via = forwardedVia(spec, new URL(origin), false);
    if (via === null) return dispatch(opts, handler);
    const headers = (opts.headers ?? {}) as Record<string, string>;
    const { path, headers: sent } = absoluteForm(new URL(origin).origin, opts.path, headers, via);
    return dispatch({ ...opts, path, headers: sent }, handler);
  };
}
