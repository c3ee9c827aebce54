// The files a scenario names besides itself (a workload's dataset, a load's trace), shipped to the
// pods in the scenario's ConfigMap, each at its path relative to the scenario, so the scenario's
// text runs as written from /scenario. A ConfigMap key cannot hold '/': each file is a key of its
// own, put at its path by the configMap volume's `items`. A file the pods have already (baked into
// an image FROM the sse-soak image, or on a mounted volume) is named by its absolute path and
// given with --pod-file; it is then not shipped.
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { Scenario } from '../scenario/types.js';
import { CliError, EXIT } from '../util/exit-codes.js';

/** What Kubernetes lets a ConfigMap's data and binaryData hold together (its validation's MaxSecretSize). */
const CONFIGMAP_MAX_BYTES = 1024 * 1024;
/**
 * Client-side `kubectl apply` keeps a copy of the object in its last-applied-configuration
 * annotation, and a object's annotations hold 256 KiB at most; past this, apply server-side.
 */
export const CLIENT_APPLY_MAX_BYTES = 240 * 1024;

/** A file field of the scenario. */
export interface DataFileRef {
  field: 'workload.dataset' | 'load.trace';
  /** As the scenario names it. */
  given: string;
  /** Resolved against the scenario's folder. */
  file: string;
}

/** A file in the ConfigMap: its key, and its path under /scenario. UTF-8 text goes in `data`, anything else in `binaryData`. */
export interface ShippedFile {
  key: string;
  path: string;
  bytes: number;
  text?: string;
  base64?: string;
}

export function dataFileRefs(scenario: Scenario): DataFileRef[] {
  const refs: DataFileRef[] = [];
  const w = scenario.workload;
  if (w !== null && w.source.kind === 'dataset') refs.push({ field: 'workload.dataset', given: w.source.fileForReport, file: w.source.file });
  const load = scenario.load;
  if (load.model === 'open' && load.trace !== null) refs.push({ field: 'load.trace', given: load.trace.fileForReport, file: load.trace.file });
  return refs;
}

const FOLDER_HINT =
  'bake it into an image FROM the sse-soak image or mount a volume that holds it, name it by its absolute path in the pods, and pass --pod-file PATH (docs/kubernetes.md#data-files)';

/**
 * The files to ship, with their paths under /scenario, and the ones the pods have already
 * (--pod-file). Refused: an absolute path that is not a --pod-file, and a path outside the
 * scenario's folder (the pods get that folder only).
 */
export function placeDataFiles(
  scenarioFile: string,
  refs: readonly DataFileRef[],
  podFiles: readonly string[],
): { ship: (DataFileRef & { path: string })[]; inPods: DataFileRef[] } {
  for (const p of podFiles)
    if (!isAbsolute(p))
      throw new CliError(
        `--pod-file ${p}: the path the pods have the file at, absolute (as the scenario names it), e.g. /data/prompts.jsonl`,
        EXIT.INVALID_INPUT,
      );
  const folder = dirname(resolve(scenarioFile));
  const ship: (DataFileRef & { path: string })[] = [];
  const inPods: DataFileRef[] = [];
  for (const ref of refs) {
    if (isAbsolute(ref.given)) {
      if (podFiles.includes(ref.given)) {
        inPods.push(ref);
        continue;
      }
      throw new CliError(
        `${ref.field}: ${ref.given} is an absolute path, which the pods do not have: name the file relative to the scenario's folder (it is then shipped to the pods in the ConfigMap), or, if the pods have it at that path (an image built FROM the sse-soak image, or a mounted volume), pass --pod-file ${ref.given}`,
        EXIT.INVALID_INPUT,
      );
    }
    const path = relative(folder, ref.file);
    if (path === '' || path === '..' || path.startsWith(`..${sep}`) || isAbsolute(path)) {
      throw new CliError(
        `${ref.field}: ${ref.given} is outside the scenario's folder (${folder}), and the pods get that folder only (at /scenario): move the file into it, or ${FOLDER_HINT}`,
        EXIT.INVALID_INPUT,
      );
    }
    // Both fields may name one file: it is shipped once.
    const posix = path.split(sep).join('/');
    if (!ship.some((s) => s.path === posix)) ship.push({ ...ref, path: posix });
  }
  return { ship, inPods };
}

/**
 * Reads the files to ship; refused when they and the scenario do not fit in one ConfigMap,
 * naming the biggest file and saying what to do instead.
 */
export async function readShippedFiles(ship: readonly (DataFileRef & { path: string })[], scenarioBytes: number): Promise<ShippedFile[]> {
  const sizes: number[] = [];
  for (const f of ship) {
    try {
      const s = await stat(f.file);
      if (!s.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
      sizes.push(s.size);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new CliError(
        `${f.field}: ${f.given}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${code ?? (err as Error).message})`}`,
        EXIT.INVALID_INPUT,
      );
    }
  }
  const total = scenarioBytes + sizes.reduce((a, b) => a + b, 0);
  if (total > CONFIGMAP_MAX_BYTES) {
    const i = sizes.indexOf(Math.max(...sizes));
    const big = ship[i] as DataFileRef & { path: string };
    const together = ship.length > 1 || scenarioBytes > 0 ? ` (${formatBytes(total)} with the scenario${ship.length > 1 ? ' and the other files' : ''})` : '';
    throw new CliError(
      `${big.field}: ${big.given} is ${formatBytes(sizes[i] as number)}${together}: more than a ConfigMap holds (1 MiB in all), so sse-soak k8s cannot ship it to the pods. ` +
        `Bake it into an image FROM the sse-soak image (COPY ${big.path} /data/${basename(big.path)}), or mount a volume that holds it; name it by that absolute path in the scenario (/data/${basename(big.path)}) and pass --pod-file /data/${basename(big.path)} (docs/kubernetes.md#data-files)`,
      EXIT.INVALID_INPUT,
    );
  }
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const out: ShippedFile[] = [];
  for (const [i, f] of ship.entries()) {
    const bytes = await readFile(f.file);
    // A key is [-._a-zA-Z0-9]+ (no '/'); the volume's items put it at its path.
    const key = `file-${i + 1}-${basename(f.path).replace(/[^-._a-zA-Z0-9]/g, '_')}`.slice(0, 200);
    let text: string | undefined;
    try {
      text = utf8.decode(bytes);
    } catch {
      // Not UTF-8 (a UTF-16 dataset): `data` holds UTF-8 strings only, `binaryData` any bytes.
    }
    out.push(
      text === undefined ? { key, path: f.path, bytes: bytes.length, base64: bytes.toString('base64') } : { key, path: f.path, bytes: bytes.length, text },
    );
  }
  return out;
}

export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}
