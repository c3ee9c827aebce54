// TLS errors (certificates, ALPN, alerts the server sent), named with what to do about them: in run's summary and in doctor.
// One table, so that docs/troubleshooting.md can be checked against it (test/docs/drift.test.ts).

const UNTRUSTED_ADVICE =
  "the target's certificate comes from a CA this machine does not trust (an internal CA?): give it with target.tls.ca (doctor --cacert), or NODE_EXTRA_CA_CERTS=ca.pem; target.tls.insecure: true skips the check, for a test path only";
const NO_H2_ADVICE = 'the server does not speak HTTP/2 over TLS (ALPN): target.http: auto (or run --http auto) takes what it offers, as a browser does';
const VALIDITY_ADVICE = "the certificate's validity does not cover now: renew it, or check this machine's clock";
/** A TLS alert the server sent about the client's certificate: mutual TLS. */
const CLIENT_CERT_ADVICE = (alert: string): string =>
  `the server refused the client certificate (TLS alert ${alert}): check that target.tls.cert (doctor --cert) is signed by a CA the server trusts, is meant for client authentication, and is valid now`;

/** Error code → what it means and how to get past it. */
const TLS_ADVICE: ReadonlyMap<string, string> = new Map([
  ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', UNTRUSTED_ADVICE],
  ['UNABLE_TO_GET_ISSUER_CERT', UNTRUSTED_ADVICE],
  ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', UNTRUSTED_ADVICE],
  ['SELF_SIGNED_CERT_IN_CHAIN', UNTRUSTED_ADVICE],
  ['DEPTH_ZERO_SELF_SIGNED_CERT', UNTRUSTED_ADVICE],
  [
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'the certificate is not for the name in the URL: use the name it was made for, with target.connectTo (--resolve host:port:address) to reach an address, or target.tls.servername',
  ],
  ['ERR_ALPN_NO_H2', NO_H2_ADVICE],
  ['ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL', NO_H2_ADVICE],
  ['CERT_HAS_EXPIRED', VALIDITY_ADVICE],
  ['CERT_NOT_YET_VALID', VALIDITY_ADVICE],
  // Alerts the server sent, by OpenSSL's name: the TLS connection was refused, not a reply cut.
  [
    'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
    'the server requires a client certificate (mutual TLS; TLS alert 116, certificate required): give one with target.tls.cert and target.tls.key (doctor --cert and --key)',
  ],
  [
    'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
    'the server refused the TLS handshake (alert 40, handshake failure): over TLS 1.2 most often a client certificate it requires (give one with target.tls.cert and target.tls.key, doctor --cert and --key), else no TLS version or cipher in common',
  ],
  ['ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', CLIENT_CERT_ADVICE('42, bad certificate')],
  ['ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED', CLIENT_CERT_ADVICE('45, certificate expired')],
  ['ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN', CLIENT_CERT_ADVICE('46, certificate unknown')],
  ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', CLIENT_CERT_ADVICE('48, unknown CA')],
  ['ERR_SSL_TLSV1_ALERT_ACCESS_DENIED', CLIENT_CERT_ADVICE('49, access denied')],
]);

/** The error codes that get advice, in the table's order. */
export const TLS_ERROR_CODES: readonly string[] = [...TLS_ADVICE.keys()];

/** What a certificate error means and how to get past it; null for other codes. */
export function certificateAdvice(code: string): string | null {
  return TLS_ADVICE.get(code) ?? null;
}
