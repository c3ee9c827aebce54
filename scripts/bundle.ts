// `npm run build`'s second step: the bundle under dist/bin/ that `sse-soak` runs (package.json's
// bin), from tsc's output under dist/src/.
//
// Why: every process sse-soak starts (the CLI, each worker, the built-in target, the background
// load) loaded ~250 files one by one, and resolving and reading them was about half of its
// start-up CPU: `validate` took ~0.49 s of CPU, ~0.29 s bundled, on this 2-core machine
// (CONTRIBUTING.md, "The bundle", has the commands). A run starts two to five such processes,
// capacity one run per step, and the test suite hundreds.
//
// What: three entries (the CLI, a run's worker, the background load) and the chunks they share,
// with the dynamic imports of the CLI's commands kept lazy (splitting). Our code and the small
// pure-JS dependencies are inlined. Left as packages, loaded from node_modules:
//   undici       src/driver/undici-internals.ts reaches its internal modules by path, and they
//                must be the same instances as the package's index;
//   ajv          loaded on demand (src/util/json-schema.ts);
//   prom-client  loaded only when /metrics is asked for;
//   uplot        read as files for the HTML report, never imported;
//   autocannon   the background load's, which finds files of its own with __dirname (its
//                workers option), which no bundle of ours has.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT = `${ROOT}dist/bin`;

rmSync(OUT, { recursive: true, force: true });
await build({
  absWorkingDir: ROOT,
  entryPoints: {
    main: 'dist/src/cli/main.js',
    'worker-main': 'dist/src/run/worker-main.js',
    'background-main': 'dist/src/background/background-main.js',
  },
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.18',
  external: ['undici', 'ajv', 'prom-client', 'uplot', 'autocannon'],
  // src/util/paths.ts: where the entries and package.json are, in this layout.
  define: { SSE_SOAK_BUNDLE: 'true' },
  // The inlined CommonJS packages (hdr-histogram-js, csv-stringify, …) call require().
  banner: { js: "import { createRequire as sseSoakCreateRequire } from 'node:module'; const require = sseSoakCreateRequire(import.meta.url);" },
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'linked',
  logLevel: 'warning',
});
