// sse-soak k8s: the rendered manifests, read back from the command's own output, validated against
// the Kubernetes API schemas offline (kubernetes-models); secrets stay out of them; bad input is
// refused with its reason; the report carried in a log comes back whole or not at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Job } from 'kubernetes-models/batch/v1/Job';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import { decodeBundles, encodeBundle } from '../../src/k8s/bundle.js';
import { gather } from '../../src/k8s/gather.js';
import { loadScenario } from '../../src/scenario/load.js';
import { cli, noStack, tempDir } from '../helpers/cli.js';

const SECRET_VALUE = 'sk-live-0123456789abcdef';

function scenario(dir: string, text?: string): string {
  const file = join(dir, 'chat.yaml');
  writeFileSync(
    file,
    text ??
      `name: Chat tier 1
target:
  url: https://api.example.com/v1/chat/completions
  headers:
    Authorization: Bearer \${API_KEY}
    X-Team: \${TEAM:-load}
  body: { model: gpt-x, stream: true, messages: [{ role: user, content: hi }] }
# \${NOT_A_VAR}: a comment is not read
load: { model: open, rate: 20/s, duration: 10m }
thresholds: ["ttft p99 < 2s"]
`,
  );
  return file;
}

const docs = (yaml: string): unknown[] => parseAllDocuments(yaml).map((d) => d.toJS() as unknown);

test('the manifests validate against the Kubernetes API schemas, and no secret is written into them', async () => {
  const dir = tempDir();
  const file = scenario(dir);
  // The user's own shell may hold the secret: it must not leak into a manifest.
  const r = await cli(
    [
      'k8s',
      file,
      '--shards',
      '4',
      '--workers',
      '2',
      '--secret',
      'chat-keys',
      '--namespace',
      'load',
      '--image',
      'registry.example/sse-soak:0.1.0',
      '--start-at',
      '2026-12-02T14:00:00Z',
      '--one-per-node',
    ],
    {
      env: { API_KEY: SECRET_VALUE },
    },
  );
  assert.equal(r.code, 0, r.stderr);
  noStack(r.stderr);
  assert.ok(!r.stdout.includes(SECRET_VALUE), 'the secret is in a manifest');
  const [cm, job] = docs(r.stdout) as [ConfigMap, IJob];
  new ConfigMap(cm).validate();
  new Job(job).validate();
  assert.equal(cm.kind, 'ConfigMap');
  assert.equal(cm.data?.['scenario.yaml'], readFileSync(file, 'utf8'), 'the scenario, as written (with its ${VAR}s)');
  const spec = job.spec;
  assert.equal(spec?.completionMode, 'Indexed');
  assert.equal(spec?.completions, 4);
  assert.equal(spec?.parallelism, 4);
  const pod = spec?.template.spec;
  const c = pod?.containers[0];
  assert.equal(c?.image, 'registry.example/sse-soak:0.1.0');
  assert.deepEqual(c?.resources?.requests, { cpu: '2', memory: '1536Mi' });
  assert.equal(c?.resources?.limits?.cpu, undefined, 'no CPU limit: throttling would show as latency');
  assert.deepEqual(pod?.securityContext?.sysctls, [{ name: 'net.ipv4.ip_local_port_range', value: '1024 65535' }]);
  assert.equal(pod?.topologySpreadConstraints?.[0]?.topologyKey, 'kubernetes.io/hostname');
  assert.ok(pod?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length, '--one-per-node');
  // Each ${VAR} from the named Secret; one with a default may be missing from it.
  const fromSecret = (c?.env ?? [])
    .filter((e) => e.valueFrom?.secretKeyRef !== undefined)
    .map((e) => [e.name, e.valueFrom?.secretKeyRef?.name, e.valueFrom?.secretKeyRef?.optional]);
  assert.deepEqual(fromSecret, [
    ['API_KEY', 'chat-keys', false],
    ['TEAM', 'chat-keys', true],
  ]);
  const script = c?.args?.[0] ?? '';
  assert.match(script, /sse-soak run "\$SSE_SOAK_SCENARIO" --shard "\$i\/4" --start-at 2026-12-02T14:00:00.000Z --workers 2 /);
  // The script is valid sh (the image's /bin/sh runs it).
  execFileSync('/bin/sh', ['-n', '-c', script]);
  // What a cluster would refuse is refused here: a wrong type in a field.
  assert.throws(() => new Job({ ...job, spec: { ...spec, completions: '4' } } as unknown as IJob).validate(), /completions must be integer/);
});

