// --image is checked against the OCI distribution reference grammar (github.com/distribution/
// reference): an image Kubernetes cannot pull shows up only as pods stuck in InvalidImageName
// or ErrImagePull, after the Job is created (issue 23). `Not A Valid/Image!!` was accepted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { imageReferenceProblem } from '../../src/k8s/image-ref.js';
import { cli, noStack, tempDir } from '../helpers/cli.js';

const HEX64 = 'a'.repeat(32) + '0123456789abcdef'.repeat(2);

test('valid references: a name, with a registry and port, a tag, a digest, or both', () => {
  for (const ref of [
    'nginx',
    'sse-soak:0.1.0',
    'registry.example:5000/team/sse-soak:0.1.0',
    `x@sha256:${HEX64}`,
    `registry.example.com/team/sse-soak:0.1.0@sha256:${HEX64}`,
    'localhost:5000/a/b/c',
    'ghcr.io/org/my_image__v2.x-y:Tag_1.2-rc.3',
    '[::1]:5000/img',
    'a--b/c',
    'a'.repeat(10) + ':' + 'T'.repeat(128),
  ]) {
    assert.equal(imageReferenceProblem(ref), null, ref);
  }
});

test('invalid references, each with its reason', () => {
  const cases: [string, RegExp][] = [
    ['Not A Valid/Image!!', /a space/],
    ['', /empty/],
    ['team/Sse-soak', /repository names are lowercase/],
    ['registry.example.com/Team/sse-soak:1', /repository names are lowercase/],
    ['sse-soak:1.0:2', /the form is \[registry\[:port\]\/\]path\[:tag\]\[@algorithm:hex\]/],
    ['sse-soak:' + 'a'.repeat(129), /tag .*at most 128 characters/],
    ['sse-soak:.hidden', /tag .*starts with a letter, digit or _/],
    ['x@sha256:abc', /digest .*sha256: and 64 hex digits/],
    [`x@sha256:${HEX64.toUpperCase()}`, /digest .*64 hex digits/],
    ['x@md5', /digest/],
    ['a/-b', /the form is/],
    ['a//b', /the form is/],
    ['https://registry.example.com/img', /no scheme goes before it/],
    [`${'a'.repeat(256)}`, /longer than 255/],
  ];
  for (const [ref, why] of cases) {
    const problem = imageReferenceProblem(ref);
    assert.ok(problem !== null, `${JSON.stringify(ref)} was accepted`);
    assert.match(problem, why, ref);
  }
});

test('k8s --image: an invalid one is refused with exit 2 naming --image, a valid one is in the Job; a bad --secret is refused too', async () => {
  const dir = tempDir();
  const file = join(dir, 's.yaml');
  writeFileSync(file, 'target: { url: "http://chat.example:8080/stream" }\nload: { sessions: 4, duration: 1m }\n');
  const bad = await cli(['k8s', file, '--shards', '2', '--image', 'Not A Valid/Image!!']);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /^sse-soak: --image: "Not A Valid\/Image!!" is not an image reference: it has a space/m);
  assert.equal(bad.stdout, '');
  noStack(bad.stderr);
  // Its sibling: a Secret name that is no DNS subdomain, which the cluster would refuse at apply.
  const secret = await cli(['k8s', file, '--shards', '2', '--secret', 'keys..x']);
  assert.equal(secret.code, 2, secret.stderr);
  assert.match(secret.stderr, /--secret: keys\.\.x is not a Secret name/);
  const good = await cli(['k8s', file, '--shards', '2', '--image', 'registry.example:5000/team/sse-soak:0.1.0']);
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stdout, /^ {10}image: registry\.example:5000\/team\/sse-soak:0\.1\.0$/m);
});
