/**
 * Cluster `metadata.filter_metadata.istio`, as istiod writes it: the services behind the cluster
 * (read by telemetry for destination_service labels), the DestinationRule that shaped it and its
 * subset (shown by `proxy-config cluster -o json`), and `external` for MESH_EXTERNAL services.
 */
import type { DestinationRule } from '../../model/config-types.js';
import type { Service } from '../../model/service.js';
import type { EnvoyJson } from '../generated.js';

/** buildServiceMetadata: a ServiceEntry's "name" is its hostname, as in istiod. */
export function serviceMetadata(s: Service): EnvoyJson {
  return { host: s.hostname, name: s.source.kind === 'Service' ? s.source.name : s.hostname, namespace: s.namespace };
}

function istioMetadata(cluster: EnvoyJson): EnvoyJson {
  const md = ((cluster.metadata as EnvoyJson | undefined) ??= { filter_metadata: {} });
  const fm = ((md.filter_metadata as EnvoyJson | undefined) ??= {});
  return ((fm.istio as EnvoyJson | undefined) ??= {});
}

/** addTelemetryMetadata. */
export function addServicesMetadata(cluster: EnvoyJson, services: readonly Service[]): void {
  if (services.length === 0) return;
  istioMetadata(cluster).services = services.map(serviceMetadata);
}

export function addExternalMetadata(cluster: EnvoyJson): void {
  istioMetadata(cluster).external = true;
}

/** AddConfigInfoMetadata (+ AddSubsetToMetadata): `/apis/GROUP/VERSION/namespaces/NS/destination-rule/NAME`. */
export function addConfigMetadata(cluster: EnvoyJson, dr: DestinationRule, subset?: string): void {
  const im = istioMetadata(cluster);
  im.config = `/apis/${dr.apiVersion}/namespaces/${dr.metadata.namespace}/destination-rule/${dr.metadata.name}`;
  if (subset !== undefined) im.subset = subset;
}
