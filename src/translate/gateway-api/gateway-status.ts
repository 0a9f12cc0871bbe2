/**
 * A Gateway's own status (reportGatewayStatus, extractGatewayServices, ResolveGatewayInstances):
 * which Service fronts it, whether that Service exposes its listener ports, and the addresses to
 * publish.
 */
import { isIP } from 'node:net';
import { isPlainObject } from '../../api/resource/resource.js';
import type { KubeGateway } from '../../model/config-types.js';
import { humanReadableJoin, readConditions, setConditions, type Condition, type ConditionSpec, type ConfigError } from './conditions.js';
import type { ConversionContext } from './conversion-context.js';
import { ANNOTATION_NAME_OVERRIDE, defaultGatewayDeploymentName } from './istio-names.js';

export interface GatewayAddress {
  /** IPAddress or Hostname; a remote Gateway's addresses are reported as written, possibly without one. */
  readonly type?: string;
  readonly value: string;
}

export interface ListenerStatus {
  readonly name: string;
  readonly supportedKinds: readonly { group: string; kind: string }[];
  readonly attachedRoutes: number;
  readonly conditions: readonly Condition[];
}

export interface GatewayStatus {
  readonly addresses?: readonly GatewayAddress[];
  readonly conditions: readonly Condition[];
  readonly listeners?: readonly ListenerStatus[];
}

/** IsManaged: Istio deploys the Gateway (and its Service) unless it names existing Services by hostname. */
export function isManaged(gw: KubeGateway): boolean {
  const addresses = gw.spec.addresses ?? [];
  if (addresses.length === 0) return true;
  if (addresses.length > 1) return false;
  const type = addresses[0]!.type;
  return type === undefined || type === 'IPAddress';
}

/** extractGatewayServices: the Service hostnames the Gateway's proxies sit behind, and a soft error for addresses Istio ignores. */
export function extractGatewayServices(ctx: ConversionContext, gw: KubeGateway): { services: string[]; error?: ConfigError } {
  const ns = gw.metadata.namespace;
  if (isManaged(gw)) {
    const name = gw.metadata.annotations?.[ANNOTATION_NAME_OVERRIDE] ?? defaultGatewayDeploymentName(gw.metadata.name, gw.spec.gatewayClassName);
    return { services: [`${name}.${ns}.svc.${ctx.domainSuffix}`] };
  }
  const services: string[] = [];
  const skipped: string[] = [];
  for (const addr of gw.spec.addresses ?? []) {
    if (addr.type !== undefined && addr.type !== 'Hostname') {
      skipped.push(addr.value ?? '');
      continue;
    }
    const value = addr.value ?? '';
    services.push(value.includes('.') ? value : `${value}.${ns}.svc.${ctx.domainSuffix}`);
  }
  if (skipped.length > 0) {
    return { services, error: { reason: 'UnsupportedAddress', message: `only Hostname is supported, ignoring [${skipped.join(' ')}]` } };
  }
  return { services };
}

interface ResolvedInstances {
  readonly internal: string[];
  readonly internalIP: string[];
  /** The Services' load-balancer addresses: what Istio reports when there are any. */
  readonly externalIP: string[];
  readonly warnings: string[];
  readonly allUsable: boolean;
}

/**
 * ResolveGatewayInstances, from the registry alone: a Service that exists in the Gateway's
 * namespace and has the listener's port counts as assigned. (Istio also wants endpoints there;
 * the snapshot this runs on has no endpoints, so a Service without ready pods still counts.)
 */
function resolveGatewayInstances(ctx: ConversionContext, namespace: string, services: readonly string[], ports: readonly number[]): ResolvedInstances {
  const internal = new Set<string>();
  const internalIP = new Set<string>();
  const externalIP = new Set<string>();
  const warnings: string[] = [];
  let allUsable = true;
  for (const hostname of services) {
    const svc = ctx.serviceByHostname(hostname);
    if (svc === undefined || svc.namespace !== namespace) {
      warnings.push(`hostname "${hostname}" not found`);
      allUsable = false;
      continue;
    }
    for (const port of [...new Set(ports)].sort((a, b) => a - b)) {
      if (svc.ports.some((p) => p.port === port)) {
        internal.add(`${hostname}:${port}`);
        for (const a of svc.addresses) internalIP.add(a);
        for (const a of svc.externalAddresses ?? []) externalIP.add(a);
      } else {
        warnings.push(`port ${port} not found for hostname "${hostname}"`);
        allUsable = false;
      }
    }
  }
  return { internal: [...internal].sort(), internalIP: [...internalIP], externalIP: [...externalIP], warnings, allUsable };
}

