// `sse-soak init [name] [url]`: a commented scenario file to grow from, as `k6 new` writes
// a script. Made from the same flags as `run <URL>`, through the same fields and the same
// parser, so the file runs the scenario that `run <URL>` with those flags runs.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { writeFileAtomic } from '../report/atomic-file.js';
import { MAX_SCENARIO_BYTES } from '../scenario/load.js';
import { SECRET_HEADERS } from '../scenario/target-section.js';
import { commentedScenarioYaml, scenarioYaml, type ScenarioFields } from '../scenario/template.js';
import { CliError, EXIT } from '../util/exit-codes.js';
import { PACKAGE_ROOT } from '../util/paths.js';
import { fieldsFromFlags, parseFlagScenario, scenarioOptions, type ScenarioFlags } from './flag-scenario.js';
import { describeScenario } from './validate.js';

const SCHEMA = join(PACKAGE_ROOT, 'schemas', 'scenario.schema.json');

/** An environment in which every ${VAR} is set: the environment's value, or a stand-in. */
const ANY_VARIABLE_SET: NodeJS.ProcessEnv = new Proxy(process.env, {
  get: (env, name) => (typeof name === 'string' ? env[name] || 'set-at-run-time' : undefined),
});

interface InitFlags extends ScenarioFlags {
  force?: boolean;
}

export function registerInit(program: Command): void {
  const init = program
    .command('init')
    .description('write a commented scenario file to grow from, <name>.yaml: from the same flags as run <URL> when given, validated before it is written')
    .argument('[name]', 'the file to write: <name>.yaml (default: scenario); a URL alone is taken as [url]')
    .argument('[url]', 'the stream URL (default: none, for the built-in target)');
  scenarioOptions(init)
    .option('--force', 'replace the file if it exists')
    .action(async (nameArg: string | undefined, urlArg: string | undefined, flags: InitFlags) => {
      // `init https://…`: the URL, in the default file.
      const [name, url] = urlArg === undefined && nameArg !== undefined && /^https?:\/\//i.test(nameArg) ? [undefined, nameArg] : [nameArg, urlArg];
      const file = yamlFile(name ?? 'scenario');
      const fields = await fieldsFromFlags(url, flags, basename(file).replace(/\.ya?ml$/i, ''));
      // Checked as `run <URL>` checks it, in the flags' words, before anything is written; a
      // ${VAR} need not be set yet (the file is for later: validate and run will ask for it).
      const scenario = parseFlagScenario(scenarioYaml(fields), ANY_VARIABLE_SET);
      const text = commentedScenarioYaml(fields, { file, schema: schemaFor(file) });
      if (Buffer.byteLength(text) > MAX_SCENARIO_BYTES)
        throw new CliError(
          `${file} would be over ${MAX_SCENARIO_BYTES / 1024 / 1024} MiB, more than a scenario file may be: is the -b body that large?`,
          EXIT.INVALID_INPUT,
        );
      if (flags.force !== true && existsSync(file))
        throw new CliError(`${file} exists: init does not replace a file; give another name, or --force to replace it`, EXIT.INVALID_INPUT);
      try {
        await writeFileAtomic(file, text);
      } catch (err) {
        throw new CliError((err as Error).message, EXIT.CANNOT_WRITE);
      }
      for (const note of secretNotes(fields)) process.stderr.write(`sse-soak: note: ${file} ${note}\n`);
      process.stdout.write(`wrote ${file}: ${describeScenario(scenario)}\n  check it:  npx sse-soak validate ${file}\n  run it:    npx sse-soak run ${file}\n`);
    });
}

/** <name>.yaml; a name that ends in .yaml or .yml is kept. */
function yamlFile(name: string): string {
  if (/\.ya?ml$/i.test(name)) return name;
  if (/\.json$/i.test(name))
    throw new CliError(
      `${name}: init writes YAML, with comments; give a name such as ${name.replace(/\.json$/i, '')} (sse-soak reads JSON scenarios too)`,
      EXIT.INVALID_INPUT,
    );
  return `${name}.yaml`;
}

/**
 * The JSON Schema, relative to the file, for the editor line at its top: when the file is
 * written inside this copy of sse-soak, or beside a project that has it in node_modules.
 * Null elsewhere (npx's cache, a path across the machine): a path that breaks is worse than none.
 */
function schemaFor(file: string): string | null {
  const root = dirname(dirname(SCHEMA));
  const installedAt = root.lastIndexOf(`${sep}node_modules${sep}`);
  // The project that has sse-soak in its node_modules (npx's cache is no project).
  const home = installedAt < 0 || root.includes(`${sep}_npx${sep}`) ? root : root.slice(0, installedAt);
  const full = resolve(file);
  if (!existsSync(SCHEMA) || !full.startsWith(home + sep)) return null;
  return relative(dirname(full), SCHEMA).split(sep).join('/');
}

/** A secret written into the file as given: the file is easily shared, the environment is not. */
function secretNotes(fields: ScenarioFields): string[] {
  const notes: string[] = [];
  for (const [name, value] of Object.entries(fields.target.headers)) {
    if (SECRET_HEADERS.has(name.toLowerCase()) && !value.includes('${')) {
      notes.push(
        `holds the ${name} header's value as given: write it as \${VAR} (e.g. "Bearer \${API_KEY}") and export VAR=… to keep the secret out of the file`,
      );
    }
  }
  const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)@/i.exec(fields.target.url ?? '');
  if (userinfo !== null && !userinfo[1]?.includes('${'))
    notes.push('holds the user:password of the URL as given: write it as ${VAR} and export VAR=… to keep it out of the file');
  return notes;
}
