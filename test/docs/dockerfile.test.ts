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
