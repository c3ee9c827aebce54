// Limits of the machine, not of the target: with too few file descriptors or local
// ports, the streams that cannot open fail as EMFILE or EADDRNOTAVAIL and the summary
// says what to raise; more source addresses give more ports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Summary } from '../../src/report/summary.js';
import { CLI, noStack, tempDir } from '../helpers/cli.js';
import { useChildTarget } from '../helpers/target.js';

const target = useChildTarget();

test('out of file descriptors (ulimit -n 120): EMFILE counted, and the limit to raise named', async () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, 's.yaml'),
    'target: { sendKnobs: true, builtin: { firstTokenDelay: 10ms, tokenInterval: 50ms, tokens: 5 } }\nload: { sessions: 200, duration: 2s }\n',
  );
  const out = join(dir, 'out');
  // A lower soft limit is always allowed; the run (one process) has 200 streams to open with it.
  const child = spawn('bash', ['-c', `ulimit -n 120 && exec "${process.execPath}" "${CLI}" run s.yaml --workers 1 --target ${target.stream()} --out out`], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  noStack(stderr);
  assert.equal(code, 0, `${stdout}\n${stderr}`);
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
  assert.ok((s.errorCodes.EMFILE ?? 0) > 0, JSON.stringify(s.errorCodes));
  assert.ok(s.outcomes.completed > 0, 'the streams that did open were measured');
  assert.match(
    stdout,
    /LIMIT {5}[\d,]+ streams failed with EMFILE, a limit of this machine, not of the target: the open-files limit of one process: raise it \(ulimit -n/,
  );
});

/** Can this machine give a test its own network namespace (root, util-linux's unshare, iproute2)? */
function netnsSkip(): string | undefined {
  const probe = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up'], { stdio: 'ignore' });
  return probe.status === 0 ? undefined : 'needs its own network namespace (root, `unshare -n` and `ip`), which this machine does not allow';
}

test(
  'out of ephemeral ports (10 in a namespace of its own): EADDRNOTAVAIL named; sourceAddresses gives each address its own',
  { skip: netnsSkip(), timeout: 60_000 },
  async () => {
    const dir = tempDir();
    // 30 streams held open, each needing a local port towards the one target.
    writeFileSync(join(dir, 'one.yaml'), 'load: { sessions: 30, duration: 2s, drain: 0s }\nstream: { idleTimeout: 60s }\n');
    // Not 127.0.0.1 again: the first run's 10 ports on it are in TIME_WAIT when the second
    // starts, and a bound source port in TIME_WAIT fails as EADDRINUSE until loopback's
    // tcp_tw_reuse frees it a second later, a race this test is not about.
    writeFileSync(
      join(dir, 'three.yaml'),
      'target: { sourceAddresses: 127.0.0.2-127.0.0.4 }\nload: { sessions: 30, duration: 2s, drain: 0s }\nstream: { idleTimeout: 60s }\n',
    );
    const url = 'http://127.0.0.1:18700/stream?firstTokenDelay=10m&heartbeat=500ms&tokens=1';
    const node = `"${process.execPath}" "${CLI}"`;
    const script = [
      'set -e',
      'ip link set lo up',
      'sysctl -q -w net.ipv4.ip_local_port_range="40000 40009"',
      `${node} serve --port 18700 --quiet & target=$!`,
      'for i in $(seq 100); do (echo > /dev/tcp/127.0.0.1/18700) 2>/dev/null && break; sleep 0.05; done',
      `${node} run one.yaml --workers 1 --target "${url}" --out one > one.txt 2>&1 || true`,
      `${node} run three.yaml --workers 1 --target "${url}" --out three > three.txt 2>&1 || true`,
      'kill $target',
    ].join('\n');
    const r = spawnSync('unshare', ['-n', 'bash', '-c', script], { cwd: dir, encoding: 'utf8', timeout: 50_000 });
    assert.equal(r.status, 0, r.stderr);
    const one = JSON.parse(readFileSync(join(dir, 'one', 'summary.json'), 'utf8')) as Summary;
    const three = JSON.parse(readFileSync(join(dir, 'three', 'summary.json'), 'utf8')) as Summary;
    const oneText = readFileSync(join(dir, 'one.txt'), 'utf8');
    noStack(oneText);
    assert.ok((one.errorCodes.EADDRNOTAVAIL ?? 0) > 0, JSON.stringify(one.errorCodes));
    assert.match(
      oneText,
      /LIMIT {5}[\d,]+ streams failed with EADDRNOTAVAIL, a limit of this machine, not of the target: ephemeral ports towards this target: widen net\.ipv4\.ip_local_port_range/,
    );
    // One address: 10 ports, so at most 10 streams connected (each held to the end); three
    // addresses: all 30 connected and held. (`aborted` alone would not say it: a session's
    // attempt still connecting when the run ends is aborted too.)
    assert.ok(one.metrics.connect.count >= 1 && one.metrics.connect.count <= 10, `one address connected ${one.metrics.connect.count}`);
    assert.equal(three.metrics.connect.count, 30, JSON.stringify(three.outcomes) + JSON.stringify(three.errorCodes));
    assert.equal(three.metrics.ttfb.count, 30);
    assert.equal(three.outcomes.aborted, 30, JSON.stringify(three.outcomes));
    assert.equal(three.errorCodes.EADDRNOTAVAIL ?? 0, 0);
    assert.equal(three.errorCodes.EADDRINUSE ?? 0, 0);
  },
);
