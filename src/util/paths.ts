// Where sse-soak's own files are: the entries it starts as child processes (the built-in
// target's `serve` and capacity's steps through the CLI, a run's workers, the background load)
// and the package's root (package.json, schemas/). The one place that knows the layout.
//
// Two layouts run the same code. tsc's output (dist/src/<folder>/<module>.js) is what the tests
// import. The bundle (dist/bin/, scripts/bundle.ts: main.js, worker-main.js,
// background-main.js and the chunks they share) is what the `sse-soak` command, its child
// processes and the image run: one file to load instead of ~250 cuts a process's start-up CPU by
// about half (CONTRIBUTING.md, "The bundle"). In the bundle every module sits in dist/bin/, and
// esbuild's `define` sets SSE_SOAK_BUNDLE.
import { fileURLToPath } from 'node:url';

declare const SSE_SOAK_BUNDLE: true | undefined;

/** True in the bundle under dist/bin/. */
const BUNDLED = typeof SSE_SOAK_BUNDLE !== 'undefined';

const at = (bundled: string, compiled: string): string => fileURLToPath(new URL(BUNDLED ? bundled : compiled, import.meta.url));

/** The package's root folder, with package.json and schemas/ (ends with a separator). */
export const PACKAGE_ROOT = at('../../', '../../../');
/** The CLI's entry. */
export const CLI_MAIN = at('./main.js', '../cli/main.js');
/** A run's worker process's entry (run --workers). */
export const WORKER_MAIN = at('./worker-main.js', '../run/worker-main.js');
/** The background load's process's entry. */
export const BACKGROUND_MAIN = at('./background-main.js', '../background/background-main.js');
/** The bundle's CLI entry, package.json's `bin`: what the tests and benchmarks start as `sse-soak`, from either layout. */
export const SHIPPED_CLI = `${PACKAGE_ROOT}dist/bin/main.js`;
