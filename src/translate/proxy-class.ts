/**
 * Which proxies translation cannot tell apart for their outbound configuration: proxies of one
 * class get the same outbound clusters, route configurations and endpoints from one snapshot,
 * so those are built once per class, not once per proxy (istiod's XdsCache keys its CDS, RDS and
 * EDS entries on the same inputs: proxy type, namespace, Sidecar scope, locality, DNS domain).
 *
 * What stays per proxy is everything its own addresses and workload decide: listeners (bind
 * addresses, inbound ports) and inbound clusters.
 *
 * Labels only enter the key when the snapshot has configuration that looks at a client's labels
 * for outbound traffic (VirtualService `sourceLabels`, DestinationRule `workloadSelector` or
 * locality `failoverPriority`); otherwise every workload of a namespace is one class, as in a
 * mesh where 2000 sidecars of 500 deployments in 10 namespaces share 10 entries. Routers key on
 * their labels and addresses as well: which Gateways select them and which ports they translate
 * depend on both.
 */
import { isIP } from 'node:net';
import type { Proxy } from '../model/proxy.js';
import type { PushContext } from '../model/push-context.js';

export function outboundClassKey(proxy: Proxy, push: PushContext): string {
  const sidecar = proxy.type === 'sidecar' ? push.sidecarFor(proxy) : undefined;
  return JSON.stringify([proxy.namespace, proxy.dnsDomain, sidecar === undefined ? null : `${sidecar.metadata.namespace}/${sidecar.metadata.name}`, proxyAttributesKey(proxy, push)]);
}

/**
 * The part of the class that does not depend on the proxy's namespace: a service's clusters and
 * endpoints are the same for every namespace that resolves the same DestinationRule for it, so
 * they are shared across classes too (outbound-clusters.ts, build-endpoints.ts). (The DNS domain,
 * `NAMESPACE.svc.cluster.local`, only shapes route domains.)
 */
export function proxyAttributesKey(proxy: Proxy, push: PushContext): string {
  const l = proxy.locality;
  const parts: unknown[] = [
    proxy.type,
    l === undefined ? null : [l.region ?? '', l.zone ?? '', l.subZone ?? ''],
    proxy.ipAddresses.length > 0 && proxy.ipAddresses.every((ip) => isIP(ip) === 6) ? 'v6' : 'v4',
    proxy.metadata.GENERATOR ?? null,
  ];
  if (proxy.type === 'router') parts.push(sortedEntries(proxy.labels), [...proxy.ipAddresses].sort());
  else if (clientLabelsMatter(push)) parts.push(sortedEntries(proxy.labels));
  return JSON.stringify(parts);
}

function sortedEntries(labels: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

const LABELS_MATTER = new WeakMap<PushContext, boolean>();

/** Whether any configuration in `push` selects outbound behaviour by the client workload's labels. */
export function clientLabelsMatter(push: PushContext): boolean {
  let known = LABELS_MATTER.get(push);
  if (known === undefined) LABELS_MATTER.set(push, (known = scanForClientLabels(push)));
  return known;
}

function scanForClientLabels(push: PushContext): boolean {
  const hasSourceLabels = (matches: readonly { sourceLabels?: unknown }[] | undefined): boolean => (matches ?? []).some((m) => m.sourceLabels !== undefined);
  for (const vs of push.virtualServices) {
    const spec = vs.spec as { http?: { match?: { sourceLabels?: unknown }[] }[]; tcp?: { match?: { sourceLabels?: unknown }[] }[]; tls?: { match?: { sourceLabels?: unknown }[] }[] };
    for (const routes of [spec.http, spec.tcp, spec.tls]) if ((routes ?? []).some((r) => hasSourceLabels(r.match))) return true;
  }
  for (const dr of push.destinationRules) {
    if (dr.spec.workloadSelector !== undefined) return true;
    if (JSON.stringify(dr.spec).includes('"failoverPriority"')) return true;
  }
  return false;
}
