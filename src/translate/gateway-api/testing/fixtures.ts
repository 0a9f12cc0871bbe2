/**
 * Test support for the Gateway API conversion: YAML through ingest into resources, Kubernetes
 * Services into registry services (as the Kubernetes registry will), and the suite's TLS Secret.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ingestYaml } from '../../../api/ingest.js';
import { formatProblem } from '../../../api/problems/problem.js';
import type { Resource } from '../../../api/resource/resource.js';
import { isPlainObject } from '../../../api/resource/resource.js';
import { protocolOfServicePort } from '../../../model/protocol.js';
import { kubeServiceHostname, type Service, type ServicePort } from '../../../model/service.js';
import { buildConversionContext, type ConversionContext } from '../conversion-context.js';
import { DEFAULT_CONTROLLER_NAME } from '../istio-names.js';

/** `src/translate/gateway-api/testdata/`, from the compiled test's location under dist/. */
export const TESTDATA = fileURLToPath(new URL('../../../../../src/translate/gateway-api/testdata/', import.meta.url));

/** Resources from YAML that must pass ingest (schema validation) cleanly. */
export async function resources(yaml: string, file = 'test.yaml'): Promise<Resource[]> {
  const result = await ingestYaml(yaml, { file });
  if (result.problems.length > 0) throw new Error(`fixture does not ingest cleanly:\n${result.problems.map(formatProblem).join('\n')}`);
  return result.accepted.map((l) => l.resource);
}

/** Registry services for the Service resources among `configs`. */
export function servicesOf(configs: readonly Resource[], domainSuffix = 'cluster.local'): Service[] {
  const out: Service[] = [];
  for (const r of configs) {
    if (r.apiVersion !== 'v1' || r.kind !== 'Service' || !isPlainObject(r.spec)) continue;
    const spec = r.spec as { ports?: { name?: string; port: number; appProtocol?: string }[]; clusterIP?: string; selector?: Record<string, string> };
    const name = r.metadata.name!;
    const namespace = r.metadata.namespace ?? 'default';
    const ports: ServicePort[] = (spec.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: protocolOfServicePort(p.name, p.appProtocol) }));
    out.push({
      hostname: kubeServiceHostname(name, namespace, domainSuffix),
      namespace,
      ports,
      addresses: spec.clusterIP !== undefined && spec.clusterIP !== 'None' ? [spec.clusterIP] : [],
      resolution: spec.clusterIP === 'None' ? 'Passthrough' : 'ClientSideLB',
      meshExternal: false,
      exportTo: [],
      labels: r.metadata.labels ?? {},
      ...(spec.selector !== undefined ? { selector: spec.selector } : {}),
      source: { kind: 'Service', namespace, name },
    });
  }
  return out;
}

/** A registry service with one HTTP port, for tables. */
export function service(name: string, namespace: string, port = 80, addresses: string[] = []): Service {
  return {
    hostname: kubeServiceHostname(name, namespace),
    namespace,
    ports: [{ name: 'http', port, protocol: 'HTTP' }],
    addresses,
    resolution: 'ClientSideLB',
    meshExternal: false,
    exportTo: [],
    labels: {},
    source: { kind: 'Service', namespace, name },
  };
}

/** A kubernetes.io/tls Secret holding the test certificate (SANs `*`, `*.org`, `*.wildcard.org`). */
export function tlsSecret(namespace: string, name: string): Resource {
  const b64 = (file: string): string => Buffer.from(readFileSync(`${TESTDATA}${file}`)).toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': b64('tls.crt'), 'tls.key': b64('tls.key') },
  };
}

/** A conversion context over `configs` and `services`, as convertGatewayApi builds one. */
export function context(configs: readonly Resource[], services: readonly Service[] = [], domainSuffix = 'cluster.local'): ConversionContext {
  return buildConversionContext({ configs, services, domainSuffix }, DEFAULT_CONTROLLER_NAME);
}

/** A resource from a plain object, for tables (no schema check). */
export function res(apiVersion: string, kind: string, namespace: string | undefined, name: string, spec: unknown, extra: Partial<Resource> = {}): Resource {
  return { apiVersion, kind, metadata: { name, ...(namespace !== undefined ? { namespace } : {}) }, spec, ...extra };
}
