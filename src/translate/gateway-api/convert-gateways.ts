/**
 * Kubernetes Gateways to Istio Gateways (gateway_collection.go): one Istio Gateway per valid
 * listener, each with one server, selecting the Gateway's router proxies by the
 * `gateway.networking.k8s.io/gateway-name` label; plus what routes need to bind to listeners, and
 * each Gateway's status before its attached routes are counted.
 */
import { isPlainObject } from '../../api/resource/resource.js';
import type { Gateway, KubeGateway } from '../../model/config-types.js';
import { readConditions, setConditions, type Condition, type ConditionSpec } from './conditions.js';
import type { ConversionContext } from './conversion-context.js';
import type { GatewayClasses } from './gateway-class.js';
import { extractGatewayServices, isManaged, reportGatewayStatus, reportUnmanagedGatewayStatus, type GatewayStatus, type ListenerStatus } from './gateway-status.js';
import {
  ANNOTATION_GATEWAY_SEMANTICS,
  ANNOTATION_GATEWAY_SERVICE,
  ANNOTATION_PARENTS,
  ANNOTATION_SERVICE_ACCOUNT,
  ANNOTATION_SERVICE_ACCOUNT_OVERRIDE,
  GATEWAY_NAME_LABEL,
  ISTIO_NETWORKING_GROUP,
  SEMANTICS_GATEWAY,
  defaultGatewayDeploymentName,
  internalGatewayName,
  parentAnnotation,
} from './istio-names.js';
import { findListenerConflicts } from './listener-conflicts.js';
import { buildListener, conflictedListenerConditions, generateSupportedKinds, type RouteGroupKind } from './listener.js';

/** parentInfo: a listener routes can bind to. */
export interface ParentInfo {
  /** `NAMESPACE/NAME` of the generated Istio Gateway, as a VirtualService's `gateways` names it. */
  readonly internalName: string;
  readonly allowedKinds: readonly RouteGroupKind[];
  /** The server's hosts, `NAMESPACE/HOSTNAME`. */
  readonly hostnames: readonly string[];
  /** The listener's hostname as written; '' when it has none. */
  readonly originalHostname: string;
  readonly sectionName: string;
  readonly port: number;
  readonly protocol: string;
}

/** A Gateway's status with its listeners' attached route counts still to fill in. */
export interface PendingGatewayStatus {
  readonly gateway: KubeGateway;
  readonly status: GatewayStatus;
}

export interface GatewaysResult {
  readonly gateways: Gateway[];
  /** Listeners of each Gateway we handle, by `NAMESPACE/NAME`, in listener order. */
  readonly parents: Map<string, readonly ParentInfo[]>;
  readonly statuses: PendingGatewayStatus[];
}

export function convertGateways(ctx: ConversionContext, kubeGateways: readonly KubeGateway[], classes: GatewayClasses): GatewaysResult {
  const result: GatewaysResult = { gateways: [], parents: new Map(), statuses: [] };
  for (const gw of kubeGateways) {
    const cls = classes.lookup(gw.spec.gatewayClassName);
    if (cls === undefined) continue; // another controller's Gateway: no status either
    if (cls.unmanaged) {
      result.statuses.push({ gateway: gw, status: reportUnmanagedGatewayStatus(ctx, gw) });
      continue;
    }
    const services = extractGatewayServices(ctx, gw);
    if (services.services.length === 0 && services.error !== undefined) {
      const status = reportGatewayStatus(ctx, gw, { services: [], servicesError: services.error, ports: [], listenersNotValid: false });
      result.statuses.push({ gateway: gw, status });
      continue;
    }
    convertGateway(ctx, gw, services.services, services.error, result);
  }
  return result;
}

function convertGateway(
  ctx: ConversionContext,
  gw: KubeGateway,
  services: readonly string[],
  servicesError: ReturnType<typeof extractGatewayServices>['error'],
  out: GatewaysResult,
): void {
  const { name, namespace } = gw.metadata;
  const serviceAccount = isManaged(gw)
    ? (gw.metadata.annotations?.[ANNOTATION_SERVICE_ACCOUNT_OVERRIDE] ?? defaultGatewayDeploymentName(name, gw.spec.gatewayClassName))
    : '';
  const old = isPlainObject(gw.status) && Array.isArray(gw.status.listeners) ? (gw.status.listeners as unknown[]) : [];
  const oldConditions = (listenerName: string): Condition[] => {
    const found = old.find((l) => isPlainObject(l) && l.name === listenerName);
    return isPlainObject(found) ? readConditions(found.conditions) : [];
  };
  const listeners: ListenerStatus[] = [];
  const parents: ParentInfo[] = [];
  const ports: number[] = [];
  let anyValid = false;
  const conflicts = findListenerConflicts(gw.spec.listeners);
  gw.spec.listeners.forEach((l, i) => {
    const conflict = conflicts.get(i);
    let conditions: Record<string, ConditionSpec>;
    let supportedKinds: RouteGroupKind[];
    if (conflict !== undefined) {
      conditions = conflictedListenerConditions(conflict, l);
      supportedKinds = generateSupportedKinds(l).kinds;
    } else {
      const built = buildListener(ctx, { namespace }, l);
      conditions = built.conditions;
      supportedKinds = built.supportedKinds;
      ports.push(l.port);
      const gatewayName = internalGatewayName(name, l.name);
      if (built.ok) {
        anyValid = true;
        out.gateways.push({
          apiVersion: `${ISTIO_NETWORKING_GROUP}/v1`,
          kind: 'Gateway',
          metadata: {
            name: gatewayName,
            namespace,
            annotations: {
              [ANNOTATION_GATEWAY_SEMANTICS]: SEMANTICS_GATEWAY,
              [ANNOTATION_GATEWAY_SERVICE]: services.join(','),
              [ANNOTATION_PARENTS]: parentAnnotation('Gateway', name, namespace, l.name),
              [ANNOTATION_SERVICE_ACCOUNT]: serviceAccount,
            },
            ...(gw.metadata.creationTimestamp !== undefined ? { creationTimestamp: gw.metadata.creationTimestamp } : {}),
          },
          spec: { selector: { [GATEWAY_NAME_LABEL]: name }, servers: [built.server] },
        });
      }
      // Routes bind to a listener whether or not it could be programmed, as in Istio.
      parents.push({
        internalName: `${namespace}/${gatewayName}`,
        allowedKinds: supportedKinds,
        hostnames: built.server.hosts,
        originalHostname: l.hostname ?? '',
        sectionName: l.name,
        port: l.port,
        protocol: l.protocol,
      });
    }
    listeners.push({
      name: l.name,
      supportedKinds,
      attachedRoutes: 0,
      conditions: setConditions(gw.metadata.generation, oldConditions(l.name), conditions, ctx.now),
    });
  });
  out.parents.set(`${namespace}/${name}`, parents);
  const status = reportGatewayStatus(ctx, gw, {
    services,
    ...(servicesError !== undefined ? { servicesError } : {}),
    ports,
    listenersNotValid: gw.spec.listeners.length > 0 && !anyValid,
    listeners,
  });
  out.statuses.push({ gateway: gw, status });
}

/** The final Gateway status: each listener's attachedRoutes from the routes bound to it. */
export function withAttachedRoutes(status: GatewayStatus, counts: ReadonlyMap<string, number>): GatewayStatus {
  if (status.listeners === undefined) return status;
  return { ...status, listeners: status.listeners.map((l) => ({ ...l, attachedRoutes: counts.get(l.name) ?? 0 })) };
}
