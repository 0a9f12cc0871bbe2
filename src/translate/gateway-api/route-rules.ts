/**
 * HTTPRoute and GRPCRoute rules to VirtualService HTTP routes (convertHTTPRoute,
 * convertGRPCRoute). A rule with several matches becomes one route per match, so that each can
 * be ordered by its own precedence; all of them keep the rule's name.
 */
import type { HTTPRoute as IstioHTTPRoute, KubeGRPCRouteSpec, KubeHTTPRouteSpec } from '../../model/config-types.js';
import { RouteReason, joinErrors, type ConfigError } from './conditions.js';
import type { ConversionContext } from './conversion-context.js';
import { buildDestinations, createMirrorFilter, weightSum } from './backend-refs.js';
import { toProtoDuration } from './durations.js';
import { createCorsFilter, createHeadersFilter, createRedirectFilter, createRewriteFilter } from './route-filters.js';
import { createGRPCMatch, createHTTPMatch } from './route-matches.js';

export type HTTPRouteRule = NonNullable<KubeHTTPRouteSpec['rules']>[number];
export type GRPCRouteRule = NonNullable<KubeGRPCRouteSpec['rules']>[number];

/** A converted route and the error to report; no route means the error fails the whole HTTPRoute (a hard error). */
export interface RuleResult {
  readonly route?: IstioHTTPRoute;
  readonly error?: ConfigError;
}

export interface RouteObject {
  readonly namespace: string;
  readonly name: string;
}

/** Routes for every (rule, match) of an HTTPRoute, in order. */
export function* convertHTTPRouteRules(ctx: ConversionContext, rules: readonly HTTPRouteRule[], obj: RouteObject): Generator<RuleResult> {
  for (const [pos, rule] of rules.entries()) {
    const matches = rule.matches ?? [];
    if (matches.length === 0) yield convertHTTPRule(ctx, rule, obj, pos);
    else for (const m of matches) yield convertHTTPRule(ctx, { ...rule, matches: [m] }, obj, pos);
  }
}

/** Routes for every (rule, match) of a GRPCRoute, in order. */
export function* convertGRPCRouteRules(ctx: ConversionContext, rules: readonly GRPCRouteRule[], obj: RouteObject): Generator<RuleResult> {
  for (const [pos, rule] of rules.entries()) {
    const matches = rule.matches ?? [];
    if (matches.length === 0) yield convertGRPCRule(ctx, rule, obj, pos);
    else for (const m of matches) yield convertGRPCRule(ctx, { ...rule, matches: [m] }, obj, pos);
  }
}

const unsupportedFilter = (type: string): RuleResult => ({ error: { reason: RouteReason.InvalidFilter, message: `unsupported filter type "${type}"` } });