test("the pod's memory, unless --memory: from the streams its shard holds, its workers and protocol, with a note saying how (docs/scale.md)", async () => {
  const dir = tempDir();
  const cases: { yaml: string; args: string[]; memory: string; note: RegExp }[] = [
    {
      // 200,000 sessions over 4 pods of one worker (one process): 50,000 HTTP/1.1 streams a pod.
      yaml: 'target: { url: http://gateway.example:8080/stream }\nload: { sessions: 200000, duration: 10m }',
      args: ['--shards', '4'],
      memory: '1024Mi',
      note: /memory 1024Mi a pod \(request and limit\): \(1 process × 128 MiB \+ 50,000 streams × 14\.0 KiB\) × 1\.25 margin/,
    },
    {
      // HTTP/2 over TLS, 4 workers (5 processes): 13,900 streams a pod, a TLS connection per 100.
      yaml: 'target: { url: https://gateway.example/stream, http: "2" }\nload: { stages: [{ duration: 5m, target: 27800 }, { duration: 10m, target: 27800 }] }',
      args: ['--shards', '2', '--workers', '4'],
      memory: '1024Mi',
      note: /\(5 processes × 128 MiB \+ 13,900 streams × 12\.6 KiB\) × 1\.25 margin/,
    },
  ];
  for (const c of cases) {
    const file = scenario(dir, `name: sized\n${c.yaml}\n`);
    const r = await cli(['k8s', file, ...c.args, '--image', 'registry.example/sse-soak:0.1.0', '--start-at', '2026-12-02T14:00:00Z']);
    assert.equal(r.code, 0, r.stderr);
    const job = docs(r.stdout)[1] as IJob;
    const resources = job.spec?.template.spec?.containers[0]?.resources;
    assert.deepEqual([resources?.requests?.memory, resources?.limits?.memory], [c.memory, c.memory], c.yaml);
    assert.match(r.stderr, c.note);
  }
  // --memory wins, and then no note is made.
  const file = scenario(dir, 'name: sized\ntarget: { url: http://gateway.example:8080/stream }\nload: { sessions: 200000, duration: 10m }\n');
  const r = await cli(['k8s', file, '--shards', '4', '--memory', '3Gi', '--start-at', '2026-12-02T14:00:00Z']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((docs(r.stdout)[1] as IJob).spec?.template.spec?.containers[0]?.resources?.limits?.memory, '3Gi');
  assert.doesNotMatch(r.stderr, /memory \S+ a pod/);
});

test('--out writes the two files kubectl apply -f <dir> applies in order', async () => {
  const dir = tempDir();
  const file = scenario(dir, 'name: plain\ntarget: { url: "http://gateway.example/stream" }\nload: { sessions: 5, duration: 1m }\n');
  const r = await cli(['k8s', file, '--shards', '2', '--out', join(dir, 'm')]);
  assert.equal(r.code, 0, r.stderr);
  new ConfigMap(docs(readFileSync(join(dir, 'm', '00-configmap.yaml'), 'utf8'))[0] as ConfigMap).validate();
  const job = docs(readFileSync(join(dir, 'm', '10-job.yaml'), 'utf8'))[0] as IJob;
  new Job(job).validate();
  assert.equal(job.metadata?.name, 'sse-soak-plain');
  assert.equal(job.metadata?.namespace, undefined, "kubectl's current namespace");
});

test('bad input: a clear message and exit code 2, never a manifest', async () => {
  const dir = tempDir();
  const file = scenario(dir);
  const cases: [string[], RegExp][] = [
    [['k8s', file, '--shards', '2'], /uses \$\{API_KEY\}, \$\{TEAM\}: name the Secret .* --secret NAME/],
    [['k8s', file, '--secret', 'k'], /--shards: how many pods/],
    [['k8s', file, '--shards', '0', '--secret', 'k'], /--shards: expected a whole number from 1/],
    [['k8s', file, '--shards', '2', '--secret', 'k', '--workers', 'lots'], /--workers: expected a whole number/],
    [['k8s', file, '--shards', '2', '--secret', 'k', '--memory', '1 GB'], /--memory: expected a Kubernetes quantity/],
    [['k8s', file, '--shards', '2', '--secret', 'k', '--start-at', '14:00'], /--start-at: expected an RFC 3339 time/],
    [['k8s', file, '--shards', '2', '--secret', 'k', '--name', 'Big_Run'], /--name: Big_Run is not a Job name/],
    [['k8s', scenario(tempDir(), 'load: { sessions: 2, duration: 1m }\n'), '--shards', '2'], /names no target URL/],
    [['k8s', join(dir, 'missing.yaml'), '--shards', '2'], /missing\.yaml no such file/],
  ];
  for (const [args, why] of cases) {
    const r = await cli(args);
    assert.equal(r.code, 2, `${args.join(' ')}\n${r.stderr}`);
    assert.match(r.stderr, why);
    assert.equal(r.stdout, '');
    noStack(r.stderr);
  }
});

test('a report carried in a log: back whole, or named as damaged or cut', () => {
  const files = { 'summary.json': '{"a":1}', 'timeseries.csv': 'second,opened\n0,3\n', 'streams.csv': 'seq\n1\n'.repeat(50) };
  const { text } = encodeBundle({ shard: '2/3', files, omitted: [] });
  const log = `progress line\n${text}sse-soak: done\n`;
  const back = decodeBundles(log);
  assert.deepEqual(back.problems, []);
  assert.deepEqual(back.bundles[0]?.files, files);
  assert.equal(back.bundles[0]?.shard, '2/3');

  const lines = text.split('\n');
  const damaged = [...lines];
  damaged[1] = (damaged[1] ?? '').replace(/^./, (ch) => (ch === 'A' ? 'B' : 'A'));
  assert.match(decodeBundles(damaged.join('\n')).problems[0] ?? '', /damaged/);
  assert.match(decodeBundles(lines.slice(0, 2).join('\n')).problems[0] ?? '', /end marker is missing/);

  // Over the log budget, streams.csv is left out, and says so.
  const small = encodeBundle({ shard: '1/1', files: { ...files, 'streams.csv': randomBytes(20_000).toString('hex') }, omitted: [] }, 2000);
  assert.match(small.omitted[0] ?? '', /streams\.csv: .* budget/);
  assert.deepEqual(Object.keys(decodeBundles(small.text).bundles[0]?.files ?? {}), ['summary.json', 'timeseries.csv']);
});

test('gather: the first complete report of each index; a shard without one is named with its pod', async () => {
  const dir = tempDir();
  const bundle = (i: number): string => encodeBundle({ shard: `${i}/3`, files: { 'summary.json': `{"shard":${i}}` }, omitted: [] }).text;
  const pod = (name: string, index: number, phase: string): unknown => ({
    metadata: { name, annotations: { 'batch.kubernetes.io/job-completion-index': String(index) } },
    status: { phase },
  });
  const logs: Record<string, string> = { 'j-0-a': bundle(1), 'j-1-a': 'Error: crashed\n', 'j-1-b': bundle(2), 'j-2-a': 'waiting 3s for --start-at\n' };
  const calls: string[][] = [];
  const fake = async (args: string[]): Promise<string> => {
    calls.push(args);
    if (args[0] === 'get')
      return JSON.stringify({ items: [pod('j-0-a', 0, 'Succeeded'), pod('j-1-a', 1, 'Failed'), pod('j-1-b', 1, 'Succeeded'), pod('j-2-a', 2, 'Running')] });
    return logs[args[3] as string] ?? '';
  };
  const got = await gather('j', 'load', dir, fake);
  assert.deepEqual(calls[0], ['get', 'pods', '--namespace', 'load', '--selector', 'job-name=j', '--output', 'json']);
  assert.deepEqual(got.dirs, [join(dir, 'shard-1'), join(dir, 'shard-2')]);
  assert.equal(readFileSync(join(dir, 'shard-2', 'summary.json'), 'utf8'), '{"shard":2}');
  assert.deepEqual(got.problems, ['j-2-a (Running): no report in its log: the run is not over']);
  // A pod that was never created (a quota) or was deleted: its shard is named, not merged away.
  const missing = await gather('j', 'load', tempDir(), async (args) =>
    args[0] === 'get' ? JSON.stringify({ items: [pod('j-0-a', 0, 'Succeeded'), pod('j-1-b', 1, 'Succeeded')] }) : (logs[args[3] as string] ?? ''),
  );
  assert.deepEqual(missing.problems, ['shard 3/3: no pod of the Job has its index (never created, or deleted?)']);
  const none = await gather('gone', null, dir, async () => JSON.stringify({ items: [] }));
  assert.match(none.problems[0] ?? '', /no pods of the Job gone/);
});

test('--metrics-listen: each pod serves /metrics on all addresses, with a metrics port and scrape annotations, and one run label for all shards', async () => {
  const dir = tempDir();
  const file = scenario(dir);
  const r = await cli(['k8s', file, '--shards', '2', '--secret', 'chat-keys', '--start-at', '2026-12-02T14:00:00Z', '--metrics-listen', '9464']);
  assert.equal(r.code, 0, r.stderr);
  const [, job] = docs(r.stdout) as [ConfigMap, IJob];
  new Job(job).validate();
  const template = job.spec?.template;
  const c = template?.spec?.containers[0];
  assert.deepEqual(c?.ports, [{ name: 'metrics', containerPort: 9464 }]);
  assert.deepEqual(template?.metadata?.annotations, { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9464', 'prometheus.io/path': '/metrics' });
  const script = c?.args?.[0] ?? '';
  assert.match(script, /--metrics-listen 0\.0\.0\.0:9464/);
  // The live metrics' run label is the report folder's name: the Job's, the same in every pod.
  assert.match(script, /--out "\$SSE_SOAK_REPORT\/sse-soak-chat-tier-1"/);
  const bad = await cli(['k8s', file, '--shards', '2', '--secret', 'chat-keys', '--metrics-listen', '99999']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--metrics-listen: a port from 1 to 65535/);
});

/** A scenario in `dir` that names a dataset and a trace; the files are the caller's. */
function dataScenario(dir: string, dataset: string, trace: string): string {
  return scenario(
    dir,
    `name: data
target: { url: "http://gateway.example/v1/chat/completions" }
workload: { dataset: { file: ${dataset}, order: shuffle } }
load: { model: open, trace: { file: ${trace}, speed: 2 }, maxConcurrency: 50 }
`,
  );
}
const BODY = (i: number): string => JSON.stringify({ model: 'm', stream: true, max_tokens: 8 + i, messages: [{ role: 'user', content: `prompt ${i} — é` }] });
const TRACE = 'TIMESTAMP,ContextTokens,GeneratedTokens\n2026-01-15 09:00:00.0,925,216\n2026-01-15 09:00:20.0,884,148\n';

test('a dataset and a trace reach the pods: ConfigMap keys placed at their relative paths by items, the scenario as written', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'data'));
  mkdirSync(join(dir, 'traces'));
  // A BOM and CRLF line ends: the file must arrive byte for byte.
  const prompts = `\uFEFF${[1, 2, 3].map(BODY).join('\r\n')}\r\n`;
  writeFileSync(join(dir, 'data', 'prompts.jsonl'), prompts);
  writeFileSync(join(dir, 'traces', 'azure 2026.csv'), TRACE);
  const file = dataScenario(dir, './data/prompts.jsonl', '"traces/azure 2026.csv"');
  const r = await cli(['k8s', file, '--shards', '2', '--start-at', '2026-12-02T14:00:00Z']);
  assert.equal(r.code, 0, r.stderr);
  noStack(r.stderr);
  const [cm, job] = docs(r.stdout) as [ConfigMap, IJob];
  new ConfigMap(cm).validate();
  new Job(job).validate();
  const volume = job.spec?.template.spec?.volumes?.find((v) => v.name === 'scenario');
  const items = volume?.configMap?.items ?? [];
  assert.deepEqual(
    items.map((i) => i.path),
    ['scenario.yaml', 'data/prompts.jsonl', 'traces/azure 2026.csv'],
  );
  // Every key is listed (given items, a key not listed is not mounted), and every key is one Kubernetes takes.
  assert.deepEqual(items.map((i) => i.key).sort(), Object.keys(cm.data ?? {}).sort());
  for (const { key } of items) assert.match(key, /^[-._a-zA-Z0-9]{1,253}$/);
  assert.equal(cm.data?.['scenario.yaml'], readFileSync(file, 'utf8'), 'the scenario as written');
  // The trace's span (20 s at speed 2: 10 s) counts in the deadline: 15 min of margin past the run.
  assert.ok((job.spec?.activeDeadlineSeconds ?? 0) > 900);

  // What a pod sees at /scenario: each key at its item's path. The scenario runs from there as written.
  const mount = join(tempDir(), 'scenario');
  for (const { key, path } of items) {
    mkdirSync(dirname(join(mount, path)), { recursive: true });
    writeFileSync(join(mount, path), cm.data?.[key] ?? '');
  }
  assert.equal(readFileSync(join(mount, 'data', 'prompts.jsonl'), 'utf8'), prompts, 'byte for byte');
  const inPod = await loadScenario(join(mount, 'scenario.yaml'));
  assert.equal(inPod.workload?.source.kind === 'dataset' && inPod.workload.source.file, join(mount, 'data', 'prompts.jsonl'));
  assert.equal(inPod.load.durationMs, 10_001);
});

