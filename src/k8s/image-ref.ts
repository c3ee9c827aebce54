// An image reference as Kubernetes and every registry client read it: the grammar of
// github.com/distribution/reference (regexp.go, reference.go), which containerd and the
// kubelet use. An image that breaks it shows up only as pods stuck in InvalidImageName,
// after the Job was created: `k8s --image` is checked here instead.
//
//   reference  := name [ ":" tag ] [ "@" digest ]
//   name       := [ domain "/" ] remote-name            (at most 255 characters)
//   domain     := host [ ":" port ]                     (a DNS name, or an IPv6 address in [])
//   remote-name:= path-component [ "/" path-component ]*
//   path-component := [a-z0-9]+ ( separator [a-z0-9]+ )*   separator := [._] | __ | [-]+
//   tag        := [\w][\w.-]{0,127}
//   digest     := algorithm ":" hex                     (algorithm [A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*, hex [0-9a-fA-F]{32,})

const ALPHANUMERIC = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALPHANUMERIC}(?:${SEPARATOR}${ALPHANUMERIC})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const IPV6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const HOST = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|${IPV6})`;
const DOMAIN = `${HOST}(?::[0-9]+)?`;
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';

const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const NAME_ONLY = new RegExp(`^${NAME}$`);

/** The longest name (domain and path, without tag or digest) a registry takes. */
const NAME_TOTAL_LENGTH_MAX = 255;

/** go-digest's registered algorithms, with the length of their hex. */
const DIGEST_HEX: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** null when `ref` is an image reference a cluster can pull by; otherwise why it is not. */
export function imageReferenceProblem(ref: string): string | null {
  if (ref === '') return 'it is empty';
  if (/\s/.test(ref)) return 'it has a space (an image reference has none)';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(ref)) return 'no scheme goes before it (registry.example.com/team/sse-soak:0.1.0, not https://…)';
  const m = REFERENCE.exec(ref);
  if (m === null) return diagnose(ref);
  const [, name = '', , digest] = m;
  if (name.length > NAME_TOTAL_LENGTH_MAX) return `its name is longer than ${NAME_TOTAL_LENGTH_MAX} characters`;
  if (digest !== undefined) {
    const [algorithm = '', hex = ''] = digest.split(':');
    const want = DIGEST_HEX[algorithm];
    if (want !== undefined && !(hex.length === want && /^[0-9a-f]+$/.test(hex)))
      return `its digest is not a ${algorithm} digest: ${algorithm}: and ${want} hex digits in lower case`;
  }
  return null;
}

/** Why a reference that does not match the grammar is refused, as precisely as can be told. */
function diagnose(ref: string): string {
  const at = ref.indexOf('@');
  const beforeDigest = at === -1 ? ref : ref.slice(0, at);
  if (at !== -1) {
    const digest = ref.slice(at + 1);
    const [algorithm = '', hex] = digest.split(':');
    const want = DIGEST_HEX[algorithm];
    if (hex === undefined || !new RegExp(`^${DIGEST}$`).test(digest) || (want !== undefined && hex.length !== want)) {
      return `its digest "${digest}" is not algorithm:hex (${want === undefined ? 'e.g. sha256: and 64 hex digits' : `${algorithm}: and ${want} hex digits`})`;
    }
  }
  // A tag follows the last ':' that has no '/' after it (a port has one).
  const colon = beforeDigest.lastIndexOf(':');
  const tag = colon !== -1 && !beforeDigest.slice(colon + 1).includes('/') ? beforeDigest.slice(colon + 1) : null;
  const name = tag === null ? beforeDigest : beforeDigest.slice(0, colon);
  if (tag !== null && !new RegExp(`^${TAG}$`).test(tag) && NAME_ONLY.test(name)) {
    return tag.length > 128
      ? `its tag is ${tag.length} characters long: a tag has at most 128 characters`
      : `its tag "${tag}" is not one: a tag starts with a letter, digit or _, then letters, digits, _, . and -, at most 128 characters`;
  }
  if (name.length > NAME_TOTAL_LENGTH_MAX) return `its name is longer than ${NAME_TOTAL_LENGTH_MAX} characters`;
  // The repository path (after a domain, which may have capitals) must be lower case.
  const slash = name.indexOf('/');
  const path = slash !== -1 && /[.:]|^localhost$/.test(name.slice(0, slash)) ? name.slice(slash + 1) : name;
  if (/[A-Z]/.test(path) && NAME_ONLY.test(name.replace(path, path.toLowerCase()))) return 'repository names are lowercase';
  return 'the form is [registry[:port]/]path[:tag][@algorithm:hex], each part of the path lower-case letters and digits joined by ., _, __ or -';
}