export function convertHTTPRule(ctx: ConversionContext, rule: HTTPRouteRule, obj: RouteObject, pos: number): RuleResult {
  // Rules without a name get one unique within the route, which access logs and stats show.
  const vs: Record<string, unknown> = { name: rule.name ?? `${obj.namespace}.${obj.name}.${pos}` };
  const match = [];
  for (const m of rule.matches ?? []) {
    const built = createHTTPMatch(m);
    if (!built.ok) return { error: built.error };
    match.push(built.value);
  }
  if (match.length > 0) vs.match = match;
  let request;
  let response;
  const mirrors = [];
  let mirrorError: ConfigError | undefined;
  for (const f of rule.filters ?? []) {
    switch (f.type) {
      case 'RequestHeaderModifier':
        request = createHeadersFilter(f.requestHeaderModifier) ?? request;
        break;
      case 'ResponseHeaderModifier':
        response = createHeadersFilter(f.responseHeaderModifier) ?? response;
        break;
      case 'RequestRedirect':
        setIfDefined(vs, 'redirect', createRedirectFilter(f.requestRedirect));
        break;
      case 'RequestMirror': {
        if (f.requestMirror === undefined) break;
        const m = createMirrorFilter(ctx, f.requestMirror, obj.namespace, 'HTTPRoute');
        // A mirror that cannot be built is left out; the route itself still works.
        if (m.ok) mirrors.push(m.mirror);
        else mirrorError = m.error;
        break;
      }
      case 'URLRewrite':
        setIfDefined(vs, 'rewrite', createRewriteFilter(f.urlRewrite));
        break;
      case 'CORS':
        setIfDefined(vs, 'corsPolicy', createCorsFilter(f.cors));
        break;
      default:
        return unsupportedFilter(f.type);
    }
  }
  if (request !== undefined || response !== undefined) {
    vs.headers = { ...(request !== undefined ? { request } : {}), ...(response !== undefined ? { response } : {}) };
  }
  if (mirrors.length > 0) vs.mirrors = mirrors;
  if (rule.retry !== undefined) {
    // "Implementations SHOULD retry on connection errors ... if a retry stanza is configured."
    const attempts = rule.retry.attempts ?? 2;
    const retryOn = ['connect-failure', 'refused-stream', 'unavailable', 'cancelled', ...(rule.retry.codes ?? []).map(String)];
    const backoff = toProtoDuration(rule.retry.backoff);
    vs.retries = { ...(attempts !== 0 ? { attempts, retryOn: retryOn.join(',') } : {}), ...(backoff !== undefined ? { backoff } : {}) };
  }
  const timeout = toProtoDuration(rule.timeouts?.request);
  if (timeout !== undefined) vs.timeout = timeout;
  const backendTimeout = toProtoDuration(rule.timeouts?.backendRequest);
  if (backendTimeout !== undefined) {
    if (vs.retries !== undefined) (vs.retries as Record<string, unknown>).perTryTimeout = backendTimeout;
    else vs.timeout = backendTimeout;
  }
  if (weightSum(rule.backendRefs) === 0 && vs.redirect === undefined) {
    // "If there are no backendRefs with non-zero weight, requests MUST receive a 500."
    vs.directResponse = { status: 500 };
    return withError(vs, mirrorError);
  }
  const built = buildDestinations(ctx, rule.backendRefs ?? [], obj.namespace, 'HTTPRoute');
  if (!built.ok) return { error: built.error };
  if (built.route.length > 0) vs.route = built.route;
  return withError(vs, joinErrors(built.invalidBackend, mirrorError));
}

export function convertGRPCRule(ctx: ConversionContext, rule: GRPCRouteRule, obj: RouteObject, pos: number): RuleResult {
  const vs: Record<string, unknown> = { name: rule.name ?? `${obj.namespace}.${obj.name}.${pos}` };
  const match = [];
  for (const m of rule.matches ?? []) {
    const built = createGRPCMatch(m);
    if (!built.ok) return { error: built.error };
    match.push(built.value);
  }
  if (match.length > 0) vs.match = match;
  let request;
  let response;
  const mirrors = [];
  for (const f of rule.filters ?? []) {
    switch (f.type) {
      case 'RequestHeaderModifier':
        request = createHeadersFilter(f.requestHeaderModifier) ?? request;
        break;
      case 'ResponseHeaderModifier':
        response = createHeadersFilter(f.responseHeaderModifier) ?? response;
        break;
      case 'RequestMirror': {
        if (f.requestMirror === undefined) break;
        const m = createMirrorFilter(ctx, f.requestMirror, obj.namespace, 'GRPCRoute');
        if (!m.ok) return { error: m.error };
        mirrors.push(m.mirror);
        break;
      }
      default:
        return unsupportedFilter(f.type);
    }
  }
  if (request !== undefined || response !== undefined) {
    vs.headers = { ...(request !== undefined ? { request } : {}), ...(response !== undefined ? { response } : {}) };
  }
  if (mirrors.length > 0) vs.mirrors = mirrors;
  if (weightSum(rule.backendRefs) === 0) {
    vs.directResponse = { status: 500 };
    return withError(vs, undefined);
  }
  const built = buildDestinations(ctx, rule.backendRefs ?? [], obj.namespace, 'GRPCRoute');
  if (!built.ok) return { error: built.error };
  if (built.route.length > 0) vs.route = built.route;
  return withError(vs, built.invalidBackend);
}

function setIfDefined(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) target[key] = value;
}

function withError(vs: Record<string, unknown>, error: ConfigError | undefined): RuleResult {
  return { route: vs as IstioHTTPRoute, ...(error !== undefined ? { error } : {}) };
}
