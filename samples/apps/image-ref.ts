/**
 * Container image references as Docker and Kubernetes read them, reduced to what the catalog needs:
 * the repository in its fully qualified form (`docker.io/istio/...`, `docker.io/library/nginx`) and
 * the tag (`latest` when none is given). A digest (`@sha256:…`) is dropped: the sample apps are
 * chosen by name and tag, and a pinned digest of a known image still means that image.
 */
export interface ImageRef {
  /** Fully qualified repository, lower case, no tag or digest: `docker.io/istio/examples-bookinfo-reviews-v2`. */
  readonly repository: string;
  readonly tag: string;
}

/** Parses `[registry/]path[:tag][@digest]`; undefined for an empty or malformed reference. */
export function parseImageRef(ref: string): ImageRef | undefined {
  let rest = ref.trim();
  if (rest === '' || /\s/.test(rest)) return undefined;
  const at = rest.indexOf('@');
  if (at >= 0) rest = rest.slice(0, at);
  // The tag follows the last ':' only when that ':' comes after the last '/'; otherwise it is a registry port.
  const colon = rest.lastIndexOf(':');
  let tag = 'latest';
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (tag === '') return undefined;
  }
  if (rest === '' || rest.startsWith('/') || rest.endsWith('/') || rest.includes('//')) return undefined;
  return { repository: normalizeRepository(rest), tag };
}

/**
 * Docker's normalisation: a first component with no '.' or ':' (and not `localhost`) is a path on
 * Docker Hub, and a single-component name is an official image under `library/`.
 */
export function normalizeRepository(repository: string): string {
  const lower = repository.toLowerCase();
  const slash = lower.indexOf('/');
  if (slash < 0) return `docker.io/library/${lower}`;
  const first = lower.slice(0, slash);
  const isRegistry = first.includes('.') || first.includes(':') || first === 'localhost';
  if (!isRegistry) return `docker.io/${lower}`;
  // index.docker.io and registry-1.docker.io are Docker Hub under other names.
  if (first === 'index.docker.io' || first === 'registry-1.docker.io') return `docker.io${lower.slice(slash)}`;
  return lower;
}
