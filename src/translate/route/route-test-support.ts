/**
 * Test helpers for the route translators: services and proxies in a few words, a PushContext from
 * YAML, and a simulation step that compiles a RouteConfiguration with our proxy's router and asks
 * it where a concrete request goes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ingestYaml } from '../../api/ingest.js';
import type { Resource } from '../../api/resource/resource.js';
import type { VirtualService } from '../../model/config-types.js';
import { DEFAULT_MESH_CONFIG } from '../../model/mesh-config.js';
import type { MeshConfig } from '../../model/mesh-config.js';
import { protocolOfServicePort } from '../../model/protocol.js';
import type { Proxy } from '../../model/proxy.js';
import { PushContext } from '../../model/push-context.js';
import type { Endpoint, Resolution, Service } from '../../model/service.js';
import { compileRouteConfiguration } from '../../proxy/router/route-table.js';
import type { RouteSelection } from '../../proxy/router/route-table.js';
import { makeRequest } from '../../proxy/router/test-support.js';
import { encodeJson } from '../../xds/proto/proto-json.js';
import type { EnvoyJson } from '../generated.js';

export interface PortSpec {
  readonly port: number;
  /** Kubernetes port name; its prefix gives the protocol (`http`, `grpc-web`, `tcp`). */
  readonly name?: string;
}

export interface ServiceOptions {
  readonly clusterIP?: string;
  readonly resolution?: Resolution;
  readonly creationTimestamp?: string;
  readonly exportTo?: readonly string[];
  readonly kind?: 'Service' | 'ServiceEntry';
  readonly hostname?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** A Kubernetes Service `name.namespace.svc.cluster.local`; ports named `http` unless said otherwise. */
export function service(name: string, namespace: string, ports: readonly (number | PortSpec)[], opts: ServiceOptions = {}): Service {
  return {
    hostname: opts.hostname ?? `${name}.${namespace}.svc.cluster.local`,
    namespace,
    ports: ports.map((p) => {
      const spec = typeof p === 'number' ? { port: p } : p;
      const portName = spec.name ?? 'http';
      return { name: portName, port: spec.port, protocol: protocolOfServicePort(portName) };
    }),
    addresses: opts.clusterIP === undefined ? [] : [opts.clusterIP],
    resolution: opts.resolution ?? 'ClientSideLB',
    meshExternal: false,
    exportTo: opts.exportTo ?? [],
    labels: opts.labels ?? {},
    source: { kind: opts.kind ?? 'Service', namespace, name },
    ...(opts.creationTimestamp === undefined ? {} : { creationTimestamp: opts.creationTimestamp }),
  };
}

export function sidecarProxy(namespace = 'default', labels: Record<string, string> = {}, metadata: Record<string, unknown> = {}): Proxy {
  return {
    id: `sidecar~10.1.0.9~client.${namespace}~${namespace}.svc.cluster.local`,
    type: 'sidecar',
    namespace,
    labels,
    ipAddresses: ['10.1.0.9'],
    dnsDomain: `${namespace}.svc.cluster.local`,
    metadata,
  };
}

export function routerProxy(namespace = 'istio-system', labels: Record<string, string> = { istio: 'ingressgateway' }, ip = '10.1.0.20'): Proxy {
  return {
    id: `router~${ip}~istio-ingressgateway-abc.${namespace}~${namespace}.svc.cluster.local`,
    type: 'router',
    namespace,
    labels,
    ipAddresses: [ip],
    dnsDomain: `${namespace}.svc.cluster.local`,
    metadata: {},
  };
}

/** Resources from YAML, schema-checked (a test fixture with a mistake fails loudly). */
export async function resourcesFrom(yaml: string, defaultNamespace = 'default'): Promise<Resource[]> {
  const result = await ingestYaml(yaml, { defaultNamespace });
  assert.deepEqual(result.problems.filter((p) => p.severity === 'Error'), [], 'fixture YAML is valid');
  return result.accepted.map((r) => r.resource);
}

/** The Istio resources of a seed guide fixture (Deployments and Services in it are left out: services are given directly). */
export function seedYaml(file: string): string {
  return readFileSync(new URL(`../../../../src/api/testdata/seed/${file}`, import.meta.url), 'utf8');
}

export interface PushOptions {
  readonly services?: readonly Service[];
  readonly endpoints?: readonly Endpoint[];
  readonly mesh?: Partial<MeshConfig>;
}

export async function pushFrom(yaml: string, opts: PushOptions = {}): Promise<PushContext> {
  const configs = (await resourcesFrom(yaml)).filter((r) => r.apiVersion.includes('istio.io') || r.apiVersion.includes('gateway.networking.k8s.io'));
  return new PushContext({ configs, services: opts.services ?? [], endpoints: opts.endpoints ?? [], mesh: { ...DEFAULT_MESH_CONFIG, ...opts.mesh } });
}

/** The first VirtualService in `yaml`, typed. */
export async function virtualServiceFrom(yaml: string, namespace = 'default'): Promise<VirtualService> {
  const vs = (await resourcesFrom(yaml, namespace)).find((r) => r.kind === 'VirtualService');
  assert.ok(vs, 'a VirtualService in the fixture');
  return vs as unknown as VirtualService;
}

export interface Call {
  readonly authority: string;
  readonly path?: string;
  readonly method?: string;
  readonly scheme?: string;
  readonly headers?: Record<string, string>;
  /** The request's random draw in [0, 1) (weighted cluster picks). */
  readonly random?: number;
}

/**
 * Compiles `rc` with our proxy's route table compiler (it must accept it) and routes `call`:
 * Istio's simulation step, with the real data-plane matcher.
 */
export function simulate(rc: EnvoyJson, call: Call): RouteSelection | null {
  const table = compileRouteConfiguration(rc, { random: () => call.random ?? 0 });
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(call.headers ?? {})) headers[k.toLowerCase()] = v;
  return table.route(
    makeRequest({ authority: call.authority, path: call.path ?? '/', method: call.method ?? 'GET', scheme: call.scheme ?? 'http', headers }),
  );
}

/** The cluster a call reaches, or a word for what else happened (`404` no route, `redirect`, `direct_response:502`). */
export function clusterFor(rc: EnvoyJson, call: Call): string {
  const sel = simulate(rc, call);
  if (sel === null) return '404';
  const action = sel.route.action;
  if (action.kind === 'direct_response') return `direct_response:${action.status}`;
  if (action.kind !== 'route') return action.kind;
  return sel.clusterName ?? 'none';
}

/** Asserts the RouteConfiguration encodes as Envoy's protobuf (every field and "@type" known). */
export function assertEncodes(rc: EnvoyJson): void {
  assert.doesNotThrow(() => encodeJson('envoy.config.route.v3.RouteConfiguration', rc), `RouteConfiguration ${String(rc.name)} encodes`);
}
