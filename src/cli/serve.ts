import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_KNOBS, KNOB_SPECS, parseKnob, type TargetKnobs } from '../target/knobs.js';
import { CliError, EXIT } from '../util/exit-codes.js';
import { carryNiceToOwnAutogroup } from '../util/session-priority.js';
import { decodeTextFile } from '../workload/decode-text.js';
import { DataFileError } from '../workload/errors.js';

const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export function registerServe(program: Command): void {
  const cmd = program
    .command('serve')
    .description('start the built-in target: an AI-style token streamer (knobs below are defaults; per-request query parameters override them)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 = any free port)', '8080')
    .option('--cors <origin>', 'Access-Control-Allow-Origin sent with every answer, so pages on other origins can stream', '*')
    .option('--no-cors', 'send no CORS headers')
    .option('--http2', 'speak HTTP/2: h2c (prior knowledge) in cleartext; with --tls-cert, ALPN offers h2 and http/1.1')
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM, with --tls-key); HTTP/1.1 only unless --http2')
    .option('--tls-key <file>', "the certificate's private key (PEM)")
    .option('--quiet', 'print nothing once listening');
  for (const [name, spec] of Object.entries(KNOB_SPECS)) {
    cmd.option(`--${kebab(name)} <value>`, `${spec.help} (default ${JSON.stringify(DEFAULT_KNOBS[spec.field])}; query ?${name}=)`);
  }
  cmd.action(async (opts: Record<string, string | boolean | undefined>) => {
    // Started by a niced `run` in a session of its own: stay niced (src/util/session-priority.ts).
    carryNiceToOwnAutogroup();
    const knobs: Partial<TargetKnobs> = {};
    for (const [name, spec] of Object.entries(KNOB_SPECS)) {
      const raw = opts[name];
      if (raw === undefined) continue;
      const parsed = parseKnob(name, raw);
      if ('error' in parsed) throw new CliError(`--${kebab(name)}: ${parsed.error}`, EXIT.INVALID_INPUT);
      (knobs as Record<string, unknown>)[spec.field] = parsed.value;
    }
    const port = Number(opts.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port: expected 0..65535, got ${opts.port}`, EXIT.INVALID_INPUT);
    const tls = readTlsFiles(opts.tlsCert, opts.tlsKey);
    const http2 = opts.http2 === true;
    let target;
    try {
      // Loaded here, not at the top: every command starts faster for not loading what the others need.
      const { startTarget } = await import('../target/server.js');
      target = await startTarget({
        host: String(opts.host),
        port,
        knobs,
        cors: typeof opts.cors === 'string' ? opts.cors : null,
        http2,
        ...(tls === null ? {} : { tls }),
      });
    } catch (err) {
      throw new CliError(`cannot listen on ${opts.host}:${port}: ${(err as Error).message}`, EXIT.CANNOT_START);
    }
    if (process.send !== undefined) {
      // Started by `run` as a child: report the address, and go when the parent goes.
      process.send({ type: 'ready', origin: target.origin });
      process.on('disconnect', () => void target.close().then(() => process.exit(0)));
    }
    if (!opts.quiet) {
      const protocol = http2 ? (tls === null ? 'HTTP/2 (h2c, prior knowledge)' : 'HTTP/2 and HTTP/1.1 (ALPN)') : 'HTTP/1.1';
      const curl = http2 && tls === null ? 'curl --http2-prior-knowledge -N' : tls === null ? 'curl -N' : 'curl -N --cacert CA.pem';
      process.stdout.write(
        `sse-soak target listening on ${target.streamUrl} over ${protocol} (also /v1/chat/completions, /v1/messages, /v1/responses, /stats, /healthz)\n`,
      );
      process.stdout.write(`try: ${curl} '${target.streamUrl}?tokens=10&tokenInterval=200ms'\n`);
    }
    const shutdown = (): void => void target.close().then(() => process.exit(0));
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
}

/** The PEM texts of --tls-cert and --tls-key (both or neither), or null for cleartext. */
function readTlsFiles(cert: unknown, key: unknown): { cert: string; key: string } | null {
  if (cert === undefined && key === undefined) return null;
  if (typeof cert !== 'string' || typeof key !== 'string')
    throw new CliError('--tls-cert and --tls-key go together: HTTPS needs the certificate and its key', EXIT.INVALID_INPUT);
  const read = (flag: string, file: string): string => {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      throw new CliError(`${flag}: cannot read ${file}: ${(err as Error).message}`, EXIT.INVALID_INPUT);
    }
    try {
      // Decoded as its BOM says, as every file a command reads.
      return decodeTextFile(bytes, file);
    } catch (err) {
      if (err instanceof DataFileError) throw new CliError(`${flag}: ${err.message}`, EXIT.INVALID_INPUT);
      throw err;
    }
  };
  return { cert: read('--tls-cert', cert), key: read('--tls-key', key) };
}
