// `sse-soak k8s`: a scenario as Kubernetes manifests (a ConfigMap and an Indexed Job, one shard
// per pod, all started together with run --start-at), and the two halves of getting results out:
// `k8s emit` (in the pod: the report into the log) and `k8s gather` (on the user's machine: the
// logs back into shard folders, then `merge`). docs/kubernetes.md is the user's guide.
import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { BUNDLE_FILES, encodeBundle, LOG_BUDGET_CHARS } from '../k8s/bundle.js';
import { gather } from '../k8s/gather.js';
import { CLIENT_APPLY_MAX_BYTES, dataFileRefs, formatBytes, placeDataFiles, readShippedFiles } from '../k8s/data-files.js';
import { podMemory } from '../k8s/pod-memory.js';
import { renderManifests, type Manifest } from '../k8s/render.js';
import { mostStreamsAtOnce } from '../schedule/stages.js';
import { parseScenario, readScenarioText } from '../scenario/load.js';
import { checkWorkloadFiles } from '../scenario/workload-files.js';
import { TEMPLATE } from '../scenario/request-checks.js';
import type { Scenario } from '../scenario/types.js';
import { formatDurationMs } from '../scenario/units.js';
import { collect } from './args.js';
import { imageReferenceProblem } from '../k8s/image-ref.js';
import { withFolderLock } from '../report/folder-lock.js';
import { CliError, EXIT } from '../util/exit-codes.js';
import { applyFlags, parseShard } from './run-options.js';
import { parseStartAt } from '../run/start-at.js';
import { VERSION } from '../util/version.js';
import { MAX_WORKERS } from '../run/max-workers.js';
import { CLI_MAIN } from '../util/paths.js';
import { makeDir } from '../util/make-dir.js';

/** Time for the pods to be scheduled and their image pulled before they start together. */
const DEFAULT_START_AT = '+3m';
const MAX_SHARDS = 1000;
/** A ConfigMap holds at most 1 MiB; the scenario is one key of it. */
const MAX_SCENARIO_BYTES = 900 * 1024;
/** A streams.csv bigger than this is not even read into memory to go into a log. */
const MAX_STREAMS_CSV_BYTES = 64 * 1024 * 1024;
const DEFAULT_IMAGE = `sse-soak:${VERSION}`;

interface K8sFlags {
  shards?: string;
  image: string;
  namespace?: string;
  name?: string;
  workers: string;
  cpu?: string;
  memory?: string;
  out?: string;
  secret?: string;
  startAt: string;
  target?: string;
  duration?: string;
  threshold?: string[];
  streamsCsv?: string;
  onePerNode?: boolean;
  metricsListen?: string;
  podFile?: string[];
}

