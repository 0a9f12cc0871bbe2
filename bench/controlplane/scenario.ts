/**
 * The issue's control-plane scenario as a directory of YAML files for `tsmesh discovery
 * --config-dir`: Services with two ports each (http 8080, grpc 9090), four endpoints per Service
 * as EndpointSlices, VirtualServices (80/20 over subsets v1/v2) and DestinationRules for the first
 * services, spread round-robin over the namespaces; optionally a namespace-scoped Sidecar per
 * namespace. Pure: returns file names and texts; the bench writes them.
 *
 * Endpoints are EndpointSlices rather than Pods with status.podIP because the mesh pipeline
 * (src/xds/server/mesh-pipeline.ts) classifies a change to EndpointSlice/Endpoints alone as
 * endpoint-only and pushes EDS; a Pod edit counts as a config change and triggers a full push.
 * Slices also skip the selector-to-Pod matching the registry does for Pods.
 *
 * One resource per file, so a change rewrites one small file and the directory watcher re-parses
 * only it.
 */

export interface ScenarioOptions {
  readonly services: number;
  readonly endpointsPerService: number;
  /** VirtualServices and DestinationRules, each for services 0 … routed-1. */
  readonly routed: number;
  readonly namespaces: number;
}

export const ISSUE_SCENARIO: ScenarioOptions = { services: 1000, endpointsPerService: 4, routed: 100, namespaces: 10 };

export interface ScenarioFile {
  readonly name: string;
  readonly text: string;
}

export function namespaceOf(i: number, o: Pick<ScenarioOptions, 'namespaces'>): string {
  return `ns-${i % o.namespaces}`;
}

export function serviceName(i: number): string {
  return `svc-${i}`;
}

/** Every file of the scenario (Sidecars excluded: see sidecarFiles). */
export function scenarioFiles(o: ScenarioOptions): ScenarioFile[] {
  const files: ScenarioFile[] = [];
  for (let i = 0; i < o.services; i++) {
    files.push({ name: `svc-${i}.yaml`, text: serviceYaml(i, o) });
    files.push({ name: `eps-${i}.yaml`, text: endpointSliceYaml(i, o, 0) });
  }
  for (let i = 0; i < Math.min(o.routed, o.services); i++) {
    files.push({ name: `vs-${i}.yaml`, text: virtualServiceYaml(i, o, 80) });
    files.push({ name: `dr-${i}.yaml`, text: destinationRuleYaml(i, o) });
  }
  return files;
}

/** One Sidecar per namespace limiting egress to the namespace itself and istio-system. */
export function sidecarFiles(o: Pick<ScenarioOptions, 'namespaces'>): ScenarioFile[] {
  return Array.from({ length: o.namespaces }, (_, n) => ({
    name: `sidecar-ns-${n}.yaml`,
    text: `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: default
  namespace: ns-${n}
spec:
  egress:
  - hosts: ["./*", "istio-system/*"]
`,
  }));
}

export function serviceYaml(i: number, o: Pick<ScenarioOptions, 'namespaces'>): string {
  return `apiVersion: v1
kind: Service
metadata:
  name: ${serviceName(i)}
  namespace: ${namespaceOf(i, o)}
spec:
  clusterIP: ${ip(96, i)}
  selector:
    app: ${serviceName(i)}
  ports:
  - name: http
    port: 8080
    targetPort: 8080
  - name: grpc
    port: 9090
    targetPort: 9090
`;
}

/**
 * The Service's slice. `generation` shifts the first endpoint's address: the endpoint-only change
 * is the same slice written with generation + 1.
 */
export function endpointSliceYaml(i: number, o: Pick<ScenarioOptions, 'namespaces' | 'endpointsPerService'>, generation: number): string {
  const endpoints = Array.from({ length: o.endpointsPerService }, (_, k) => {
    const address = k === 0 && generation > 0 ? ip(64 + (generation % 32), i) : ip(k, i);
    return `  - addresses: ["${address}"]
    conditions: {ready: true}`;
  });
  return `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: ${serviceName(i)}-abc12
  namespace: ${namespaceOf(i, o)}
  labels:
    kubernetes.io/service-name: ${serviceName(i)}
addressType: IPv4
ports:
- name: http
  port: 8080
  protocol: TCP
- name: grpc
  port: 9090
  protocol: TCP
endpoints:
${endpoints.join('\n')}
`;
}

/** Weight `v1Weight` to subset v1, the rest to v2: the full-push change edits the weights. */
export function virtualServiceYaml(i: number, o: Pick<ScenarioOptions, 'namespaces'>, v1Weight: number): string {
  const host = serviceName(i);
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${host}
  namespace: ${namespaceOf(i, o)}
spec:
  hosts: [${host}]
  http:
  - route:
    - destination: {host: ${host}, subset: v1, port: {number: 8080}}
      weight: ${v1Weight}
    - destination: {host: ${host}, subset: v2, port: {number: 8080}}
      weight: ${100 - v1Weight}
`;
}

export function destinationRuleYaml(i: number, o: Pick<ScenarioOptions, 'namespaces'>): string {
  const host = serviceName(i);
  return `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ${host}
  namespace: ${namespaceOf(i, o)}
spec:
  host: ${host}
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
`;
}

/** 10.A.B.C with B.C from the service index: distinct per (block, service) for up to 65,536 services. */
function ip(block: number, i: number): string {
  return `10.${block}.${(i >> 8) & 255}.${i & 255}`;
}