test('a dataset that is not UTF-8 (UTF-16 with a BOM) goes in binaryData, bytes intact', async () => {
  const dir = tempDir();
  const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${BODY(1)}\n${BODY(2)}\n`, 'utf16le')]);
  writeFileSync(join(dir, 'prompts.jsonl'), bytes);
  writeFileSync(join(dir, 'trace.csv'), TRACE);
  const r = await cli(['k8s', dataScenario(dir, 'prompts.jsonl', 'trace.csv'), '--shards', '1', '--start-at', '2026-12-02T14:00:00Z']);
  assert.equal(r.code, 0, r.stderr);
  const [cm, job] = docs(r.stdout) as [ConfigMap, IJob];
  new ConfigMap(cm).validate();
  new Job(job).validate();
  const item = job.spec?.template.spec?.volumes?.[0]?.configMap?.items?.find((i) => i.path === 'prompts.jsonl');
  assert.equal(cm.data?.[item?.key ?? ''], undefined);
  assert.deepEqual(Buffer.from(cm.binaryData?.[item?.key ?? ''] ?? '', 'base64'), bytes);
});

test('data files the pods cannot get from the ConfigMap are refused with what to do; --pod-file names one they have', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'run'));
  writeFileSync(join(dir, 'outside.jsonl'), `${BODY(1)}\n`);
  writeFileSync(join(dir, 'run', 'trace.csv'), TRACE);
  // Past 1 MiB with the scenario: 1100 KiB of bodies.
  writeFileSync(join(dir, 'run', 'big.jsonl'), `${BODY(1).padEnd(1023, ' ')}\n`.repeat(1100));
  const cases: [string, string[], RegExp][] = [
    [
      '/data/prompts.jsonl',
      [],
      /workload\.dataset: \/data\/prompts\.jsonl is an absolute path, which the pods do not have: .*pass --pod-file \/data\/prompts\.jsonl/,
    ],
    ['../outside.jsonl', [], /workload\.dataset: \.\.\/outside\.jsonl is outside the scenario's folder .*at \/scenario.*--pod-file/],
    [
      'big.jsonl',
      [],
      /workload\.dataset: big\.jsonl is 1\.1 MiB \(1\.1 MiB with the scenario and the other files\): more than a ConfigMap holds \(1 MiB in all\).*Bake it into an image FROM the sse-soak image \(COPY big\.jsonl \/data\/big\.jsonl\), or mount a volume.*--pod-file \/data\/big\.jsonl/,
    ],
    ['missing.jsonl', [], /workload\.dataset: missing\.jsonl: no such file/],
    ['/data/prompts.jsonl', ['--pod-file', 'data/prompts.jsonl'], /--pod-file data\/prompts\.jsonl: the path the pods have the file at, absolute/],
  ];
  for (const [dataset, more, why] of cases) {
    const r = await cli(['k8s', dataScenario(join(dir, 'run'), dataset, 'trace.csv'), '--shards', '2', ...more]);
    assert.equal(r.code, 2, `${dataset}\n${r.stderr}`);
    assert.match(r.stderr, why);
    assert.equal(r.stdout, '');
    noStack(r.stderr);
  }
  // A trace only the pods have: its span is unknown here, so the Job's deadline needs load.duration.
  const podTrace = await cli([
    'k8s',
    scenario(join(dir, 'run'), 'name: t\ntarget: { url: "http://gateway.example/stream" }\nload: { model: open, trace: /data/t.csv }\n'),
    '--shards',
    '2',
    '--pod-file',
    '/data/t.csv',
  ]);
  assert.equal(podTrace.code, 2, podTrace.stderr);
  assert.match(podTrace.stderr, /load\.trace: \/data\/t\.csv is in the pods only, so its span is not known here: give load\.duration/);

  // Named by its path in the image, with --pod-file: not shipped, the scenario's key mounted as before.
  const r = await cli([
    'k8s',
    dataScenario(join(dir, 'run'), '/data/prompts.jsonl', 'trace.csv'),
    '--shards',
    '2',
    '--pod-file',
    '/data/prompts.jsonl',
    '--start-at',
    '2026-12-02T14:00:00Z',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /\/data\/prompts\.jsonl: in the pods only, so it is read and checked when each pod starts/);
  const [cm, job] = docs(r.stdout) as [ConfigMap, IJob];
  new ConfigMap(cm).validate();
  new Job(job).validate();
  assert.deepEqual(Object.keys(cm.data ?? {}), ['scenario.yaml', 'file-1-trace.csv']);
  assert.deepEqual(
    job.spec?.template.spec?.volumes?.[0]?.configMap?.items?.map((i) => i.path),
    ['scenario.yaml', 'trace.csv'],
  );
});

test('a ConfigMap past what a client-side kubectl apply stores: a note to apply it server-side', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'prompts.jsonl'), `${BODY(1).padEnd(1023, ' ')}\n`.repeat(300));
  writeFileSync(join(dir, 'trace.csv'), TRACE);
  const r = await cli(['k8s', dataScenario(dir, 'prompts.jsonl', 'trace.csv'), '--shards', '2', '--start-at', '2026-12-02T14:00:00Z']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /the ConfigMap holds 30\d KiB: apply with `kubectl apply --server-side`/);
  new ConfigMap(docs(r.stdout)[0] as ConfigMap).validate();
});
