// The command line of a pod of the Indexed Job: a POSIX sh script (the image's /bin/sh), because
// the shard number is JOB_COMPLETION_INDEX + 1 and Kubernetes' own $(VAR) expansion has no
// arithmetic. It runs the shard, then prints its report folder to the log between markers
// (bundle.ts), where `sse-soak k8s gather` finds it: no volume shared between nodes is needed.

/** What the script needs of the render options. */
export interface ScriptOptions {
  /** The Job's name: each pod's report folder. */
  name: string;
  shards: number;
  workers: number;
  startAt: string;
  target: string | null;
  runArgs: string[];
}

/** A word for sh, quoted when it needs to be. */
function shQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function shardScript(o: ScriptOptions): string {
  const run = [
    'sse-soak run "$SSE_SOAK_SCENARIO"',
    `--shard "$i/${o.shards}"`,
    `--start-at ${shQuote(o.startAt)}`,
    `--workers ${o.workers}`,
    ...(o.target === null ? [] : [`--target ${shQuote(o.target)}`]),
    ...o.runArgs.map(shQuote),
    // A line a minute keeps the log (which carries the report) small.
    '--progress-interval 60s',
    // One folder name on every pod (each has its own volume): the live metrics' `run` label is the
    // folder's name, and so the same on every shard, as `sum by (run)` needs.
    `--out "$SSE_SOAK_REPORT/${o.name}"`,
  ].join(' ');
  return [
    'set -u',
    'i=$((JOB_COMPLETION_INDEX + 1))',
    // In the background, so that this shell (PID 1, which ignores signals it has no trap for) can
    // pass Kubernetes' SIGTERM on: the run then stops and writes what it measured.
    `${run} &`,
    'pid=$!',
    "trap 'kill -TERM $pid 2>/dev/null' TERM INT",
    'wait $pid; rc=$?',
    'while kill -0 $pid 2>/dev/null; do wait $pid; rc=$?; done',
    // No report to print (the run failed before its end): the run's own exit code says why.
    `if ! sse-soak k8s emit "$SSE_SOAK_REPORT/${o.name}" --shard "$i/${o.shards}"; then [ "$rc" -ne 0 ] || rc=3; fi`,
    // A failed threshold is judged on the merged report; a failed pod would fail the Job and stop the other shards.
    'if [ "$rc" -eq 4 ]; then echo "sse-soak: shard $i: a threshold failed on this shard alone; see the merged report"; rc=0; fi',
    'exit $rc',
  ].join('\n');
}
