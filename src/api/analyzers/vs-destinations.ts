// Every destination a VirtualService names, with the field path of its `destination` object, as
// Istio's util.getRouteDestinations + getHTTPMirrorDestinations.
import type { FieldPath } from '../resource/field-path.js';
import type { Resource } from '../resource/resource.js';
import { list, obj, str } from './context.js';

export interface VsDestination {
  readonly host: string;
  readonly subset: string;
  readonly port?: number;
  /** An http mirror (`mirror` or `mirrors[].destination`), which Istio names `mirror host`. */
  readonly mirror: boolean;
  /** Path of the `destination` object (or of `mirror`). */
  readonly path: FieldPath;
}

export function vsDestinations(vs: Resource): VsDestination[] {
  const spec = obj(vs.spec);
  const out: VsDestination[] = [];
  const add = (d: unknown, path: FieldPath, mirror = false): void => {
    const dest = obj(d);
    if (str(dest.host) === '') return;
    const port = obj(dest.port).number;
    out.push({ host: str(dest.host), subset: str(dest.subset), ...(typeof port === 'number' ? { port } : {}), mirror, path });
  };
  for (const section of ['http', 'tcp', 'tls'] as const) {
    list(spec[section]).forEach((rule, i) => {
      list(obj(rule).route).forEach((route, j) => add(obj(route).destination, ['spec', section, i, 'route', j, 'destination']));
    });
  }
  list(spec.http).forEach((rule, i) => {
    const r = obj(rule);
    if (r.mirror !== undefined) add(r.mirror, ['spec', 'http', i, 'mirror'], true);
    list(r.mirrors).forEach((m, k) => add(obj(m).destination, ['spec', 'http', i, 'mirrors', k, 'destination'], true));
  });
  return out;
}