export function registerK8s(program: Command): void {
  // `k8s gather --out` is gather's, not k8s's: options positional from the top (the program's own
  // are only --version and --help, which every command has too).
  program.enablePositionalOptions();
  const k8s = program
    .command('k8s')
    .description(
      'Kubernetes manifests for a scenario run over N pods (an Indexed Job, one shard per pod, started together); then `k8s gather` and `merge`. See docs/kubernetes.md',
    )
    .argument('<scenario>', 'scenario file (YAML or JSON)')
    .enablePositionalOptions()
    .option('--shards <n>', `pods, each running 1/N of the load (1 to ${MAX_SHARDS})`)
    .option('--image <image>', 'the sse-soak image (built from deploy/Dockerfile and pushed where the cluster can pull it)', DEFAULT_IMAGE)
    .option('--namespace <ns>', "the namespace (default: kubectl's current one)")
    .option('--name <name>', "the Job's name (default: sse-soak-<scenario name>)")
    .option('--workers <n>', 'worker processes per pod (run --workers); each pod requests this many cores', '1')
    .option('--cpu <quantity>', 'CPU request per pod (default: --workers cores); no CPU limit is set')
    .option('--memory <quantity>', 'memory request and limit per pod (default: from the streams a pod holds, its workers and workload; the note says how)')
    .option(
      '--secret <name>',
      "the Secret whose keys give the scenario's ${VAR}s, as environment variables (kubectl create secret generic NAME --from-literal=VAR=…)",
    )
    .option(
      '--start-at <time>',
      `when every pod starts its load: RFC 3339 with a zone, or +duration from now (time to schedule and pull the image)`,
      DEFAULT_START_AT,
    )
    .option('--target <url>', "stream URL, instead of the scenario's (run --target)")
    .option('--duration <duration>', "the scenario's stages compressed or stretched to this total (run -d)")
    .option('--threshold <rule>', "a pass/fail rule, added to the scenario's (repeatable; judged on the merged report)", collect)
    .option('--streams-csv <on|off|share>', 'streams.csv in each pod (run --streams-csv); a big one is left out of the log, see docs/kubernetes.md')
    .option(
      '--metrics-listen <port>',
      'each pod serves run --metrics-listen on this port (all addresses), with a `metrics` container port and Prometheus scrape annotations (docs/live.md)',
    )
    .option(
      '--pod-file <path>',
      'a dataset or trace file the pods have already, at this absolute path (an image built FROM the sse-soak image, or a mounted volume): not shipped in the ConfigMap (repeatable; docs/kubernetes.md#data-files)',
      collect,
    )
    .option('--one-per-node', "at most one pod per node (big runs: each pod gets a node's ports, files and network to itself)")
    .option('--out <dir>', 'write the manifests into this folder (00-configmap.yaml, 10-job.yaml) instead of printing them')
    .action(async (file: string, flags: K8sFlags) => {
      const { manifests, notes } = await render(file, flags);
      for (const n of notes) process.stderr.write(`sse-soak: note: ${n}\n`);
      const docs = manifests.map((m) => stringify(m, { lineWidth: 0, aliasDuplicateObjects: false }));
      if (flags.out === undefined) {
        process.stdout.write(docs.map((d) => `---\n${d}`).join(''));
        return;
      }
      try {
        await makeDir(flags.out);
        await writeFile(join(flags.out, '00-configmap.yaml'), docs[0] as string);
        await writeFile(join(flags.out, '10-job.yaml'), docs[1] as string);
      } catch (err) {
        throw new CliError(`cannot write the manifests into ${flags.out}: ${(err as Error).message}`, EXIT.CANNOT_WRITE);
      }
      process.stdout.write(`${flags.out}/00-configmap.yaml\n${flags.out}/10-job.yaml\n`);
    });

  k8s
    .command('gather')
    .description("each pod's report, read from its log with kubectl, into <out>/shard-<i>; then merged into <out>/merged")
    .argument('<job>', "the Job's name (as `sse-soak k8s` printed it)")
    .option('--namespace <ns>', "the Job's namespace (default: kubectl's current one)")
    .requiredOption('--out <dir>', 'the folder for the shards and the merged report')
    .option('--no-merge', 'only gather the shards')
    .action(async (job: string, flags: { namespace?: string; out: string; merge: boolean }) => {
      try {
        await makeDir(flags.out);
      } catch (err) {
        throw new CliError(`cannot create ${flags.out}: ${(err as Error).message}`, EXIT.CANNOT_WRITE);
      }
      // Its shard folders are one gather's; the merge into <out>/merged takes that folder itself.
      await withFolderLock(flags.out, 'k8s gather', async () => {
        let got;
        try {
          got = await gather(job, flags.namespace ?? null, flags.out);
        } catch (err) {
          throw new CliError(`cannot gather the Job ${job}: ${(err as Error).message}`, EXIT.CANNOT_START);
        }
        for (const n of got.notes) process.stderr.write(`sse-soak: note: ${n}\n`);
        for (const d of got.dirs) process.stdout.write(`gathered ${d}\n`);
        if (got.problems.length > 0) {
          throw new CliError(
            `not every shard of the Job ${job} could be gathered (${got.dirs.length} were):\n  ${got.problems.join('\n  ')}`,
            EXIT.CANNOT_START,
          );
        }
        if (!flags.merge) return;
        process.exitCode = await runMerge([...got.dirs, '--out', join(flags.out, 'merged')]);
      });
    });

  k8s
    .command('emit', { hidden: true })
    .description("in a pod: print a shard's report folder into the log, for `k8s gather`")
    .argument('<dir>', "the shard's report folder")
    .requiredOption('--shard <i/N>', 'the shard it ran')
    .action(async (dir: string, flags: { shard: string }) => {
      const shard = parseShard(flags.shard);
      if (!existsSync(join(dir, 'summary.json')))
        throw new CliError(`${dir}/summary.json: not written (the run failed before its end: see the lines above)`, EXIT.CANNOT_WRITE);
      const files: Record<string, string> = {};
      const omitted: string[] = [];
      for (const f of BUNDLE_FILES) {
        const path = join(dir, f);
        if (!existsSync(path)) continue;
        if (f === 'streams.csv' && statSync(path).size > MAX_STREAMS_CSV_BYTES) {
          omitted.push(`streams.csv: ${Math.round(statSync(path).size / 1048576)} MiB is too big for a log (run with --streams-csv 10%)`);
          continue;
        }
        files[f] = await readFile(path, 'utf8');
      }
      const out = encodeBundle({ shard: `${shard.index + 1}/${shard.count}`, files, omitted }, LOG_BUDGET_CHARS);
      for (const o of out.omitted) process.stderr.write(`sse-soak: note: ${o}\n`);
      process.stdout.write(out.text);
    });
}