export interface GatewayStatusInput {
  readonly services: readonly string[];
  readonly servicesError?: ConfigError;
  /** Ports of every server built (valid or not). */
  readonly ports: readonly number[];
  /** At least one listener, none of them valid. */
  readonly listenersNotValid: boolean;
  readonly listeners?: readonly ListenerStatus[];
}

/** reportGatewayStatus: Accepted, Programmed and ResolvedRefs, and the addresses once a Service is assigned. */
export function reportGatewayStatus(ctx: ConversionContext, gw: KubeGateway, input: GatewayStatusInput): GatewayStatus {
  const resolved = resolveGatewayInstances(ctx, gw.metadata.namespace, input.services, input.ports);
  const conditions: Record<string, ConditionSpec> = {
    Accepted: { reason: 'Accepted', message: 'Resource accepted' },
    Programmed: { reason: 'Programmed', message: 'Resource programmed' },
    ResolvedRefs: { reason: 'ResolvedRefs', message: 'All references resolved' },
  };
  if (input.servicesError !== undefined) conditions.Accepted!.error = input.servicesError;
  else if (input.listenersNotValid) conditions.Accepted!.error = { reason: 'ListenersNotValid', message: "None of the Gateway's listeners are valid" };
  setProgrammedCondition(conditions.Programmed!, resolved, input.services);

  const old = isPlainObject(gw.status) ? gw.status : {};
  // Istio reports the load balancer's addresses when the Service has them, else its ClusterIPs,
  // and never withdraws an address once published.
  const reported = resolved.externalIP.length > 0 ? resolved.externalIP : resolved.internalIP;
  const addresses: GatewayAddress[] = reported.map((value) => ({ type: isIP(value) !== 0 ? 'IPAddress' : 'Hostname', value }));
  const kept = addresses.length > 0 ? addresses : Array.isArray(old.addresses) ? (old.addresses as GatewayAddress[]) : [];
  return {
    ...(kept.length > 0 ? { addresses: kept } : {}),
    conditions: setConditions(gw.metadata.generation, readConditions(old.conditions), conditions, ctx.now),
    ...(input.listeners !== undefined ? { listeners: input.listeners } : {}),
  };
}

function setProgrammedCondition(programmed: ConditionSpec, resolved: ResolvedInstances, services: readonly string[]): void {
  if (resolved.internal.length > 0) programmed.message = `Resource programmed, assigned to service(s) ${humanReadableJoin(resolved.internal)}`;
  if (services.length === 0) {
    programmed.error = { reason: 'UnsupportedAddress', message: 'Failed to assign to any requested addresses' };
  } else if (resolved.warnings.length > 0) {
    const warnings = resolved.warnings.join('; ');
    programmed.error = {
      reason: resolved.allUsable ? 'AddressNotAssigned' : 'AddressNotUsable',
      message:
        resolved.internal.length > 0
          ? `Assigned to service(s) ${humanReadableJoin(resolved.internal)}, but failed to assign to all requested addresses: ${warnings}`
          : `Failed to assign to any requested addresses: ${warnings}`,
    };
  }
}

/** reportUnmanagedGatewayStatus: a remote Gateway is accepted as written and not programmed here. */
export function reportUnmanagedGatewayStatus(ctx: ConversionContext, gw: KubeGateway): GatewayStatus {
  const old = isPlainObject(gw.status) ? gw.status : {};
  const conditions = setConditions(
    gw.metadata.generation,
    readConditions(old.conditions),
    {
      Accepted: { reason: 'Accepted', message: 'Resource accepted' },
      Programmed: { reason: 'Programmed', message: 'This Gateway is remote; Istio will not program it' },
    },
    ctx.now,
  );
  // The spec's addresses, as written (GatewayStatusAddress(e)).
  const addresses = (gw.spec.addresses ?? []).map((a) => ({ ...(a.type !== undefined ? { type: a.type } : {}), value: a.value ?? '' }));
  return { ...(addresses.length > 0 ? { addresses } : {}), conditions };
}
