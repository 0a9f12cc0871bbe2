/**
 * One Gateway listener to one Istio Gateway server, with the listener's status conditions
 * (Istio's buildListener, buildTLS, buildHostnameMatch, generateSupportedKinds).
 */
import type { GatewayServer, KubeGatewaySpec } from '../../model/config-types.js';
import type { ConditionSpec, ConfigError } from './conditions.js';
import type { ConversionContext } from './conversion-context.js';
import { GATEWAY_API_GROUP, TLS_TERMINATE_MODE_OPTION } from './istio-names.js';
import { asLabelSelector, labelSelectorMatches } from './label-selector.js';
import { buildSecretReference } from './secret-reference.js';

export type Listener = KubeGatewaySpec['listeners'][number];
type ServerTLS = NonNullable<GatewayServer['tls']>;

export interface RouteGroupKind {
  readonly group: string;
  readonly kind: string;
}

export interface BuiltListener {
  readonly server: GatewayServer;
  /** Conditions keyed by type, before route attachment is counted. */
  readonly conditions: Record<string, ConditionSpec>;
  readonly supportedKinds: RouteGroupKind[];
  /** False when the listener cannot be programmed (bad protocol or TLS): its Istio Gateway is not generated. */
  readonly ok: boolean;
}

const SUPPORTED_PROTOCOLS = new Set(['HTTP', 'HTTPS', 'TLS', 'TCP', 'HBONE']);
const NO_ERRORS = 'No errors found';

/** The gateway-side facts buildListener needs. */
export interface ListenerOwner {
  readonly namespace: string;
}

export function buildListener(ctx: ConversionContext, owner: ListenerOwner, l: Listener): BuiltListener {
  const conditions: Record<string, ConditionSpec> = {
    Accepted: { reason: 'Accepted', message: NO_ERRORS },
    Programmed: { reason: 'Programmed', message: NO_ERRORS },
    Conflicted: { reason: 'NoConflicts', message: NO_ERRORS, status: 'False' },
    ResolvedRefs: { reason: 'ResolvedRefs', message: NO_ERRORS },
  };
  let ok = true;
  const tls = buildTLS(ctx, owner.namespace, l);
  if (tls.error !== undefined) {
    if (tls.missing) conditions.Accepted!.error = tls.error;
    else conditions.ResolvedRefs!.error = tls.error;
    conditions.Programmed!.error = { reason: 'Invalid', message: 'Bad TLS configuration' };
    ok = false;
  }
  const protocol = listenerProtocolToIstio(l.protocol);
  if (typeof protocol !== 'string') {
    conditions.Accepted!.error = protocol;
    ok = false;
  }
  const { kinds, valid } = generateSupportedKinds(l);
  if (!valid) conditions.ResolvedRefs = { reason: 'InvalidRouteKinds', message: 'Invalid route kinds', status: 'False' };
  const server: GatewayServer = {
    // Istio names every server `default`: each generated Gateway has exactly one.
    port: { name: 'default', number: l.port, protocol: typeof protocol === 'string' ? protocol : l.protocol },
    hosts: buildHostnameMatch(ctx, owner.namespace, l),
    ...(tls.tls !== undefined ? { tls: tls.tls } : {}),
  };
  return { server, conditions, supportedKinds: kinds, ok };
}

/** The conditions of a listener that lost a conflict with an earlier one (ReportListenerConflict). */
export function conflictedListenerConditions(reason: 'ProtocolConflict' | 'HostnameConflict', l: Listener): Record<string, ConditionSpec> {
  const error = { reason, message: 'Listener has a conflict with another listener attached to the same Gateway' };
  const conditions: Record<string, ConditionSpec> = {
    Accepted: { reason: 'Accepted', message: NO_ERRORS, error },
    Programmed: { reason: 'Programmed', message: NO_ERRORS, error },
    Conflicted: { reason, message: error.message, status: 'True' },
  };
  if (!generateSupportedKinds(l).valid) conditions.ResolvedRefs = { reason: 'InvalidRouteKinds', message: 'Invalid route kinds', status: 'False' };
  return conditions;
}

/** listenerProtocolToIstio: the server protocol, or why the listener's protocol is refused. */
export function listenerProtocolToIstio(p: string): string | ConfigError {
  switch (p) {
    case 'HTTP':
    case 'HTTPS':
    case 'TLS':
    case 'TCP':
      return p;
    case 'HBONE':
      return { reason: 'UnsupportedProtocol', message: `protocol "${p}" is only supported for waypoint proxies` };
  }
  const up = p.toUpperCase();
  if (SUPPORTED_PROTOCOLS.has(up)) {
    return { reason: 'UnsupportedProtocol', message: `protocol "${p}" is unsupported. hint: "${up}" (uppercase) may be supported` };
  }
  return { reason: 'UnsupportedProtocol', message: `protocol "${p}" is unsupported` };
}

interface TLSResult {
  readonly tls?: ServerTLS;
  readonly error?: ConfigError;
  /** The protocol needs TLS settings and has none (reported on Accepted, not ResolvedRefs). */
  readonly missing?: boolean;
}

