// "What do open streams do to everyone else on this gateway?" nginx with 40
// worker_connections: 30 streams through it hold them all, and the background
// requests are reset while the streams are open, and not before. Skipped where nginx is missing; required under CI=true.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Summary } from '../../src/report/summary.js';
import { cli, noStack, tempDir } from '../helpers/cli.js';
import { skipUnless, startNginx } from '../helpers/intermediaries.js';
import { useTarget } from '../helpers/target.js';

const target = useTarget();

test('nginx out of worker_connections: background requests fail during the streams, not before', { skip: skipUnless('nginx') }, async () => {
  // Each proxied stream takes two of nginx's connections (client and upstream); 30 streams take 60 of 40.
  const nginx = await startNginx(target.port, 'proxy_buffering off; proxy_read_timeout 60s;', '', 40);
  try {
    const dir = tempDir();
    writeFileSync(
      join(dir, 's.yaml'),
      `name: gateway-neighbours
target: { url: "${nginx.url}/stream?firstTokenDelay=10ms&tokenInterval=50ms&tokens=200" }
load: { sessions: 30, duration: 3s }
background: { path: /healthz, connections: 2, rate: 40/s, before: 1500ms, after: 2s, timeout: 2s }
`,
    );
    const out = join(dir, 'out');
    const r = await cli(['run', join(dir, 's.yaml'), '--workers', '1', '--out', out], { timeoutMs: 40_000 });
    noStack(r.stderr);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
    const phase = (name: string) => s.background?.phases.find((p) => p.name === name);
    const bad = (name: string): number => (phase(name)?.errors ?? 0) + (phase(name)?.non2xx ?? 0);
    assert.ok((phase('before')?.requests ?? 0) > 20, JSON.stringify(phase('before')));
    assert.equal(bad('before'), 0, `before: ${JSON.stringify(phase('before'))}`);
    assert.ok(bad('during') > 0, `during: ${JSON.stringify(phase('during'))}\n${r.stdout}`);
    // After the streams, nginx has connections again (what the background's reconnects then
    // wait for, SYN retries included, is the gateway's recovery, shown as it is).
    assert.ok(phase('after') !== undefined);
    assert.match(nginx.log(), /worker_connections are not enough/);
    assert.match(r.stdout, /\n\s+during\s+[\d.]+\s+[\d,]+\s+[\d,]+\s+[\d,]+/);
  } finally {
    await nginx.stop();
  }
});
