/**
 * What the Gateway API conversion looks up while converting one snapshot: services, namespaces,
 * secrets and ReferenceGrants, indexed once. Built from the same inputs as PushContext.
 */
import type { Resource } from '../../api/resource/resource.js';
import { isPlainObject } from '../../api/resource/resource.js';
import { groupOf, type ReferenceGrant } from '../../model/config-types.js';
import { kubeServiceHostname, type Service } from '../../model/service.js';
import { GATEWAY_API_GROUP, NAMESPACE_NAME_LABEL } from './istio-names.js';
import { ReferenceGrants } from './reference-grants.js';

export interface ConversionContext {
  readonly domainSuffix: string;
  /** The controllerName this control plane answers for (`istio.io/gateway-controller`). */
  readonly controllerName: string;
  /** ISO time stamped on conditions that change; undefined leaves lastTransitionTime out (translation has no clock). */
  readonly now: string | undefined;
  readonly grants: ReferenceGrants;
  /** Every namespace with its labels, `kubernetes.io/metadata.name` included. */
  readonly namespaces: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** Secrets by `NAMESPACE/NAME`. */
  readonly secrets: ReadonlyMap<string, Resource>;
  /** The Kubernetes Service `NAMESPACE/NAME`, as a registry service or a Service resource. */
  kubeServiceExists(namespace: string, name: string): boolean;
  /** A registry service with this hostname (ServiceEntry hosts included). */
  serviceByHostname(hostname: string): Service | undefined;
}

export interface ConversionInput {
  readonly configs: readonly Resource[];
  readonly services: readonly Service[];
  readonly domainSuffix: string;
  readonly controllerName?: string;
  readonly now?: string;
}

export function buildConversionContext(input: ConversionInput, controllerName: string): ConversionContext {
  const namespaces = new Map<string, Record<string, string>>();
  const secrets = new Map<string, Resource>();
  const kubeServices = new Set<string>();
  const grants: ReferenceGrant[] = [];
  for (const r of input.configs) {
    const ns = r.metadata.namespace;
    // On the local platform a namespace exists as soon as something lives in it; only Namespace
    // resources carry labels, and every namespace has its name label, as in Kubernetes.
    if (ns !== undefined && !namespaces.has(ns)) namespaces.set(ns, { [NAMESPACE_NAME_LABEL]: ns });
    const group = groupOf(r);
    if (group === '' && r.kind === 'Namespace' && r.metadata.name !== undefined) {
      const name = r.metadata.name;
      namespaces.set(name, { ...(r.metadata.labels ?? {}), [NAMESPACE_NAME_LABEL]: name });
    } else if (group === '' && r.kind === 'Secret' && ns !== undefined) {
      secrets.set(`${ns}/${r.metadata.name}`, r);
    } else if (group === '' && r.kind === 'Service' && ns !== undefined) {
      kubeServices.add(`${ns}/${r.metadata.name}`);
    } else if (group === GATEWAY_API_GROUP && r.kind === 'ReferenceGrant' && isPlainObject(r.spec)) {
      grants.push(r as ReferenceGrant);
    }
  }
  const byHostname = new Map<string, Service>();
  for (const s of input.services) {
    if (!byHostname.has(s.hostname)) byHostname.set(s.hostname, s);
    if (s.source.kind === 'Service') kubeServices.add(`${s.source.namespace}/${s.source.name}`);
    if (!namespaces.has(s.namespace)) namespaces.set(s.namespace, { [NAMESPACE_NAME_LABEL]: s.namespace });
  }
  return {
    domainSuffix: input.domainSuffix,
    controllerName,
    now: input.now,
    grants: new ReferenceGrants(grants),
    namespaces,
    secrets,
    kubeServiceExists: (namespace, name) =>
      kubeServices.has(`${namespace}/${name}`) || byHostname.has(kubeServiceHostname(name, namespace, input.domainSuffix)),
    serviceByHostname: (hostname) => byHostname.get(hostname),
  };
}
