// deploy/Dockerfile is not built here (no Docker daemon): what can be read of it is checked.
// Behind a TLS-intercepting proxy its npm step trusts a CA given as a build secret, which must
// never land in a layer (no COPY or ADD of it, no ENV pointing at it past that step).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const text = readFileSync(new URL('../../../deploy/Dockerfile', import.meta.url), 'utf8');
/** The instructions, continuation lines joined. */
const instructions = text
  .replace(/\\\n/g, ' ')
  .split('\n')
  .filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));

test('the Dockerfile asks for BuildKit (secret mounts need it)', () => {
  assert.match(text.split('\n')[0] ?? '', /^# syntax=docker\/dockerfile:1/);
});

test('the CA secret is only mounted for the npm ci step, never copied or kept in the environment', () => {
  const withSecret = instructions.filter((l) => /--mount=type=secret,id=ca\b/.test(l));
  assert.equal(withSecret.length, 1, 'one RUN mounts it');
  assert.match(withSecret[0] ?? '', /npm ci/);
  assert.match(withSecret[0] ?? '', /required=false/, 'a build without the secret still works');
  for (const l of instructions) {
    assert.doesNotMatch(l, /^\s*(COPY|ADD)\b.*\bca\b/i, `a CA copied into a layer: ${l}`);
    assert.doesNotMatch(l, /^\s*(ENV|ARG)\b.*(NODE_EXTRA_CA_CERTS|npm_config_cafile)/i, `the CA path kept past its step: ${l}`);
  }
});

test('the user is an ordinary one (no warning of a uid above the system range), and pruning leaves no empty folders', () => {
  assert.doesNotMatch(text, /useradd[^\n]*--system/);
  assert.doesNotMatch(text, /groupadd[^\n]*--system/);
  assert.match(text, /find node_modules -mindepth 1 -type d -empty -delete/);
});

test('the image’s Node is the one the README advises, docs/kubernetes.md names and CI’s newest job runs', () => {
  const image = /^ARG NODE_IMAGE=node:(\d+)-bookworm-slim$/m.exec(text);
  assert.ok(image, 'ARG NODE_IMAGE=node:<major>-bookworm-slim');
  const major = image[1] as string;
  const read = (path: string): string => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');
  assert.match(read('README.md'), new RegExp(`Node ${major} is what the container image ships`));
  assert.match(read('docs/kubernetes.md'), new RegExp(`node:${major}-bookworm-slim`));
  assert.match(read('CONTRIBUTING.md'), new RegExp(`CI_NODE=${major} \\.ci/run +# the newest, which deploy/Dockerfile's image ships`));
  assert.match(read('.ci/run'), new RegExp(`CI_NODE=${major} \\.ci/run +the newest, the one deploy/Dockerfile's image ships`));
  const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
  const oldest = /^>=(\d+\.\d+\.\d+)$/.exec(engines)?.[1];
  assert.ok(oldest !== undefined, `engines.node is ">=x.y.z": ${engines}`);
  assert.ok(Number(major) >= Number(oldest.split('.')[0]), 'the image’s Node is one the package supports');
  assert.match(read('CONTRIBUTING.md'), new RegExp(`CI_NODE=${oldest.replace(/\./g, '\\.')} \\.ci/run +# the oldest`), 'CI’s oldest job is engines.node');
});

test("the image's sse-soak is package.json's bin (the bundle), copied from the build stage", () => {
  const bin = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { bin: Record<string, string> }).bin['sse-soak'];
  assert.equal(bin, 'dist/bin/main.js');
  assert.match(text, /^RUN npm run build /m, 'the build stage bundles');
  assert.match(text, /^COPY --from=build \/src\/dist\/bin \.\/dist\/bin$/m);
  assert.match(text, new RegExp(`ln -s /opt/sse-soak/${bin} /usr/local/bin/sse-soak`));
});
