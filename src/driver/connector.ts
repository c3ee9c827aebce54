// How sse-soak opens a connection: TCP, then TLS for https, with ALPN offering the HTTP
// versions the scenario allows. Written here rather than taken from undici's
// buildConnector so that TCP connect and the TLS handshake are timed apart (the issue a
// slow handshake is, e.g. an RSA key under load, is not the one a slow accept queue is),
// and so that ALPN offers exactly what `target.http` says.
import { connect as netConnect, isIP, type NetConnectOpts, type Socket } from 'node:net';
import { connect as tlsConnect, createSecureContext, rootCertificates, type ConnectionOptions, type SecureContext, type TLSSocket } from 'node:tls';
import type { buildConnector } from 'undici';
import type { HttpMode, Scenario, TlsSpec } from '../scenario/types.js';
import { proxyFor, type ProxySpec } from '../proxy/settings.js';
import { connectAuthority, openTunnel } from '../proxy/tunnel.js';
import { errorCode, isTlsAlert } from './classify.js';
import { nowUs } from '../util/clock.js';

/** When a connection began, finished its TCP connect, and was ready for requests (µs, monotonic). */
export interface ConnectStamp {
  startUs: number;
  tcpUs: number;
  endUs: number;
}

/** tls.connect options from the scenario; none for Node's defaults. */
function tlsOptions(tls: TlsSpec | null): { ca?: string[]; cert?: string; key?: string; rejectUnauthorized?: boolean; servername?: string } {
  if (tls === null) return {};
  return {
    // Added to Node's CAs (as NODE_EXTRA_CA_CERTS does), so public names still verify.
    ...(tls.ca === null ? {} : { ca: [...rootCertificates, tls.ca.pem] }),
    ...(tls.cert === null ? {} : { cert: tls.cert.pem }),
    ...(tls.key === null ? {} : { key: tls.key.pem }),
    ...(tls.insecure ? { rejectUnauthorized: false } : {}),
    ...(tls.servername === null ? {} : { servername: tls.servername }),
  };
}

/** ALPN as browsers send it for `auto`; one protocol for a fixed version. */
function alpnFor(mode: HttpMode): string[] {
  return mode === '2' ? ['h2'] : mode === '1.1' ? ['http/1.1'] : ['h2', 'http/1.1'];
}

/** An error with a code, as Node's and undici's errors carry one (classify.ts reads it). */
export function codedError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

export interface ConnectorOptions {
  timeoutMs: number;
  tls: TlsSpec | null;
  /** The protocols ALPN offers over TLS; the first must be chosen when `require` says so. */
  alpn: string[];
  /** Refuse a TLS connection whose server chose another protocol than h2 (`target.http: 2`). */
  requireH2: boolean;
  /** In cleartext: speak h2 from the first byte (prior knowledge, as curl --http2-prior-knowledge). */
  h2c: boolean;
  /** host:port → the address to connect to instead (curl --resolve). */
  resolveTo: ReadonlyMap<string, string>;
  /** Local addresses new connections take in turn (empty: the OS picks). */
  sourceAddresses: readonly string[];
  /** The forward proxy, if any (proxy/settings.ts decides per target). */
  proxy: ProxySpec | null;
}

export function connectorOptions(scenario: Scenario, mode: HttpMode, alpn = alpnFor(mode)): ConnectorOptions {
  const t = scenario.target;
  return {
    timeoutMs: t.connectTimeoutMs,
    tls: t.tls,
    alpn,
    requireH2: mode === '2',
    h2c: mode === '2',
    resolveTo: new Map(t.connectTo.map((c) => [`${c.host}:${c.port}`, c.address])),
    sourceAddresses: t.sourceAddresses,
    proxy: t.proxy,
  };
}

/** The first TLS alert each connection's server sent after the handshake, by socket (see tlsAlertOf). */
const tlsAlerts = new WeakMap<Socket, string>();

