/**
 * Which services a proxy knows about, Istio's SidecarScope.Services() (pilot/pkg/model/sidecar.go):
 * clusters, listeners and routes are built only for these.
 *
 * - No Sidecar resource (and always for gateways): every service exported to the proxy's namespace.
 * - A Sidecar: the services its egress listeners import by `namespace/dnsName` host (`ns/*`,
 *   `ns/host`; `.` as the namespace means the Sidecar's own, `*` any namespace, `~` none; dnsName
 *   may be a wildcard), trimmed to the listener's port when it has one, plus the destinations of
 *   the VirtualServices those hosts import (so a route never points at a cluster the proxy lacks).
 *   A Sidecar without egress listeners imports every namespace's every host.
 * One service per hostname: Kubernetes services win over ServiceEntries, then the one in the
 * proxy's namespace, then the oldest; same-namespace definitions with different ports merge.
 */
import type { HTTPRoute, TCPRoute, TLSRoute, VirtualService } from '../model/config-types.js';
import { hostsIntersect, resolveShortName } from '../model/host.js';
import { parseProtocol } from '../model/protocol.js';
import type { Proxy } from '../model/proxy.js';
import type { PushContext } from '../model/push-context.js';
import { MESH_GATEWAY } from '../model/push-context.js';
import type { Service, ServicePort } from '../model/service.js';

const WILDCARD_NAMESPACE = '*';
const CURRENT_NAMESPACE = '.';

interface EgressListener {
  /** Imported hosts by namespace (`*` for any namespace). */
  readonly hosts: ReadonlyMap<string, readonly string[]>;
  /** Services are trimmed to this port (unset for catch-all and HTTP_PROXY listeners). */
  readonly port: number | undefined;
}

export function servicesInScope(proxy: Proxy, push: PushContext): Service[] {
  const configNamespace = proxy.namespace;
  const visible = push.servicesVisibleTo(configNamespace);
  const sidecar = proxy.type === 'sidecar' ? push.sidecarFor(proxy) : undefined;
  const added = new ServiceSet();
  if (sidecar === undefined) {
    for (const s of oldestFirst(visible)) added.append(s);
    return added.sorted();
  }
  const egress = sidecar.spec.egress !== undefined && sidecar.spec.egress.length > 0 ? sidecar.spec.egress : [{ hosts: ['*/*'] }];
  const listeners = egress.map((e) => toListener(e, configNamespace));
  const visibleSet = new Set(visible);
  for (const l of listeners) {
    for (const s of selectServices(visible, configNamespace, l)) added.append(s);
    for (const s of virtualServiceServices(push, configNamespace, l, visibleSet)) added.append(s);
  }
  return added.sorted();
}

function toListener(e: { hosts?: string[]; port?: { number?: number; protocol?: string } }, configNamespace: string): EgressListener {
  const hosts = new Map<string, string[]>();
  for (const h of e.hosts ?? []) {
    const parts = h.split('/');
    if (parts.length !== 2) continue; // validation rejects these; istiod logs and skips
    const ns = parts[0] === CURRENT_NAMESPACE ? configNamespace : parts[0]!;
    let list = hosts.get(ns);
    if (list === undefined) hosts.set(ns, (list = []));
    list.push(parts[1]!);
  }
  // needsPortMatch: a port-bound listener imports only that port, unless it is an HTTP proxy.
  const number = e.port?.number ?? 0;
  const port = number !== 0 && parseProtocol(e.port?.protocol ?? '') !== 'HTTP_PROXY' ? number : undefined;
  return { hosts, port };
}

function matches(imported: readonly string[] | undefined, hostname: string): boolean {
  return imported !== undefined && imported.some((h) => hostsIntersect(h, hostname));
}

function trimToPorts(s: Service, keep: (p: ServicePort) => boolean): Service | undefined {
  const ports = s.ports.filter(keep);
  if (ports.length === s.ports.length) return s;
  return ports.length === 0 ? undefined : { ...s, ports };
}

function trimToListener(s: Service, l: EgressListener): Service | undefined {
  return l.port === undefined ? s : trimToPorts(s, (p) => p.port === l.port);
}

/** IstioEgressListenerWrapper.selectServices. */
function selectServices(visible: readonly Service[], configNamespace: string, l: EgressListener): Service[] {
  const imported: Service[] = [];
  for (const s of visible) {
    const inNs = matches(l.hosts.get(s.namespace), s.hostname) ? trimToListener(s, l) : undefined;
    if (inNs !== undefined) {
      imported.push(inNs);
      continue;
    }
    const anyNs = matches(l.hosts.get(WILDCARD_NAMESPACE), s.hostname) ? trimToListener(s, l) : undefined;
    if (anyNs !== undefined) imported.push(anyNs);
  }
  // One namespace per hostname: the config namespace's, else a Kubernetes service, else the first.
  const chosen = new Map<string, Service>();
  for (const s of imported) {
    const have = chosen.get(s.hostname);
    if (have === undefined || s.namespace === configNamespace) chosen.set(s.hostname, s);
    else if (isKube(s) && !isKube(have) && have.namespace !== configNamespace) chosen.set(s.hostname, s);
  }
  return imported.filter((s) => chosen.get(s.hostname)?.namespace === s.namespace);
}

