/**
 * Test support for the listener builders: services, proxies, Istio config and a PushContext in a
 * line each, and the checks every test applies to what it built (Envoy's schema accepts it).
 */
import assert from 'node:assert/strict';
import type { Resource } from '../../api/resource/resource.js';
import { DEFAULT_MESH_CONFIG } from '../../model/mesh-config.js';
import type { MeshConfig } from '../../model/mesh-config.js';
import type { Protocol } from '../../model/protocol.js';
import type { Proxy } from '../../model/proxy.js';
import { PushContext } from '../../model/push-context.js';
import type { Endpoint, Resolution, Service } from '../../model/service.js';
import { encodeJson } from '../../xds/proto/proto-json.js';
import type { EnvoyJson } from '../generated.js';

export const LISTENER_TYPE = 'envoy.config.listener.v3.Listener';

export interface ServiceOptions {
  readonly namespace?: string;
  readonly addresses?: readonly string[];
  readonly resolution?: Resolution;
  readonly selector?: Record<string, string>;
  readonly kind?: 'Service' | 'ServiceEntry';
  readonly creationTimestamp?: string;
}

/** `svc('reviews', [['http', 9080, 'HTTP']])`: a Kubernetes service in `default` with a ClusterIP. */
export function svc(name: string, ports: readonly (readonly [string, number, Protocol])[], opts: ServiceOptions = {}): Service {
  const namespace = opts.namespace ?? 'default';
  const hostname = name.includes('.') ? name : `${name}.${namespace}.svc.cluster.local`;
  return {
    hostname,
    namespace,
    ports: ports.map(([n, port, protocol]) => ({ name: n, port, protocol })),
    addresses: opts.addresses ?? ['10.96.0.10'],
    resolution: opts.resolution ?? 'ClientSideLB',
    meshExternal: opts.kind === 'ServiceEntry',
    exportTo: [],
    labels: {},
    ...(opts.selector !== undefined ? { selector: opts.selector } : {}),
    source: { kind: opts.kind ?? 'Service', namespace, name },
    ...(opts.creationTimestamp !== undefined ? { creationTimestamp: opts.creationTimestamp } : {}),
  };
}

export function endpoint(hostname: string, servicePort: number, address: string, port: number, workloadName?: string): Endpoint {
  return {
    hostname, namespace: 'default', servicePortName: 'p', servicePort, address, port, labels: {}, weight: 1, healthy: true,
    ...(workloadName !== undefined ? { workloadName } : {}),
  };
}

export interface ProxyOptions {
  readonly type?: 'sidecar' | 'router';
  readonly namespace?: string;
  readonly labels?: Record<string, string>;
  readonly ip?: string;
  readonly metadata?: Record<string, unknown>;
  readonly workloadName?: string;
}

export function proxyOf(opts: ProxyOptions = {}): Proxy {
  const namespace = opts.namespace ?? 'default';
  const ip = opts.ip ?? '10.0.0.1';
  const type = opts.type ?? 'sidecar';
  return {
    id: `${type}~${ip}~app-1.${namespace}~${namespace}.svc.cluster.local`,
    type,
    namespace,
    labels: opts.labels ?? { app: 'app' },
    ipAddresses: [ip],
    dnsDomain: `${namespace}.svc.cluster.local`,
    metadata: opts.metadata ?? {},
    ...(opts.workloadName !== undefined ? { workloadName: opts.workloadName } : {}),
  };
}

/** A sidecar that binds its listeners for real: Istio's INTERCEPTION_MODE NONE. */
export const NONE_MODE = { INTERCEPTION_MODE: 'NONE' } as const;

export function istio(kind: string, name: string, spec: unknown, namespace = 'default', creationTimestamp?: string): Resource {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind,
    metadata: { name, namespace, ...(creationTimestamp !== undefined ? { creationTimestamp } : {}) },
    spec,
  };
}

export function pushOf(input: { services?: Service[]; endpoints?: Endpoint[]; configs?: Resource[]; mesh?: Partial<MeshConfig> }): PushContext {
  return new PushContext({
    services: input.services ?? [],
    endpoints: input.endpoints ?? [],
    configs: input.configs ?? [],
    mesh: { ...DEFAULT_MESH_CONFIG, ...(input.mesh ?? {}) },
  });
}

/** Every listener converts to Envoy's protobuf (throws JsonConversionError naming a bad field). */
export function assertEncodes(listeners: readonly EnvoyJson[]): void {
  for (const l of listeners) {
    assert.doesNotThrow(() => encodeJson(LISTENER_TYPE, l), `listener ${String(l.name)} does not encode`);
  }
}

export function listenerNamed(listeners: readonly EnvoyJson[], name: string): EnvoyJson {
  const l = listeners.find((x) => x.name === name);
  assert.ok(l, `no listener ${name} in [${listeners.map((x) => String(x.name)).join(', ')}]`);
  return l;
}

export function chains(l: EnvoyJson): EnvoyJson[] {
  return (l.filter_chains as EnvoyJson[] | undefined) ?? [];
}

/** The typed_config of a chain's terminal (last) network filter. */
export function terminal(chain: EnvoyJson): EnvoyJson {
  const filters = chain.filters as EnvoyJson[];
  return filters[filters.length - 1]!.typed_config as EnvoyJson;
}

export function listenerFilterNames(l: EnvoyJson): string[] {
  return ((l.listener_filters as EnvoyJson[] | undefined) ?? []).map((f) => String(f.name));
}