/**
 * The TLS alert the server sent on this connection after the client's side of the handshake
 * ended (TLS 1.3: a client certificate refused, alert 116), or null. undici replaces it with
 * the close that follows ("other side closed"), so the connector keeps it.
 */
export function tlsAlertOf(socket: Socket | null): string | null {
  return socket === null ? null : (tlsAlerts.get(socket) ?? null);
}

const contexts = new WeakMap<object, SecureContext>();
const NO_TLS_SETTINGS = {};

/**
 * One SecureContext per TLS setting, made when the connector is (before a run's clock starts):
 * made per connection from a CA list (Node's roots and the scenario's CA) it costs 10–20 ms
 * of CPU each, which showed as schedule lag and connect time in a run.
 */
function sharedSecureContext(spec: TlsSpec | null): SecureContext {
  const key = spec ?? NO_TLS_SETTINGS;
  let context = contexts.get(key);
  if (context === undefined) {
    const tls = tlsOptions(spec);
    context = createSecureContext({
      ...(tls.ca === undefined ? {} : { ca: tls.ca }),
      ...(tls.cert === undefined ? {} : { cert: tls.cert }),
      ...(tls.key === undefined ? {} : { key: tls.key }),
    });
    contexts.set(key, context);
  }
  return context;
}

/** TLS sessions kept for resumption, by server name and port (as browsers and undici resume). */
const MAX_TLS_SESSIONS = 100;

/**
 * A connect function for undici: `onConnected` hears of every connection made, with its
 * timing, before undici gets it.
 *
 * Through a forward proxy (options.proxy): an https target (or h2c, prior knowledge, which no
 * proxy forwards) gets a CONNECT tunnel, and TLS with ALPN inside it, so HTTP/2 is negotiated
 * with the target as it would be direct; an http target gets a connection to the proxy, and the
 * transport sends it absolute-form requests (proxy/forward.ts). The proxy resolves the target's
 * name: connectTo (curl --resolve) applies to the proxy's host:port, as curl's does.
 * The stamp's TCP time is then until the tunnel is open (TCP to the proxy, and its CONNECT).
 */
