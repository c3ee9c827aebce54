// Bad or secret input, end to end (issue 10): credentials and ${VAR} reach the request
// and no report; alias bombs, huge files, CR/LF headers and long names are refused by
// `validate` and `run` with exit code 2, in bounded memory; --target keeps its URL.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI, cli, noStack, tempDir } from '../helpers/cli.js';

interface Captured {
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

// A loopback SSE endpoint that keeps what each request carried.
let server: Server;
let origin = '';
const captured: Captured[] = [];
before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (captured.length < 1000) captured.push({ url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.end('data: one\n\ndata: two\n\ndata: [DONE]\n\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

/** Every file of a report folder, and the console output, must not hold any of the secrets. */
function assertNowhere(dir: string, output: string, secrets: string[]): void {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  assert.ok(files.some((f) => f.name === 'summary.json') && files.some((f) => f.name === 'report.html') && files.some((f) => f.name === 'summary.txt'));
  for (const f of files) {
    const text = readFileSync(join(f.parentPath, f.name), 'utf8');
    for (const secret of secrets) assert.ok(!text.includes(secret), `${f.name} holds ${secret}`);
  }
  for (const secret of secrets) assert.ok(!output.includes(secret), `the console shows ${secret}:\n${output}`);
}

test("a password in the scenario's URL and ${VAR} in the body: sent as Basic auth and the expanded body, shown nowhere", async () => {
  const dir = tempDir();
  const port = new URL(origin).port;
  writeFileSync(
    join(dir, 's.yaml'),
    `name: secrets
target:
  url: http://alice:s3cr3t-pw@127.0.0.1:${port}/v1/chat?team=a
  body: { model: m, stream: true, key: "\${SECRET_TOKEN}", messages: [{ role: user, content: "hi \${SECRET_TOKEN}" }] }
load: { sessions: 1, duration: 1s, thinkTime: 200ms }
`,
  );
  captured.length = 0;
  const out = join(dir, 'out');
  const r = await cli(['run', join(dir, 's.yaml'), '--out', out], { env: { SECRET_TOKEN: 'tok-xyz-987' } });
  assert.equal(r.code, 0, r.stderr);
  noStack(r.stderr);
  const first = captured[0];
  assert.ok(first !== undefined, 'the target got a request');
  assert.equal(first.headers.authorization, `Basic ${Buffer.from('alice:s3cr3t-pw').toString('base64')}`);
  assert.equal(first.url, '/v1/chat?team=a');
  assert.deepEqual(JSON.parse(first.body), { model: 'm', stream: true, key: 'tok-xyz-987', messages: [{ role: 'user', content: 'hi tok-xyz-987' }] });
  assert.match(r.stdout, /against http:\/\/alice:\[redacted\]@127\.0\.0\.1/);
  assertNowhere(out, r.stdout + r.stderr, ['s3cr3t-pw', 'tok-xyz-987', Buffer.from('alice:s3cr3t-pw').toString('base64')]);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  const v = summary.settings.target.variants[0];
  assert.equal(v.body.bytes, Buffer.byteLength(first.body));
  assert.match(v.body.sha256, /^[0-9a-f]{64}$/);
  assert.equal(v.body.text, undefined, 'the body itself only when the scenario asks');
  assert.equal(v.headers.Authorization, 'Basic [redacted: from the URL]');
});

test('--target with a password on a scenario for the built-in target: Basic auth, no knobs added to the URL, a notice', async () => {
  const dir = tempDir();
  const quickstart = fileURLToPath(new URL('../../../scenarios/quickstart.yaml', import.meta.url));
  captured.length = 0;
  const out = join(dir, 'out');
  const target = `http://bob:hunter2-pw@${origin.slice('http://'.length)}/stream?tokens=7&sig=a%2Fb`;
  const r = await cli(['run', quickstart, '--target', target, '--duration', '1s', '--out', out], { env: { API_KEY: 'k-not-shown' } });
  assert.equal(r.code, 0, r.stderr);
  noStack(r.stderr);
  assert.ok(captured.length > 0);
  // The scenario's own Authorization header wins over the URL's credentials, and a notice says so.
  assert.match(r.stderr, /note: --target: the scenario's Authorization header is sent; the user:password in --target is not used/);
  assert.ok(captured.every((c) => c.headers.authorization === 'Bearer k-not-shown'));
  assert.ok(
    captured.every((c) => c.url === '/stream?tokens=7&sig=a%2Fb'),
    `the URL as given: ${captured[0]?.url}`,
  );
  assert.match(
    r.stderr,
    /note: the built-in target's knobs \(target\.builtin: firstTokenDelay, tokenInterval, tokens, tokensSpread\) are not sent to http:\/\/bob:\[redacted\]@127\.0\.0\.1:\d+\/stream\?tokens=7&sig=a%2Fb: it is not the built-in target\. If it is `sse-soak serve` \(e\.g\. behind a gateway\), set target\.sendKnobs: true/,
  );
  assertNowhere(out, r.stdout + r.stderr, ['hunter2-pw', 'k-not-shown']);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.deepEqual(summary.settings.target.variants[0].knobs, {}, 'the summary names no knob that was not sent');

  // Without a header of the scenario's, the --target credentials are sent.
  writeFileSync(join(dir, 'plain.yaml'), 'load: { sessions: 1, duration: 1s, thinkTime: 200ms }\n');
  captured.length = 0;
  const out2 = join(dir, 'out2');
  const r2 = await cli(['run', join(dir, 'plain.yaml'), '--target', target, '--out', out2]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.equal(captured[0]?.headers.authorization, `Basic ${Buffer.from('bob:hunter2-pw').toString('base64')}`);
  assertNowhere(out2, r2.stdout + r2.stderr, ['hunter2-pw']);
});

/** The CLI in a child with a small heap: a regression fails (out of memory) instead of eating the machine. */
function boundedCli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--max-old-space-size=128', CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('a YAML alias bomb: exit 2 naming the file and the problem, in bounded memory', () => {
  const dir = tempDir();
  const file = join(dir, 'bomb.yaml');
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i);
    lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${prev}`).join(',')}]`);
  }
  writeFileSync(file, `${lines.join('\n')}\nload: { sessions: 1, duration: 1s }\n`);
  for (const command of ['validate', 'run']) {
    const r = boundedCli(command === 'run' ? ['run', file, '--out', join(dir, 'out')] : ['validate', file]);
    assert.equal(r.code, 2, `${command}: ${r.stdout}${r.stderr}`);
    noStack(r.stderr);
    assert.match(r.stdout + r.stderr, /bomb\.yaml uses YAML aliases \(\*name\) too much/);
  }
});

test('a 50 MB scenario file: exit 2 naming the cap, in bounded memory', () => {
  const dir = tempDir();
  const file = join(dir, 'huge.yaml');
  writeFileSync(file, `load: { sessions: 1, duration: 1s }\ndescription: "${'x'.repeat(50 * 1024 * 1024)}"\n`);
  assert.ok(statSync(file).size > 50e6);
  const r = boundedCli(['validate', file]);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  noStack(r.stderr);
  assert.match(r.stdout, /huge\.yaml is 50 MiB: a scenario file may be 1 MiB at most/);
});

test('validate refuses a CR/LF header value and a 300-character name; run refuses them before sending anything', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'crlf.yaml'), `target:\n  url: ${origin}/stream\n  headers:\n    X-A: "a\\r\\nInjected: 1"\nload: { sessions: 1, duration: 1s }\n`);
  writeFileSync(join(dir, 'long.yaml'), `name: ${'n'.repeat(300)}\nload: { sessions: 1, duration: 1s }\n`);
  const v = await cli(['validate', join(dir, 'crlf.yaml'), join(dir, 'long.yaml')]);
  assert.equal(v.code, 2, v.stdout);
  assert.match(v.stdout, /crlf\.yaml:4:5 target\.headers\.X-A: contains a line break \(CR\), which would end the header and start another/);
  assert.match(v.stdout, /long\.yaml:1:1 name: is 300 characters long: at most 100, as it names the report folder/);
  captured.length = 0;
  for (const f of ['crlf.yaml', 'long.yaml']) {
    const r = await cli(['run', join(dir, f)], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    noStack(r.stderr);
  }
  assert.equal(captured.length, 0, 'nothing was sent');
});

test('doctor: a password in its URL is sent as Basic auth and not printed; a CR/LF in -H is refused', async () => {
  captured.length = 0;
  const url = `http://carol:d0ct0r-pw@${origin.slice('http://'.length)}/stream`;
  const r = await cli(['doctor', url, '--timeout', '5s']);
  noStack(r.stderr);
  assert.equal(captured[0]?.headers.authorization, `Basic ${Buffer.from('carol:d0ct0r-pw').toString('base64')}`);
  assert.match(r.stdout, /carol:\[redacted\]@127\.0\.0\.1/);
  assert.ok(!(r.stdout + r.stderr).includes('d0ct0r-pw'));
  const bad = await cli(['doctor', `${origin}/stream`, '-H', 'X-A: a\r\nX-B: b']);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /--header X-A: contains a line break \(CR\)/);
});