/** `sse-soak merge …` in a child process, as the user would run it; its exit code. */
function runMerge(args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_MAIN, 'merge', ...args], { stdio: 'inherit' });
    child.on('exit', (code) => resolve(code ?? EXIT.INTERNAL));
    child.on('error', () => resolve(EXIT.INTERNAL));
  });
}

/** The manifests for a scenario file and the flags; notes for the user. */
async function render(file: string, flags: K8sFlags, nowMs: number = Date.now()): Promise<{ manifests: Manifest[]; notes: string[]; scenario: Scenario }> {
  const notes: string[] = [];
  if (flags.shards === undefined) throw new CliError('--shards: how many pods? e.g. --shards 4', EXIT.INVALID_INPUT);
  const shards = wholeNumber(flags.shards, '--shards', 1, MAX_SHARDS);
  const workers = wholeNumber(flags.workers, '--workers', 1, MAX_WORKERS);
  // As run reads it: bounded, decoded as its BOM says (the ConfigMap then holds it as UTF-8).
  const text = await readScenarioText(file);
  if (Buffer.byteLength(text) > MAX_SCENARIO_BYTES)
    throw new CliError(`${file}: ${Math.round(Buffer.byteLength(text) / 1024)} KiB is more than a ConfigMap holds (1 MiB)`, EXIT.INVALID_INPUT);

  // Every ${VAR} comes from the Secret in the pod. Here they only need a value for the scenario to be checked: this machine's, or a stand-in.
  const vars = new Map<string, boolean>();
  for (const m of templateText(text).matchAll(TEMPLATE)) vars.set(m[1] as string, (vars.get(m[1] as string) ?? true) && m[2] !== undefined);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const v of vars.keys()) if (!env[v]) env[v] = '1';
  let parsed = parseScenario(text, file, env);
  // A dataset and a trace go to the pods in the ConfigMap, beside the scenario, unless they are there already.
  const refs = dataFileRefs(parsed);
  const podFiles = flags.podFile ?? [];
  const { ship, inPods } = placeDataFiles(file, refs, podFiles);
  const dataFiles = await readShippedFiles(ship, Buffer.byteLength(text));
  for (const p of podFiles)
    if (!refs.some((r) => r.given === p)) notes.push(`--pod-file ${p}: the scenario names no such file (workload.dataset or load.trace), so it is not read`);
  if (inPods.length === 0) {
    // Read and checked here as `run` would (a bad line named now, not in every pod); a trace also sets the run's length.
    parsed = await checkWorkloadFiles(parsed);
  } else {
    notes.push(
      `${inPods.map((r) => r.given).join(', ')}: in the pods only, so ${inPods.length === 1 ? 'it is' : 'they are'} read and checked when each pod starts, not here`,
    );
    const load = parsed.load;
    if (
      load.model === 'open' &&
      load.trace !== null &&
      load.trace.capMs === 0 &&
      flags.duration === undefined &&
      inPods.some((r) => r.field === 'load.trace')
    ) {
      throw new CliError(
        `load.trace: ${load.trace.fileForReport} is in the pods only, so its span is not known here: give load.duration (or --duration) for the Job's deadline`,
        EXIT.INVALID_INPUT,
      );
    }
  }
  const scenario = applyFlags(parsed, { target: flags.target, duration: flags.duration, threshold: flags.threshold, streamsCsv: flags.streamsCsv });
  const configMapBytes = Buffer.byteLength(text) + dataFiles.reduce((sum, f) => sum + f.bytes, 0);
  if (configMapBytes > CLIENT_APPLY_MAX_BYTES) {
    notes.push(
      `the ConfigMap holds ${formatBytes(configMapBytes)}: apply with \`kubectl apply --server-side\` (or kubectl create); a client-side apply copies it into an annotation, which holds 256 KiB at most`,
    );
  }
  if (scenario.target.variants.some((v) => v.url === null)) {
    throw new CliError(
      `${file} names no target URL: each pod would start a built-in target of its own and measure nothing of your path. Give the scenario target.url, or --target (e.g. sse-soak serve deployed behind your gateway)`,
      EXIT.INVALID_INPUT,
    );
  }
  const tls = scenario.target.tls;
  if (tls !== null && (tls.ca !== null || tls.cert !== null || tls.key !== null)) {
    throw new CliError(
      `${file}: target.tls names files (${[tls.ca?.file, tls.cert?.file, tls.key?.file].filter(Boolean).join(', ')}), which the pods do not have: sse-soak k8s does not ship them yet (NODE_EXTRA_CA_CERTS from a mounted Secret works for a CA)`,
      EXIT.INVALID_INPUT,
    );
  }
  if (scenario.target.sourceAddresses.length > 0)
    notes.push('target.sourceAddresses: a pod has one address of its own; each pod sends from its own, so more pods are more source addresses');
  if (vars.size > 0 && flags.secret === undefined) {
    throw new CliError(
      `${file} uses ${[...vars.keys()].map((v) => `\${${v}}`).join(', ')}: name the Secret that holds ${vars.size === 1 ? 'it' : 'them'} with --secret NAME ` +
        `(kubectl create secret generic NAME ${[...vars.keys()].map((v) => `--from-literal=${v}=…`).join(' ')}); values are never written into a manifest`,
      EXIT.INVALID_INPUT,
    );
  }
  if (vars.size === 0 && flags.secret !== undefined) notes.push(`--secret ${flags.secret}: the scenario uses no \${VAR}, so no key of it is read`);

  const atMs = parseStartAt(flags.startAt, nowMs);
  const leadMs = Math.max(0, atMs - nowMs);
  if (leadMs < 60_000)
    notes.push(
      `--start-at is ${formatDurationMs(leadMs)} away: pods scheduled or pulling their image after it start late (each says by how much, and merge reports the spread)`,
    );
  const load = scenario.load;
  const bg = scenario.background;
  const runMs = load.durationMs + load.drainMs + (bg === null ? 0 : bg.beforeMs + bg.afterMs);
  const name = flags.name ?? `sse-soak-${slug(scenario.name)}`;
  if (!/^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$/.test(name))
    throw new CliError(`--name: ${name} is not a Job name Kubernetes takes (lowercase letters, digits and -, at most 52 characters)`, EXIT.INVALID_INPUT);
  if (flags.namespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(flags.namespace))
    throw new CliError(`--namespace: ${flags.namespace} is not a namespace name`, EXIT.INVALID_INPUT);
  // A Secret's name is a DNS subdomain (RFC 1123): labels of [a-z0-9-], joined by dots, at most 253 characters.
  if (flags.secret !== undefined && !(flags.secret.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(flags.secret))) {
    throw new CliError(
      `--secret: ${flags.secret} is not a Secret name (lowercase letters, digits, - and ., each dot-separated part starting and ending with a letter or digit)`,
      EXIT.INVALID_INPUT,
    );
  }
  // Checked here, not by the cluster: a bad image shows there only as pods stuck in InvalidImageName.
  const imageProblem = imageReferenceProblem(flags.image);
  if (imageProblem !== null) throw new CliError(`--image: ${JSON.stringify(flags.image)} is not an image reference: ${imageProblem}`, EXIT.INVALID_INPUT);
  const cpu = quantity(flags.cpu ?? String(workers), '--cpu');
  let memory: string;
  if (flags.memory !== undefined) memory = quantity(flags.memory, '--memory');
  else {
    const dataset = scenario.workload?.source.kind === 'dataset';
    const shipped = ship.findIndex((f) => f.field === 'workload.dataset');
    const most = mostStreamsAtOnce(scenario.load);
    const pod = podMemory({
      workers,
      streams: most === null ? null : Math.ceil(most / shards),
      http2: scenario.target.http === '2',
      streamsPerConnection: scenario.target.maxStreamsPerConnection,
      tls: scenario.target.variants.some((v) => v.url?.startsWith('https:') === true),
      datasetBytes: !dataset ? 0 : shipped < 0 ? null : (dataFiles[shipped]?.bytes ?? null),
      tokenizer: scenario.workload !== null && (scenario.workload.source.kind === 'synthetic' || scenario.workload.source.format === 'sharegpt'),
    });
    memory = pod.quantity;
    notes.push(`memory ${memory} a pod (request and limit): ${pod.reason}; --memory sets it (docs/scale.md#streams-per-pod)`);
  }
  const metricsPort = flags.metricsListen === undefined ? null : Number(flags.metricsListen);
  if (metricsPort !== null && !(Number.isInteger(metricsPort) && metricsPort >= 1 && metricsPort <= 65535)) {
    throw new CliError(`--metrics-listen: a port from 1 to 65535, got ${flags.metricsListen}`, EXIT.INVALID_INPUT);
  }
  const runArgs = [
    ...(flags.duration === undefined ? [] : ['--duration', flags.duration]),
    ...(flags.threshold ?? []).flatMap((t) => ['--threshold', t]),
    ...(flags.streamsCsv === undefined ? [] : ['--streams-csv', flags.streamsCsv]),
    // A minute for the final scrape (an interval of up to 60 s), ended by the scrape itself.
    ...(metricsPort === null ? [] : ['--metrics-listen', `0.0.0.0:${metricsPort}`, '--live-linger', '60s']),
  ];
  const manifests = renderManifests({
    name,
    namespace: flags.namespace ?? null,
    image: flags.image,
    shards,
    workers,
    cpu,
    memory,
    scenarioKey: /\.json$/i.test(file) ? 'scenario.json' : 'scenario.yaml',
    scenarioText: text,
    dataFiles,
    secretVars: [...vars].map(([v, optional]) => ({ name: v, optional })),
    secret: flags.secret ?? null,
    startAt: new Date(atMs).toISOString(),
    // The pods' whole life: the wait, the run, and 15 minutes for a slow start and the report.
    activeDeadlineSeconds: Math.ceil((leadMs + runMs) / 1000) + 900,
    target: flags.target ?? null,
    runArgs,
    onePerNode: flags.onePerNode === true,
    metricsPort,
  });
  notes.push(
    `the Job ${name}: ${shards} pod(s) start at ${new Date(atMs).toISOString()}; apply before then, and after the run: sse-soak k8s gather ${name}${flags.namespace === undefined ? '' : ` --namespace ${flags.namespace}`} --out <dir>`,
  );
  return { manifests, notes, scenario };
}

/** The scenario's values, where ${VAR}s are read (a ${VAR} in a YAML comment is not one); the text itself if it does not parse (parseScenario then says why). */
function templateText(text: string): string {
  try {
    return JSON.stringify(parseYaml(text, { maxAliasCount: 100 }) ?? null);
  } catch {
    return text;
  }
}

function wholeNumber(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < min || n > max)
    throw new CliError(`${flag}: expected a whole number from ${min} to ${max}, got ${text}`, EXIT.INVALID_INPUT);
  return n;
}

/** A Kubernetes quantity: 2, 1500m, 0.5, 1Gi, 512Mi, 1G. */
function quantity(text: string, flag: string): string {
  if (!/^\d+(\.\d+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.test(text))
    throw new CliError(`${flag}: expected a Kubernetes quantity such as 2, 1500m, 512Mi or 2Gi, got ${text}`, EXIT.INVALID_INPUT);
  return text;
}

/** A scenario name as part of a DNS label. */
function slug(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return s === '' ? 'run' : s;
}
