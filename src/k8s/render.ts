// `sse-soak k8s`: a scenario as plain Kubernetes objects, `kubectl apply -f` ready, with no
// operator or CRD to install: a ConfigMap that holds the scenario file (and the data files it
// names), and an Indexed Job whose pod i runs shard i+1 of N, all waiting for one --start-at time.
//
// Pure: options in, objects out (yaml.ts prints them). The objects are typed with the
// kubernetes-models interfaces, so a misspelt or misplaced field fails the build, and the tests
// validate every rendered object against the Kubernetes API schemas that package ships.
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IIoK8sApiCoreV1EnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IIoK8sApiCoreV1PodSpec } from 'kubernetes-models/v1/PodSpec';
import type { ShippedFile } from './data-files.js';
import { shardScript } from './pod-script.js';

/** Where the pod finds what the manifests give it; the script reads them from its environment. */
const SCENARIO_MOUNT = '/scenario';
const REPORT_MOUNT = '/report';
/** Kept after the Job ends, so that `sse-soak k8s gather` can read the pods' logs. */
const KEEP_FINISHED_S = 24 * 3600;
/** Labels of every object and pod: `kubectl delete … -l app.kubernetes.io/instance=<name>` cleans up. */
const NAME_LABEL = 'app.kubernetes.io/name';
const INSTANCE_LABEL = 'app.kubernetes.io/instance';

export interface RenderOptions {
  /** The Job's name (a DNS label); the ConfigMap is `<name>-scenario`. */
  name: string;
  namespace: string | null;
  image: string;
  shards: number;
  /** Worker processes per pod (run --workers); the pod requests this many cores by default. */
  workers: number;
  /** CPU request (Kubernetes quantity), e.g. "2" or "1500m". */
  cpu: string;
  /** Memory request and limit, e.g. "1Gi". */
  memory: string;
  /** The scenario file's name in the ConfigMap and its text. */
  scenarioKey: string;
  scenarioText: string;
  /** Files the scenario names (a dataset, a trace), each put at its path under /scenario. */
  dataFiles: ShippedFile[];
  /** The ${VAR}s the scenario uses: each comes from the Secret `secret`, never from a manifest. */
  secretVars: { name: string; optional: boolean }[];
  secret: string | null;
  /** run --start-at, the same absolute time for every pod (ISO 8601, UTC). */
  startAt: string;
  /** Longest a pod may run: start lead + stages + drain + background + margin. */
  activeDeadlineSeconds: number;
  /** run --target, when given. */
  target: string | null;
  /** Extra `run` flags (--duration, --threshold …), as the user gave them. */
  runArgs: string[];
  /** Require one pod per node (a big run), instead of spreading them as evenly as the nodes allow. */
  onePerNode: boolean;
  /** run --metrics-listen's port in each pod (a `metrics` container port and Prometheus' scrape annotations); null: none. */
  metricsPort: number | null;
}

export type Manifest = IConfigMap | IJob;

export function renderManifests(o: RenderOptions): Manifest[] {
  const labels = { [NAME_LABEL]: 'sse-soak', [INSTANCE_LABEL]: o.name };
  const meta = (name: string): { name: string; namespace?: string; labels: Record<string, string> } => ({
    name,
    ...(o.namespace === null ? {} : { namespace: o.namespace }),
    labels,
  });
  const configMap: IConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(`${o.name}-scenario`),
    data: {
      [o.scenarioKey]: o.scenarioText,
      ...Object.fromEntries(o.dataFiles.flatMap((f): [string, string][] => (f.text === undefined ? [] : [[f.key, f.text]]))),
    },
  };
  const binary = o.dataFiles.flatMap((f): [string, string][] => (f.base64 === undefined ? [] : [[f.key, f.base64]]));
  if (binary.length > 0) configMap.binaryData = Object.fromEntries(binary);
  // A key cannot hold '/': the items put each file at its path (data/prompts.jsonl). Given items,
  // only the keys listed are mounted, so the scenario's is listed too.
  const items =
    o.dataFiles.length === 0 ? {} : { items: [{ key: o.scenarioKey, path: o.scenarioKey }, ...o.dataFiles.map((f) => ({ key: f.key, path: f.path }))] };

  const env: IIoK8sApiCoreV1EnvVar[] = [
    { name: 'SSE_SOAK_SCENARIO', value: `${SCENARIO_MOUNT}/${o.scenarioKey}` },
    { name: 'SSE_SOAK_REPORT', value: REPORT_MOUNT },
    ...o.secretVars.map((v): IIoK8sApiCoreV1EnvVar => ({
      name: v.name,
      valueFrom: { secretKeyRef: { name: o.secret as string, key: v.name, optional: v.optional } },
    })),
  ];
  const podSpec: IIoK8sApiCoreV1PodSpec = {
    restartPolicy: 'Never',
    // A load generator rather than a service: no service-account token to mount.
    automountServiceAccountToken: false,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      // A namespaced, "safe" sysctl (allowed by every kubelet since 1.22): ~64,000 ports per source address instead of ~28,000 (docs/scale.md).
      sysctls: [{ name: 'net.ipv4.ip_local_port_range', value: '1024 65535' }],
    },
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: { matchLabels: { [INSTANCE_LABEL]: o.name } },
      },
    ],
    ...(o.onePerNode
      ? {
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { [INSTANCE_LABEL]: o.name } } },
              ],
            },
          },
        }
      : {}),
    // SIGTERM reaches the run through the script, which then writes its summary and prints it to the log.
    terminationGracePeriodSeconds: 60,
    containers: [
      {
        name: 'sse-soak',
        image: o.image,
        command: ['/bin/sh', '-c'],
        args: [shardScript(o)],
        env,
        ...(o.metricsPort === null ? {} : { ports: [{ name: 'metrics', containerPort: o.metricsPort }] }),
        resources: {
          // A CPU request and no CPU limit: a throttled load generator reports its own delay as the target's.
          requests: { cpu: o.cpu, memory: o.memory },
          limits: { memory: o.memory },
        },
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        volumeMounts: [
          { name: 'scenario', mountPath: SCENARIO_MOUNT, readOnly: true },
          { name: 'report', mountPath: REPORT_MOUNT },
          { name: 'tmp', mountPath: '/tmp' },
        ],
      },
    ],
    volumes: [
      { name: 'scenario', configMap: { name: `${o.name}-scenario`, ...items } },
      { name: 'report', emptyDir: {} },
      { name: 'tmp', emptyDir: {} },
    ],
  };
  const job: IJob = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta(o.name),
    spec: {
      completionMode: 'Indexed',
      completions: o.shards,
      parallelism: o.shards,
      // A shard run again would start late and measure a different load: a failed pod fails the run.
      backoffLimit: 0,
      activeDeadlineSeconds: o.activeDeadlineSeconds,
      ttlSecondsAfterFinished: KEEP_FINISHED_S,
      template: { metadata: { labels, ...(o.metricsPort === null ? {} : { annotations: scrapeAnnotations(o.metricsPort) }) }, spec: podSpec },
    },
  };
  return [configMap, job];
}

/** The annotations Prometheus' common kubernetes-pods scrape job reads (deploy/grafana/podmonitor.yaml has a PodMonitor for the operator). */
function scrapeAnnotations(port: number): Record<string, string> {
  return { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port), 'prometheus.io/path': '/metrics' };
}