export function makeConnector(options: ConnectorOptions, onConnected: (socket: Socket, stamp: ConnectStamp) => void): buildConnector.connector {
  const tls = tlsOptions(options.tls);
  const secureContext = sharedSecureContext(options.tls);
  const sessions = new Map<string, Buffer>();
  let nextSource = 0;
  return (params, callback) => {
    const startUs = nowUs();
    const https = params.protocol === 'https:';
    const port = Number(params.port) || (https ? 443 : 80);
    // undici gives an IPv6 literal without its brackets here.
    const hostname = params.hostname;
    const via = proxyFor(options.proxy, params.protocol, hostname, port);
    const tunnel = via !== null && (https || options.h2c);
    const dialHost = via === null ? hostname : via.hostname;
    const dialPort = via === null ? port : via.port;
    const address = options.resolveTo.get(`${dialHost.toLowerCase()}:${dialPort}`) ?? dialHost;
    const sources = options.sourceAddresses;
    const localAddress = sources.length === 0 ? (params.localAddress ?? undefined) : sources[nextSource++ % sources.length];
    // SNI carries a name, never an address (RFC 6066 §3); the certificate is checked against it.
    const servername = tls.servername ?? (isIP(hostname) === 0 ? hostname : undefined);
    const sessionKey = `${servername ?? hostname}:${port}`;
    /** TLS to the target: over TCP of its own, or inside a tunnel (`over`). */
    const startTls = (over: Socket | null): TLSSocket => {
      // highWaterMark: as undici's connector (a TLS record is at most 16 KiB).
      const opts = {
        secureContext,
        servername,
        ALPNProtocols: options.alpn,
        highWaterMark: 16384,
        ...(tls.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
      } as ConnectionOptions;
      if (over === null) Object.assign(opts, { host: address, port, ...(localAddress === undefined ? {} : { localAddress }) });
      else opts.socket = over;
      const session = sessions.get(sessionKey);
      if (session !== undefined) opts.session = session;
      const secure = tlsConnect(opts);
      secure.on('session', (s: Buffer) => {
        if (!sessions.has(sessionKey) && sessions.size >= MAX_TLS_SESSIONS) sessions.delete(sessions.keys().next().value as string);
        sessions.set(sessionKey, s);
      });
      secure.once('secureConnect', onSecure);
      secure.once('error', settle);
      return secure;
    };
    // The socket undici gets, and the TCP connection under it (the same one, but over a tunnel).
    let raw: Socket;
    let socket: Socket;
    if (https && via === null) {
      socket = raw = startTls(null);
    } else {
      socket = raw = netConnect({
        host: address,
        port: dialPort,
        ...(localAddress === undefined ? {} : { localAddress }),
        highWaterMark: 64 * 1024,
      } as NetConnectOpts);
    }
    raw.setNoDelay(true);
    raw.setKeepAlive(true, 60_000);
    let tcpUs = 0;
    let settled = false;
    function settle(err: Error | null): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      raw.removeListener('error', settle);
      socket.removeListener('error', settle);
      if (err !== null) {
        socket.destroy();
        raw.destroy();
        callback(err, null);
        return;
      }
      if (https) {
        socket.on('error', (e: Error) => {
          const code = errorCode(e);
          if (isTlsAlert(code) && !tlsAlerts.has(socket)) tlsAlerts.set(socket, code);
        });
      }
      // In cleartext the connection is ready when TCP (or the tunnel) is: no handshake time.
      const stamp = { startUs, tcpUs, endUs: https ? nowUs() : tcpUs };
      onConnected(socket, stamp);
      callback(null, socket);
    }
    function onSecure(): void {
      const chosen = (socket as TLSSocket).alpnProtocol;
      if (options.requireH2 && chosen !== 'h2') {
        settle(
          codedError(
            'ERR_ALPN_NO_H2',
            `the server did not agree to HTTP/2 (ALPN: ${chosen === false ? 'none chosen' : chosen}); target.http: auto or 1.1 takes what it offers`,
          ),
        );
        return;
      }
      settle(null);
    }
    const cleartextReady = (): void => {
      // undici reads the protocol from the socket: h2 without ALPN is prior knowledge.
      if (options.h2c) (socket as Socket & { alpnProtocol?: string }).alpnProtocol = 'h2';
      settle(null);
    };
    const what = via === null ? `${address}:${port}` : `the proxy ${address}:${dialPort}`;
    const timer = setTimeout(
      () => settle(codedError('UND_ERR_CONNECT_TIMEOUT', `Connect Timeout Error (attempted address: ${what}, timeout: ${options.timeoutMs}ms)`)),
      options.timeoutMs,
    );
    raw.once('error', settle);
    raw.once('connect', () => {
      tcpUs = nowUs();
      if (https && via === null) return;
      if (!tunnel || via === null) {
        cleartextReady();
        return;
      }
      openTunnel(raw, connectAuthority(hostname, port), via.authorization).then(
        () => {
          if (settled) return;
          tcpUs = nowUs();
          if (https) socket = startTls(raw);
          else cleartextReady();
        },
        (err: Error) => settle(err),
      );
    });
  };
}

/**
 * The protocol a TLS server chooses when offered `alpn` ('h2', 'http/1.1', or '' where it
 * chose none), or an Error when no TLS connection could be made. One connection, closed at once.
 */
export function probeAlpn(origin: URL, options: ConnectorOptions): Promise<string | Error> {
  return new Promise((resolve) => {
    const connect = makeConnector({ ...options, requireH2: false }, () => undefined);
    connect({ hostname: origin.hostname.replace(/^\[|\]$/g, ''), host: origin.host, protocol: origin.protocol, port: origin.port }, (err, socket) => {
      if (err !== null || socket === null) {
        resolve(err ?? new Error('connect failed'));
        return;
      }
      const chosen = (socket as TLSSocket).alpnProtocol;
      socket.destroy();
      resolve(typeof chosen === 'string' ? chosen : '');
    });
  });
}
