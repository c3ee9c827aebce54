// What a request may carry, checked before a run: header names and values that the
// HTTP client would refuse (or that would split a request in two), a user:password
// in a URL (sent as Basic auth, never shown), and where ${VAR} templates expand.

/**
 * Headers the harness may not set itself: the HTTP client manages the connection and the
 * framing of the body, and undici refuses a request that sets them (each stream would fail).
 */
const MANAGED_HEADERS: Record<string, string> = {
  connection: 'the HTTP client manages connections',
  'keep-alive': 'the HTTP client manages connections',
  'transfer-encoding': 'the HTTP client frames the body',
  'content-length': 'the HTTP client sets it from the body',
  upgrade: 'a stream is a plain HTTP response',
  expect: 'the HTTP client does not support Expect',
};

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Why a header name cannot be sent, or null. */
export function headerNameProblem(name: string): string | null {
  if (!TOKEN.test(name)) return "is not a valid header name (letters, digits and !#$%&'*+.^_`|~- only)";
  const managed = MANAGED_HEADERS[name.toLowerCase()];
  return managed === undefined ? null : `cannot be set: ${managed}`;
}

/**
 * Why a header value cannot be sent, or null. HTTP allows tab, visible ASCII and bytes
 * 0x80-0xFF (as Node's and undici's own checks do); a CR or LF would end the header and
 * start another, so it must never reach the wire.
 */
export function headerValueProblem(value: string): string | null {
  const m = /[^\t\x20-\x7e\x80-\xff]/.exec(value);
  if (m === null) return null;
  const c = m[0];
  const code = `U+${(c.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}`;
  if (c === '\r' || c === '\n') return `contains a line break (${c === '\r' ? 'CR' : 'LF'}), which would end the header and start another`;
  if (c < ' ' || c === '\x7f') return `contains the control character ${code}`;
  return `contains ${JSON.stringify(c)} (${code}): header values are limited to Latin-1 text; percent-encode it or send it in the body`;
}

/**
 * Takes a user:password out of a URL (changing `url`) and returns the `Authorization: Basic`
 * value it stands for (percent-decoded, UTF-8), or null when the URL has none. undici
 * would drop it silently, and it would be shown wherever the URL is.
 */
export function takeCredentials(url: URL): string | null {
  if (url.username === '' && url.password === '') return null;
  const credentials = `${decode(url.username)}:${decode(url.password)}`;
  url.username = '';
  url.password = '';
  return `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a stray % the URL parser kept as written
  }
}

/**
 * A URL as written (it may hold ${VAR} templates), with its user:password hidden:
 * http://user:[redacted]@host/…, or http://[redacted]@host/… for a user name alone
 * (often a token).
 */
export function redactUrl(text: string): string {
  return text.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#]*)@/, (_, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return `${scheme}${colon < 0 ? '[redacted]' : `${userinfo.slice(0, colon)}:[redacted]`}@`;
  });
}

/** ${NAME} and ${NAME:-default}. */
export const TEMPLATE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