function buildTLS(ctx: ConversionContext, namespace: string, l: Listener): TLSResult {
  const tls = l.tls;
  if (tls === undefined) {
    if (l.protocol === 'HTTPS' || l.protocol === 'TLS') {
      return { missing: true, error: { reason: 'UnsupportedProtocol', message: `protocol is ${l.protocol} but no TLS section is defined` } };
    }
    return {};
  }
  if ((tls.mode ?? 'Terminate') === 'Passthrough') return { tls: { mode: 'PASSTHROUGH' } };
  switch (tls.options?.[TLS_TERMINATE_MODE_OPTION]) {
    case 'ISTIO_SIMPLE':
      return { tls: { mode: 'SIMPLE', credentialName: 'builtin://' } };
    case 'ISTIO_MUTUAL':
      return { tls: { mode: 'ISTIO_MUTUAL' } };
  }
  const mode: ServerTLS['mode'] =
    tls.options?.[TLS_TERMINATE_MODE_OPTION] === 'MUTUAL' ? 'MUTUAL' : tls.options?.[TLS_TERMINATE_MODE_OPTION] === 'OPTIONAL_MUTUAL' ? 'OPTIONAL_MUTUAL' : 'SIMPLE';
  const refs = tls.certificateRefs ?? [];
  if (refs.length > 2) {
    return { tls: { mode }, error: { reason: 'InvalidCertificateRef', message: 'TLS mode can only support up to 2 server certificates' } };
  }
  const creds: string[] = [];
  let combined: ConfigError | undefined;
  const join = (e: ConfigError): void => {
    combined = combined === undefined ? e : { reason: combined.reason, message: `${combined.message}; ${e.message}` };
  };
  for (const ref of refs) {
    const built = buildSecretReference(ref, namespace, ctx.secrets);
    if (!built.ok) {
      join(built.error);
      continue;
    }
    const credNs = ref.namespace ?? namespace;
    if (credNs !== namespace && !ctx.grants.allowed('Gateway', namespace, 'Secret', credNs, ref.name)) {
      join({
        reason: 'RefNotPermitted',
        message: `certificateRef ${ref.name}/${credNs} not accessible to a Gateway in namespace "${namespace}" (missing a ReferenceGrant?)`,
      });
      continue;
    }
    creds.push(built.credentialName);
  }
  // As Istio: with at least one usable certificate the listener serves it and the others go unreported.
  if (creds.length === 0) return combined === undefined ? { tls: { mode } } : { tls: { mode }, error: combined };
  return { tls: creds.length === 1 ? { mode, credentialName: creds[0]! } : { mode, credentialNames: creds } };
}

/** buildHostnameMatch: `NAMESPACE/HOSTNAME` for each namespace routes may come from; `~/HOSTNAME` (nothing) when none. */
export function buildHostnameMatch(ctx: ConversionContext, localNamespace: string, l: Listener): string[] {
  const hostname = l.hostname ?? '*';
  const hosts = namespacesFromSelector(ctx, localNamespace, l.allowedRoutes).filter((ns) => ns !== '').map((ns) => `${ns}/${hostname}`);
  return hosts.length > 0 ? hosts : [`~/${hostname}`];
}

/** The namespaces `allowedRoutes` admits: the Gateway's own (default), `*`, or those a selector picks, sorted. */
export function namespacesFromSelector(ctx: ConversionContext, localNamespace: string, allowed: Listener['allowedRoutes']): string[] {
  const from = allowed?.namespaces?.from;
  if (from === undefined || from === 'Same') return [localNamespace];
  if (from === 'All') return ['*'];
  const selector = asLabelSelector(allowed?.namespaces?.selector);
  if (selector === undefined) return ['*'];
  return [...ctx.namespaces].filter(([, labels]) => labelSelectorMatches(selector, labels)).map(([name]) => name).sort();
}

/** generateSupportedKinds: the route kinds a listener's protocol carries, narrowed by allowedRoutes.kinds; invalid when it names others. */
export function generateSupportedKinds(l: Listener): { kinds: RouteGroupKind[]; valid: boolean } {
  const k = (kind: string): RouteGroupKind => ({ group: GATEWAY_API_GROUP, kind });
  let supported: RouteGroupKind[] = [];
  switch (l.protocol) {
    case 'HTTP':
    case 'HTTPS':
      supported = [k('HTTPRoute'), k('GRPCRoute')];
      break;
    case 'TCP':
      supported = [k('TCPRoute')];
      break;
    case 'TLS':
      supported = [k('TLSRoute')];
      if ((l.tls?.mode ?? 'Terminate') === 'Terminate' && l.tls !== undefined) supported.push(k('TCPRoute'));
      break;
  }
  const allowed = l.allowedRoutes?.kinds;
  if (allowed === undefined || allowed.length === 0) return { kinds: supported, valid: true };
  const kinds = supported.filter((s) => allowed.some((a) => a.kind === s.kind && (a.group ?? GATEWAY_API_GROUP) === s.group));
  return { kinds, valid: kinds.length === allowed.length };
}
