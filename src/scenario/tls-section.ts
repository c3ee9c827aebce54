// `target.tls` (an internal CA, a client certificate, skipping verification, SNI) and
// `target.connectTo` (send the requests for a name to a chosen address, as curl's
// --resolve does: one tier, one backend, one load balancer of several).
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { isIP } from 'node:net';
import { describe, type Fields, type Path, type RawObject } from './fields.js';
import type { ConnectTo, TlsSpec } from './types.js';
import { decodeTextFile } from '../workload/decode-text.js';
import { DataFileError } from '../workload/errors.js';

const TLS_KEYS = ['ca', 'cert', 'key', 'insecure', 'servername'] as const;

/** A PEM file is small; this bounds what a wrong path (a disk image, a log) could make us read. */
const MAX_PEM_BYTES = 1024 * 1024;

/** @param baseDir where relative file names are taken from: the scenario file's folder. */
export function readTls(f: Fields, raw: unknown, baseDir: string): TlsSpec | null {
  const path: Path = ['target', 'tls'];
  const t = f.object(raw, path, TLS_KEYS);
  if (t === undefined) return null;
  const file = (key: 'ca' | 'cert' | 'key'): { file: string; pem: string } | null => pemFile(f, t, key, path, baseDir);
  const ca = file('ca');
  const cert = file('cert');
  const key = file('key');
  if ((cert === null) !== (key === null))
    f.problem([...path, cert === null ? 'cert' : 'key'], 'is required with a client certificate', 'give both cert and key (PEM files)');
  let insecure = false;
  if (t.insecure !== undefined && t.insecure !== null) {
    if (typeof t.insecure !== 'boolean') f.problem([...path, 'insecure'], `must be true or false, got ${describe(t.insecure)}`);
    else insecure = t.insecure;
  }
  const servername = f.string(t, 'servername', path, '');
  return { ca, cert, key, insecure, servername: servername === '' ? null : servername };
}

function pemFile(f: Fields, t: RawObject, key: 'ca' | 'cert' | 'key', path: Path, baseDir: string): { file: string; pem: string } | null {
  const name = f.string(t, key, path, '');
  if (name === '') return null;
  const full = isAbsolute(name) ? name : resolve(baseDir, name);
  try {
    const size = statSync(full).size;
    if (size > MAX_PEM_BYTES) {
      f.problem([...path, key], `${full} is ${size} bytes: not a PEM file (at most ${MAX_PEM_BYTES})`);
      return null;
    }
    let pem: string;
    try {
      // As every file a command reads: decoded as its BOM says (a PEM saved as UTF-16 reads too).
      pem = decodeTextFile(readFileSync(full), full);
    } catch (err) {
      if (!(err instanceof DataFileError)) throw err;
      f.problem([...path, key], err.message);
      return null;
    }
    if (!pem.includes('-----BEGIN ')) {
      f.problem([...path, key], `${full} is not PEM (no -----BEGIN line)`, 'convert it: openssl x509 -inform der -in cert.der -out cert.pem');
      return null;
    }
    return { file: full, pem };
  } catch (err) {
    f.problem(
      [...path, key],
      `cannot read ${full}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      'a path relative to the scenario file, or an absolute one',
    );
    return null;
  }
}

/** `host:port:address`, as curl --resolve takes it; null when it is not that. */
export function parseConnectTo(text: string): ConnectTo | null {
  // The address may be IPv6, with or without brackets: split at the first two colons only.
  const m = /^([^:\s]+):(\d{1,5}):\[?([^\]\s]+)\]?$/.exec(text.trim());
  if (m === null) return null;
  const port = Number(m[2]);
  const address = m[3] as string;
  if (port < 1 || port > 65535 || isIP(address) === 0) return null;
  return { host: (m[1] as string).toLowerCase(), port, address };
}

export function readConnectTo(f: Fields, raw: unknown): ConnectTo[] {
  if (raw === undefined || raw === null) return [];
  const path: Path = ['target', 'connectTo'];
  const items = Array.isArray(raw) ? raw : [raw];
  const out: ConnectTo[] = [];
  items.forEach((item, i) => {
    const parsed = typeof item === 'string' ? parseConnectTo(item) : null;
    if (parsed === null)
      f.problem(
        Array.isArray(raw) ? [...path, i] : path,
        `must be host:port:address, got ${describe(item)}`,
        'e.g. chat.example.com:443:10.0.0.12, as curl --resolve',
      );
    else out.push(parsed);
  });
  return out;
}
