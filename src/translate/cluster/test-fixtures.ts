/**
 * Test support for the cluster and endpoint translators: a PushContext from one YAML text, with
 * Istio resources as users write them and the registry's services and endpoints in a compact
 * form, plus a partial-match assertion for Envoy JSON ("these fields, with these values").
 */
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import type { Resource } from '../../api/resource/resource.js';
import { DEFAULT_MESH_CONFIG } from '../../model/mesh-config.js';
import type { MeshConfig } from '../../model/mesh-config.js';
import { parseProtocol, protocolOfServicePort } from '../../model/protocol.js';
import type { Proxy } from '../../model/proxy.js';
import { PushContext } from '../../model/push-context.js';
import type { Endpoint, Locality, Resolution, Service, ServicePort } from '../../model/service.js';

interface ServiceDoc {
  service: string;
  namespace?: string;
  name?: string;
  ports: { name?: string; port: number; protocol?: string }[];
  resolution?: Resolution;
  meshExternal?: boolean;
  exportTo?: string[];
  selector?: Record<string, string>;
  source?: 'Service' | 'ServiceEntry';
  creationTimestamp?: string;
}

interface EndpointsDoc {
  endpoints: string;
  namespace?: string;
  port: number;
  portName?: string;
  items: { address: string; port?: number; labels?: Record<string, string>; locality?: string; weight?: number; healthy?: boolean; workload?: string }[];
}

function parseLocality(label: string | undefined): Locality | undefined {
  if (label === undefined) return undefined;
  const [region, zone, subZone] = label.split('/');
  const out: { region?: string; zone?: string; subZone?: string } = {};
  if (region) out.region = region;
  if (zone) out.zone = zone;
  if (subZone) out.subZone = subZone;
  return out;
}

function toService(d: ServiceDoc): Service {
  const namespace = d.namespace ?? 'default';
  const ports: ServicePort[] = d.ports.map((p) => ({
    name: p.name ?? '',
    port: p.port,
    protocol: p.protocol !== undefined ? parseProtocol(p.protocol) : protocolOfServicePort(p.name),
  }));
  const s: Service = {
    hostname: d.service,
    namespace,
    ports,
    addresses: [],
    resolution: d.resolution ?? 'ClientSideLB',
    meshExternal: d.meshExternal ?? false,
    exportTo: d.exportTo ?? [],
    labels: {},
    source: { kind: d.source ?? 'Service', namespace, name: d.name ?? d.service.split('.')[0]! },
    ...(d.selector !== undefined ? { selector: d.selector } : {}),
    ...(d.creationTimestamp !== undefined ? { creationTimestamp: d.creationTimestamp } : {}),
  };
  return s;
}

function toEndpoints(d: EndpointsDoc, services: readonly Service[]): Endpoint[] {
  const svc = services.find((s) => s.hostname === d.endpoints);
  const portName = d.portName ?? svc?.ports.find((p) => p.port === d.port)?.name ?? '';
  return d.items.map((i) => {
    const locality = parseLocality(i.locality);
    return {
      hostname: d.endpoints,
      namespace: d.namespace ?? svc?.namespace ?? 'default',
      servicePortName: portName,
      servicePort: d.port,
      address: i.address,
      port: i.port ?? d.port,
      labels: i.labels ?? {},
      weight: i.weight ?? 1,
      healthy: i.healthy ?? true,
      ...(locality !== undefined ? { locality } : {}),
      ...(i.workload !== undefined ? { workloadName: i.workload } : {}),
    };
  });
}

/** Istio resources (documents with apiVersion), `service:` and `endpoints:` documents. */
export function pushFrom(text: string, mesh: MeshConfig = DEFAULT_MESH_CONFIG): PushContext {
  const configs: Resource[] = [];
  const serviceDocs: ServiceDoc[] = [];
  const endpointDocs: EndpointsDoc[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw doc.errors[0]!;
    const js = doc.toJS() as Record<string, unknown> | null;
    if (js === null) continue;
    if (typeof js.apiVersion === 'string') {
      const r = js as unknown as Resource;
      r.metadata.namespace ??= 'default';
      configs.push(r);
    } else if (typeof js.service === 'string') serviceDocs.push(js as unknown as ServiceDoc);
    else if (typeof js.endpoints === 'string') endpointDocs.push(js as unknown as EndpointsDoc);
    else throw new Error(`unrecognised fixture document: ${JSON.stringify(js)}`);
  }
  const services = serviceDocs.map(toService);
  const endpoints = endpointDocs.flatMap((d) => toEndpoints(d, services));
  return new PushContext({ configs, services, endpoints, mesh });
}

export function sidecarProxy(overrides: Partial<Proxy> = {}): Proxy {
  return {
    id: 'sidecar~10.0.0.99~sleep-abc.default~default.svc.cluster.local',
    type: 'sidecar',
    namespace: 'default',
    labels: { app: 'sleep' },
    ipAddresses: ['10.0.0.99'],
    dnsDomain: 'default.svc.cluster.local',
    metadata: {},
    ...overrides,
  };
}

export function routerProxy(overrides: Partial<Proxy> = {}): Proxy {
  return sidecarProxy({
    id: 'router~10.0.0.50~istio-ingressgateway-abc.istio-system~istio-system.svc.cluster.local',
    type: 'router',
    namespace: 'istio-system',
    labels: { istio: 'ingressgateway' },
    ipAddresses: ['10.0.0.50'],
    ...overrides,
  });
}

/** Marks a field that must be absent in assertFields. */
export const ABSENT = Symbol('absent');

/**
 * Every field in `want` is in `actual` with that value: objects recursively (other fields of
 * `actual` are ignored), arrays element by element with equal length, ABSENT = not set.
 */
export function assertFields(actual: unknown, want: unknown, path = '$'): void {
  if (want === ABSENT) {
    assert.equal(actual, undefined, `${path} should be absent, got ${JSON.stringify(actual)}`);
    return;
  }
  if (Array.isArray(want)) {
    assert.ok(Array.isArray(actual), `${path}: expected an array, got ${JSON.stringify(actual)}`);
    assert.equal(actual.length, want.length, `${path}: expected ${want.length} items, got ${JSON.stringify(actual)}`);
    want.forEach((w, i) => assertFields((actual as unknown[])[i], w, `${path}[${i}]`));
    return;
  }
  if (typeof want === 'object' && want !== null) {
    assert.ok(typeof actual === 'object' && actual !== null && !Array.isArray(actual), `${path}: expected an object, got ${JSON.stringify(actual)}`);
    for (const [k, w] of Object.entries(want)) assertFields((actual as Record<string, unknown>)[k], w, `${path}.${k}`);
    return;
  }
  assert.deepEqual(actual, want, `${path}`);
}

/** The cluster (or assignment) named `name`; fails when missing. */
export function byName<T extends Record<string, unknown>>(resources: readonly T[], name: string): T {
  const r = resources.find((c) => (c.name ?? c.cluster_name) === name);
  assert.ok(r, `no resource named ${name}; have ${resources.map((c) => String(c.name ?? c.cluster_name)).join(', ')}`);
  return r;
}
