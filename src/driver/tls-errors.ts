// TLS errors (certificates, ALPN), named with what to do about them: in run's summary and in doctor.

const UNTRUSTED = new Set([
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
]);

/** What a certificate error means and how to get past it; null for other codes. */
export function certificateAdvice(code: string): string | null {
  if (UNTRUSTED.has(code)) {
    return "the target's certificate comes from a CA this machine does not trust (an internal CA?): give it with target.tls.ca (doctor --cacert), or NODE_EXTRA_CA_CERTS=ca.pem; target.tls.insecure: true skips the check, for a test path only";
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return 'the certificate is not for the name in the URL: use the name it was made for, with target.connectTo (--resolve host:port:address) to reach an address, or target.tls.servername';
  }
  if (code === 'ERR_ALPN_NO_H2' || code === 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL') {
    return 'the server does not speak HTTP/2 over TLS (ALPN): target.http: auto (or run --http auto) takes what it offers, as a browser does';
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return "the certificate's validity does not cover now: renew it, or check this machine's clock";
  return null;
}
