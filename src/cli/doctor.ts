import type { Command } from 'commander';
import { checkStream, DEFAULT_EXPECTATIONS, renderFindings } from '../doctor/checks.js';
import { probe } from '../doctor/probe.js';
import { parseDurationMs } from '../scenario/units.js';
import { collect, headerFlags, httpUrl, urlWithCredentials } from './args.js';
import { CliError, EXIT } from './exit-codes.js';

interface DoctorFlags {
  method?: string;
  header?: string[];
  data?: string;
  sentinel?: string;
  timeout: string;
  acceptEncoding: boolean;
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('open one stream and check it: status, headers, compression, HTTP version, first event, buffering, heartbeats, end — each finding with its fix')
    .argument('<url>', 'the stream URL')
    .option('-X, --method <method>', 'GET or POST (POST when --data is given)')
    .option('-H, --header <header>', '"Name: value" (repeatable)', collect)
    .option('-d, --data <body>', 'request body, e.g. an OpenAI chat request with "stream": true')
    .option('--sentinel <data>', 'the data of the last event; "" for none', '[DONE]')
    .option('--timeout <duration>', 'give up on the stream after this long', '60s')
    .option('--no-accept-encoding', 'do not offer compression (browsers offer gzip, deflate, br, so doctor does too)')
    .action(async (url: string, flags: DoctorFlags) => {
      const checked = httpUrl(url, 'doctor');
      const timeoutMs = parseDurationMs(flags.timeout);
      if (timeoutMs === null || timeoutMs <= 0) throw new CliError(`--timeout: expected a duration such as 60s, got ${flags.timeout}`, EXIT.INVALID_INPUT);
      const headers: Record<string, string> = { Accept: 'text/event-stream', 'Cache-Control': 'no-cache' };
      if (flags.acceptEncoding) headers['Accept-Encoding'] = 'gzip, deflate, br';
      Object.assign(headers, headerFlags(flags.header));
      // A user:password in the URL is sent as Basic auth, and never printed.
      const { url: target, shown } = urlWithCredentials(checked, headers, 'doctor');
      const body = flags.data ?? null;
      if (body !== null && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
      const method = (flags.method ?? (body === null ? 'GET' : 'POST')).toUpperCase();
      if (method !== 'GET' && method !== 'POST') throw new CliError(`--method: GET or POST, got ${flags.method}`, EXIT.INVALID_INPUT);
      const sentinel = flags.sentinel === '' ? null : (flags.sentinel ?? '[DONE]');

      const observation = await probe({ url: target, method, headers, body, timeoutMs, sentinel });
      const findings = checkStream(observation, { ...DEFAULT_EXPECTATIONS, sentinel });
      process.stdout.write(renderFindings(shown, findings));
      process.exitCode = findings.some((f) => f.level === 'fail') ? EXIT.CHECKS_FAILED : EXIT.OK;
    });
}
