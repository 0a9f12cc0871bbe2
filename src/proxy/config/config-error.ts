/**
 * A problem in proxy configuration (bootstrap or xDS resource), located by a field path in the
 * proto3 JSON form (`virtual_hosts[0].routes[2].match.safe_regex.regex`).
 *
 * Compiling config is not the data path, so compile functions throw this; the caller adds the
 * resource name and file, turns it into a NACK `error_detail` or a bootstrap error, and keeps
 * the last good config serving.
 */
export class ProxyConfigError extends Error {
  constructor(
    /** Field path inside the resource being compiled. */
    readonly path: string,
    /** What is wrong, in one sentence. */
    readonly reason: string,
  ) {
    super(path ? `${path}: ${reason}` : reason);
    this.name = 'ProxyConfigError';
  }

  /** The same error, located one level further out (`at('routes[2]')` on `match.prefix`). */
  within(prefix: string): ProxyConfigError {
    return new ProxyConfigError(joinPath(prefix, this.path), this.reason);
  }
}

export function joinPath(prefix: string, path: string): string {
  if (!prefix) return path;
  if (!path) return prefix;
  return path.startsWith('[') ? prefix + path : `${prefix}.${path}`;
}

/** Runs `fn`, relocating any ProxyConfigError it throws under `prefix`. */
export function at<T>(prefix: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ProxyConfigError) throw err.within(prefix);
    throw err;
  }
}

/**
 * A ProxyConfigError in one named xDS resource: what a NACK's error_detail says, e.g.
 * `Cluster "backend": connect_timeout: must be a duration`.
 */
export class ResourceConfigError extends Error {
  constructor(
    /** The resource kind as Envoy names it: Listener, RouteConfiguration, Cluster, ClusterLoadAssignment, Secret. */
    readonly kind: string,
    readonly resourceName: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${kind} ${JSON.stringify(resourceName)}: ${path ? `${path}: ` : ''}${reason}`);
    this.name = 'ResourceConfigError';
  }
}

/** Runs `fn` for one xDS resource, turning its ProxyConfigError into a ResourceConfigError. */
export function inResource<T>(kind: string, name: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ProxyConfigError) throw new ResourceConfigError(kind, name, err.path, err.reason);
    if (err instanceof Error && !(err instanceof ResourceConfigError)) throw new ResourceConfigError(kind, name, '', err.message);
    throw err;
  }
}
