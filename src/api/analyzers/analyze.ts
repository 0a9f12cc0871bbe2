/**
 * Cross-resource analysis, `istioctl analyze`'s analyzers over local files: the accepted resources
 * become a registry and a PushContext, each analyzer reads them, and the messages come back sorted
 * with file and line. Per-resource validation (IST0106, IST0130, IST0131 …) happens in ingest.
 */
import { buildRegistry, type Registry } from '../../registry/build-registry.js';
import { DEFAULT_MESH_CONFIG, type MeshConfig } from '../../model/mesh-config.js';
import { PushContext } from '../../model/push-context.js';
import { compareProblems, type Problem } from '../problems/problem.js';
import { analyzeAnnotations } from './annotations.js';
import { analyzeCaCertificates } from './ca-certificates.js';
import { analyzeConflictingGateways } from './conflicting-gateways.js';
import { createContext, groupOfApiVersion, type AnalyzedResource, type Analyzer } from './context.js';
import { analyzeDestinationHosts } from './destination-hosts.js';
import { analyzeDestinationSubsets } from './destination-subsets.js';
import { analyzeGatewayApiBackends } from './gateway-api-backends.js';
import { analyzeGatewayPorts } from './gateway-ports.js';
import { analyzeMeshGatewayHosts } from './mesh-gateway-hosts.js';
import { analyzePortNames } from './port-names.js';
import { analyzeVirtualServiceGateways } from './virtual-service-gateways.js';

export interface AnalyzeOptions {
  /** Report only resources in this namespace (cluster-scoped ones always); default `default`. */
  readonly namespace?: string;
  /** Report every namespace (istioctl's -A). */
  readonly allNamespaces?: boolean;
  readonly mesh?: MeshConfig;
  /**
   * The registry built from exactly these resources, when the caller has one (the mesh pipeline
   * built it for the snapshot): building it is most of an analysis pass's cost.
   */
  readonly registry?: Registry;
}

export const ANALYZERS: readonly Analyzer[] = [
  analyzeAnnotations,
  analyzeCaCertificates,
  analyzeConflictingGateways,
  analyzeDestinationHosts,
  analyzeDestinationSubsets,
  analyzeGatewayApiBackends,
  analyzeGatewayPorts,
  analyzeMeshGatewayHosts,
  analyzePortNames,
  analyzeVirtualServiceGateways,
];

export function analyze(resources: readonly AnalyzedResource[], options: AnalyzeOptions = {}): Problem[] {
  const mesh = options.mesh ?? DEFAULT_MESH_CONFIG;
  const loaded = latestOfEach(resources);
  const configs = loaded.map((l) => l.resource);
  const registry = options.registry ?? buildRegistry(configs, mesh);
  const push = new PushContext({ configs, services: registry.services, endpoints: registry.endpoints, mesh });
  const problems: Problem[] = [];
  const ctx = createContext(push, loaded, problems);
  for (const run of ANALYZERS) run(ctx);
  const namespace = options.namespace ?? 'default';
  return problems
    .filter((p) => options.allNamespaces === true || p.resource?.namespace === undefined || p.resource.namespace === namespace)
    .sort(compareProblems);
}

/**
 * One resource per kind and name: a later document replaces an earlier one of the same name, as
 * applying the files in order would (istioctl analyze keeps the last too).
 */
function latestOfEach(resources: readonly AnalyzedResource[]): AnalyzedResource[] {
  const byKey = new Map<string, AnalyzedResource>();
  for (const l of resources) {
    const r = l.resource;
    const key = `${groupOfApiVersion(r.apiVersion)}/${r.kind}/${r.metadata.namespace ?? ''}/${r.metadata.name ?? ''}`;
    byKey.delete(key);
    byKey.set(key, l);
  }
  return [...byKey.values()];
}
