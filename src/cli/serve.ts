import type { Command } from 'commander';
import { DEFAULT_KNOBS, KNOB_SPECS, parseKnob, type TargetKnobs } from '../target/knobs.js';
import { startTarget } from '../target/server.js';
import { CliError, EXIT } from './exit-codes.js';

const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export function registerServe(program: Command): void {
  const cmd = program
    .command('serve')
    .description('start the built-in target: an AI-style token streamer (knobs below are defaults; per-request query parameters override them)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 = any free port)', '8080')
    .option('--cors <origin>', 'Access-Control-Allow-Origin sent with every answer, so pages on other origins can stream', '*')
    .option('--no-cors', 'send no CORS headers')
    .option('--quiet', 'print nothing once listening');
  for (const [name, spec] of Object.entries(KNOB_SPECS)) {
    cmd.option(`--${kebab(name)} <value>`, `${spec.help} (default ${JSON.stringify(DEFAULT_KNOBS[spec.field])}; query ?${name}=)`);
  }
  cmd.action(async (opts: Record<string, string | boolean | undefined>) => {
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
    let target;
    try {
      target = await startTarget({ host: String(opts.host), port, knobs, cors: typeof opts.cors === 'string' ? opts.cors : null });
    } catch (err) {
      throw new CliError(`cannot listen on ${opts.host}:${port}: ${(err as Error).message}`, EXIT.CANNOT_START);
    }
    if (process.send !== undefined) {
      // Started by `run` as a child: report the address, and go when the parent goes.
      process.send({ type: 'ready', origin: target.origin });
      process.on('disconnect', () => void target.close().then(() => process.exit(0)));
    }
    if (!opts.quiet) {
      process.stdout.write(`sse-soak target listening on ${target.streamUrl} (also /v1/chat/completions, /v1/messages, /healthz)\n`);
      process.stdout.write(`try: curl -N '${target.streamUrl}?tokens=10&tokenInterval=200ms'\n`);
    }
    const shutdown = (): void => void target.close().then(() => process.exit(0));
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
}