/** Destinations (host → ports, 0 = every port) of the VirtualServices a listener imports. */
function virtualServiceServices(push: PushContext, configNamespace: string, l: EgressListener, visible: ReadonlySet<Service>): Service[] {
  const suffix = push.mesh.domainSuffix;
  const out: Service[] = [];
  for (const vs of push.virtualServicesFor(configNamespace, MESH_GATEWAY)) {
    const ns = vs.metadata.namespace;
    const hosts = (vs.spec.hosts ?? []).map((h) => resolveShortName(h, ns, suffix));
    const imported = hosts.some((h) => matches(l.hosts.get(ns), h) || matches(l.hosts.get(WILDCARD_NAMESPACE), h));
    if (!imported) continue;
    for (const [host, ports] of destinations(vs, configNamespace, suffix)) {
      const candidates = push.services.filter((s) => s.hostname === host);
      const inConfigNs = candidates.find((s) => s.namespace === configNamespace);
      // Elsewhere: the first visible namespace alphabetically (push.services is sorted by namespace).
      const s = inConfigNs ?? candidates.find((c) => visible.has(c));
      if (s === undefined) continue;
      const trimmed = l.port !== undefined ? trimToListener(s, l) : ports.has(0) ? s : trimToPorts(s, (p) => ports.has(p.port));
      if (trimmed !== undefined) out.push(trimmed);
    }
  }
  return out;
}

type SourceMatch = { sourceNamespace?: string } | undefined;

/** A route applies to a proxy in `ns` unless every one of its matches names another sourceNamespace. */
function appliesTo(match: readonly SourceMatch[] | undefined, ns: string): boolean {
  if (match === undefined || match.length === 0) return true;
  return match.some((m) => m?.sourceNamespace === undefined || m.sourceNamespace === '' || m.sourceNamespace === ns);
}

function destinations(vs: VirtualService, configNamespace: string, suffix: string): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  const add = (d: { host?: string; port?: { number?: number } } | undefined): void => {
    if (d?.host === undefined || d.host === '') return;
    const host = resolveShortName(d.host, vs.metadata.namespace, suffix);
    let ports = out.get(host);
    if (ports === undefined) out.set(host, (ports = new Set()));
    ports.add(d.port?.number ?? 0);
  };
  for (const r of (vs.spec.http ?? []) as HTTPRoute[]) {
    if (!appliesTo(r.match as SourceMatch[] | undefined, configNamespace)) continue;
    for (const d of r.route ?? []) add(d.destination);
    add(r.mirror);
    for (const m of r.mirrors ?? []) add(m.destination);
  }
  for (const r of [...((vs.spec.tcp ?? []) as TCPRoute[]), ...((vs.spec.tls ?? []) as TLSRoute[])]) {
    if (!appliesTo(r.match as SourceMatch[] | undefined, configNamespace)) continue;
    for (const d of r.route ?? []) add(d.destination);
  }
  return out;
}

function isKube(s: Service): boolean {
  return s.source.kind === 'Service';
}

function oldestFirst(services: readonly Service[]): Service[] {
  // Stable sort: equal timestamps keep push order (hostname, namespace).
  return [...services].sort((a, b) => ((a.creationTimestamp ?? '') < (b.creationTimestamp ?? '') ? -1 : (a.creationTimestamp ?? '') > (b.creationTimestamp ?? '') ? 1 : 0));
}

function sameLabels(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  const ak = Object.keys(a ?? {});
  if (ak.length !== Object.keys(b ?? {}).length) return false;
  return ak.every((k) => a![k] === b?.[k]);
}

/** SidecarScope.appendSidecarServices: one entry per hostname, merged as istiod merges them. */
class ServiceSet {
  readonly #byHost = new Map<string, Service>();

  append(s: Service): void {
    const existing = this.#byHost.get(s.hostname);
    if (existing === undefined || (!isKube(existing) && isKube(s))) {
      this.#byHost.set(s.hostname, s);
      return;
    }
    if (existing === s || (isKube(existing) && !isKube(s))) return;
    const canMerge =
      existing.namespace === s.namespace &&
      existing.resolution === s.resolution &&
      existing.source.kind === s.source.kind &&
      sameLabels(existing.labels, s.labels) &&
      sameLabels(existing.selector, s.selector) &&
      existing.exportTo.join(',') === s.exportTo.join(',');
    if (!canMerge) return;
    const extra = s.ports.filter((p) => !existing.ports.some((e) => e.port === p.port));
    if (extra.length > 0) this.#byHost.set(s.hostname, { ...existing, ports: [...existing.ports, ...extra] });
  }

  sorted(): Service[] {
    return [...this.#byHost.values()].sort((a, b) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0));
  }
}
