// The bypass list of a forward proxy (NO_PROXY, target.noProxy): which targets go direct.
// Read as curl reads no_proxy (https://curl.se/libcurl/c/CURLOPT_NOPROXY.html), plus a port:
//   *                  every host
//   example.com        example.com and every name under it (.example.com and *.example.com alike)
//   example.com:8443   the same, on that port only
//   10.0.0.0/8, fd00::/8, 192.168.1.7, [::1]:8080
//                      an IP address, or a range (CIDR), matched against a URL whose host is an
//                      address: names are never resolved to decide (as curl, Go and undici)
// Entries are separated by commas or white space; case does not matter.
import { isIP } from 'node:net';

export type NoProxyEntry =
  | { kind: 'all' }
  /** A name and every name under it. port 0: any port. */
  | { kind: 'name'; name: string; port: number }
  /** An address range: the first `bits` bits of `bytes` (4 or 16 bytes). port 0: any port. */
  | { kind: 'address'; bytes: number[]; bits: number; port: number };

export interface NoProxyList {
  entries: NoProxyEntry[];
  /** As given (for reports). */
  text: string;
}

/** The list, and what could not be read in it (each problem names its entry). */
export function parseNoProxy(text: string): { list: NoProxyList; problems: string[] } {
  const entries: NoProxyEntry[] = [];
  const problems: string[] = [];
  for (const raw of text.split(/[\s,]+/)) {
    const item = raw.trim().toLowerCase();
    if (item === '') continue;
    const entry = parseEntry(item);
    if (entry === null) problems.push(`${JSON.stringify(raw)} is not a host name, host:port, address, CIDR range or *`);
    else entries.push(entry);
  }
  return { list: { entries, text: text.trim() }, problems };
}

function parseEntry(item: string): NoProxyEntry | null {
  if (item === '*') return { kind: 'all' };
  // [v6]:port, [v6], v6/bits, v4:port, name:port, name
  let host = item;
  let port = 0;
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(item);
  if (bracketed !== null) {
    host = bracketed[1] as string;
    port = bracketed[2] === undefined ? 0 : Number(bracketed[2]);
  } else if (isIP(item.split('/')[0] as string) !== 6) {
    const colon = /^(.*):(\d{1,5})$/.exec(item);
    if (colon !== null) {
      host = colon[1] as string;
      port = Number(colon[2]);
    }
  }
  if (port > 65535) return null;
  const slash = host.indexOf('/');
  const address = slash < 0 ? host : host.slice(0, slash);
  const family = isIP(address);
  if (family !== 0) {
    const bytes = addressBytes(address);
    const max = family === 4 ? 32 : 128;
    const bits = slash < 0 ? max : Number(host.slice(slash + 1));
    if (bytes === null || !Number.isInteger(bits) || bits < 0 || bits > max || (slash >= 0 && !/^\d{1,3}$/.test(host.slice(slash + 1)))) return null;
    return { kind: 'address', bytes, bits, port };
  }
  // A leading dot, or *., means the same as the name alone: the name and every name under it.
  const name = host.replace(/^\*?\./, '').replace(/\.$/, '');
  if (name === '' || !/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(name)) return null;
  return { kind: 'name', name, port };
}

/**
 * Whether a target goes direct.
 * @param hostname the URL's host (IPv6 with or without its brackets)
 * @param port the URL's port, or its scheme's default
 */
export function bypasses(list: NoProxyList, hostname: string, port: number): boolean {
  const host = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  const bytes = isIP(host) === 0 ? null : addressBytes(host);
  for (const e of list.entries) {
    if (e.kind === 'all') return true;
    if (e.port !== 0 && e.port !== port) continue;
    if (e.kind === 'name') {
      if (bytes === null && (host === e.name || host.endsWith(`.${e.name}`))) return true;
    } else if (bytes !== null && inRange(bytes, e.bytes, e.bits)) {
      return true;
    }
  }
  return false;
}

/** Loopback: localhost (and names under it, RFC 6761), 127.0.0.0/8, ::1, and ::ffff:127.0.0.0/104. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const bytes = isIP(host) === 0 ? null : addressBytes(host);
  if (bytes === null) return false;
  if (bytes.length === 4) return bytes[0] === 127;
  return inRange(bytes, LOOPBACK_V6, 128) || inRange(bytes, MAPPED_LOOPBACK, 104);
}

const LOOPBACK_V6 = [...Array<number>(15).fill(0), 1];
const MAPPED_LOOPBACK = [...Array<number>(10).fill(0), 255, 255, 127, 0, 0, 0];

/** An IPv4 address as 4 bytes, IPv6 as 16 (an IPv4-mapped IPv6 address stays 16); null if neither. */
export function addressBytes(address: string): number[] | null {
  if (isIP(address) === 4) return address.split('.').map(Number);
  if (isIP(address) !== 6) return null;
  let text = address;
  // A dotted IPv4 tail (::ffff:10.0.0.1) is two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted !== null) {
    const v4 = (dotted[1] as string).split('.').map(Number);
    text = `${text.slice(0, dotted.index)}${((v4[0] as number) * 256 + (v4[1] as number)).toString(16)}:${((v4[2] as number) * 256 + (v4[3] as number)).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const groups = (part: string | undefined): number[] => (part === undefined || part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = groups(head);
  const right = groups(tail);
  const all = tail === undefined ? left : [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
  return all.flatMap((g) => [g >> 8, g & 255]);
}

function inRange(bytes: readonly number[], base: readonly number[], bits: number): boolean {
  if (bytes.length !== base.length) return false;
  for (let i = 0; i < bits; i += 8) {
    const take = Math.min(8, bits - i);
    const mask = (0xff << (8 - take)) & 0xff;
    if ((((bytes[i / 8] as number) ^ (base[i / 8] as number)) & mask) !== 0) return false;
  }
  return true;
}
