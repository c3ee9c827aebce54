// capacity behind a real nginx whose worker_connections (16) is the limit: each stream holds
// two of them (client and upstream) and the listener one, so no more than 7 streams pass at
// once; the next ones are dropped by nginx. The search must stop there and name the dropped
// connections, with nginx worker_connections in its hint. About 40 s.
//
// Why the bounds hold on a busy machine: the target has no limit of its own and replies take
// 600 ms, far inside "ttft p99 < 1s"; the failures past the limit are nginx's resets, which
// harness lateness cannot cause (a step they fail is never put down to the harness).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CapacityReport } from '../../src/capacity/report.js';
import { startTarget, type RunningTarget } from '../../src/target/server.js';
import { cli, noStack, tempDir } from '../helpers/cli.js';
import { skipUnless, startNginx, type Intermediary } from '../helpers/intermediaries.js';

const WORKER_CONNECTIONS = 16;
const skip = skipUnless('nginx');
let target: RunningTarget | null = null;
let nginx: Intermediary | null = null;

before(async () => {
  if (skip !== undefined) return;
  target = await startTarget();
  nginx = await startNginx(
    Number(new URL(target.origin).port),
    'proxy_buffering off; proxy_http_version 1.1; proxy_set_header Connection "";',
    '',
    WORKER_CONNECTIONS,
  );
});
after(async () => {
  await nginx?.stop();
  await target?.close();
});

test(`behind nginx with worker_connections ${WORKER_CONNECTIONS}: the connection limit is found and its dropped connections named`, { skip }, async () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'nginx.yaml'),
    `name: behind-nginx
target:
  sendKnobs: true
  builtin: { firstTokenDelay: 100ms, tokenInterval: 50ms, tokens: 10 }
load: { model: closed, sessions: 1, duration: 5s }
`,
  );
  const out = join(dir, 'cap');
  const r = await cli(
    [
      'capacity',
      join(dir, 'nginx.yaml'),
      '--target',
      `${nginx?.url}/stream`,
      '--slo',
      'drop_rate < 1%',
      '--slo',
      'ttft p99 < 1s',
      '--from',
      '2',
      '--workers',
      '1',
      '--out',
      out,
    ],
    { timeoutMs: 110_000 },
  );
  noStack(r.stderr);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const report = JSON.parse(readFileSync(join(out, 'capacity.json'), 'utf8')) as CapacityReport;
  assert.equal(report.stop, 'found', report.answer);
  const found = report.capacity as number;
  const most = Math.floor((WORKER_CONNECTIONS - 1) / 2);
  assert.ok(found <= most && found >= most - 2, `found ${found} sessions; nginx holds at most ${most}: ${report.answer}`);
  assert.equal(report.firstBreak?.rule, 'drop_rate < 1%');
  const first = report.evidence[0];
  assert.ok(
    first !== undefined && /^(reset|connect_error|eof_early)/.test(first.what),
    `the evidence names dropped connections: ${JSON.stringify(report.evidence)}`,
  );
  assert.match(first.hint, /worker_connections/);
  assert.match(r.stdout, /evidence: (reset|connect_error|eof_early).*worker_connections/);
  assert.match(nginx?.log() ?? '', /worker_connections are not enough/, 'nginx says so itself');
});
