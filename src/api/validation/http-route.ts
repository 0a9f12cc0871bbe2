/**
 * One HTTP route of a VirtualService (virtualservice.go's validateHTTPRoute): which actions may be
 * combined, match conditions, header operations, destinations and weights, and the per-route
 * policies in http-policies.ts.
 */
import type { FieldPath } from '../resource/field-path.js';
import { validateSubsetName } from './destination-rule.js';
import { validateDuration } from './durations.js';
import type { Findings } from './findings.js';
import { goQuote } from './go-format.js';
import { isAuthorityHeader, validateHeaderOperationName, validateHeaderValue, validateMatchHeaderName, validateRequestSetHeaderName } from './headers.js';
import { validateWildcardDomain } from './hosts.js';
import {
  validateCorsPolicy,
  validateDirectResponse,
  validateFault,
  validateMirrorPercent,
  validateRedirect,
  validateRetries,
  validateRewrite,
} from './http-policies.js';
import { isDNS1123Label, validateLabels } from './labels.js';
import { validatePort } from './ports.js';
import { entries, isList, list, num, obj, str, type Obj } from './spec.js';
import { validateStringMatch, validateStringMatchRegexp } from './string-match.js';
import { validateGatewayNames } from './gateway-names.js';

const at = (path: FieldPath, ...rest: (string | number)[]): FieldPath => [...path, ...rest];

/** `delegate` is true for the routes of a delegate VirtualService (one without hosts). */
export function validateHTTPRoute(f: Findings, path: FieldPath, route: Obj, delegate: boolean): void {
  validateConflicts(f, path, route, delegate);
  validateMatches(f, path, route);
  validateHeaderOperations(f, at(path, 'headers'), route.headers);
  validateCorsPolicy(f, at(path, 'corsPolicy'), route.corsPolicy);
  validateFault(f, at(path, 'fault'), route.fault);
  validateMirrorPercent(f, path, route);
  validateDestination(f, at(path, 'mirror'), route.mirror);
  validateMirrors(f, at(path, 'mirrors'), route.mirrors);
  f.error(at(path, 'redirect'), validateRedirect(route.redirect));
  validateDirectResponse(f, at(path, 'directResponse'), route.directResponse);
  validateRetries(f, at(path, 'retries'), route.retries);
  validateRewrite(f, at(path, 'rewrite'), route.rewrite);
  validateAuthorityRewrite(f, path, route);
  validateHTTPRouteDestinations(f, at(path, 'route'), route.route);
  if (route.timeout !== undefined) f.error(at(path, 'timeout'), validateDuration(route.timeout));
}

/** validateHTTPRouteConflict: route, redirect and direct_response exclude each other. */
function validateConflicts(f: Findings, path: FieldPath, route: Obj, delegate: boolean): void {
  const has = (key: string): boolean => obj(route[key]) !== undefined;
  const routes = list(route.route);
  if (!delegate && has('delegate')) {
    // A root route only hands over to its delegate.
    const name = str(route.name);
    if (has('redirect')) f.error(at(path, 'redirect'), `root HTTP route ${name} must not specify redirect`);
    if (isList(route.route)) f.error(at(path, 'route'), `root HTTP route ${name} must not specify route`);
    return;
  }
  if (delegate && has('delegate')) f.error(at(path, 'delegate'), 'delegate HTTP route cannot contain delegate');
  if (has('redirect')) {
    if (routes.length > 0) f.error(at(path, 'redirect'), 'HTTP route cannot contain both route and redirect');
    if (has('fault')) f.error(at(path, 'fault'), 'HTTP route cannot contain both fault and redirect');
    if (has('rewrite')) f.error(at(path, 'rewrite'), 'HTTP route rule cannot contain both rewrite and redirect');
    if (has('directResponse')) f.error(at(path, 'directResponse'), 'HTTP route rule cannot contain both direct_response and redirect');
  } else if (has('directResponse')) {
    if (routes.length > 0) f.error(at(path, 'directResponse'), 'HTTP route cannot contain both route and direct_response');
    if (has('fault')) f.error(at(path, 'fault'), 'HTTP route cannot contain both fault and direct_response');
    if (has('rewrite')) f.error(at(path, 'rewrite'), 'HTTP route rule cannot contain both rewrite and direct_response');
  } else if (routes.length === 0) {
    f.error(path, 'HTTP route, redirect or direct_response is required');
  }
  if (has('mirror') && list(route.mirrors).length > 0) f.error(at(path, 'mirrors'), 'HTTP route cannot contain both mirror and mirrors');
}

/** validateHTTPRouteMatchRequest. */
function validateMatches(f: Findings, path: FieldPath, route: Obj): void {
  list(route.match).forEach((raw, i) => {
    const match = obj(raw);
    if (match === undefined) return;
    const p = at(path, 'match', i);
    for (const [name, header] of entries(match.headers)) {
      const hp = at(p, 'headers', name);
      if (header === null || header === undefined) f.error(hp, `header match ${name} cannot be null`);
      f.error(hp, validateMatchHeaderName(name));
      f.error(hp, validateStringMatch(header, 'headers'));
    }
    for (const [name, header] of entries(match.withoutHeaders)) {
      const hp = at(p, 'withoutHeaders', name);
      f.error(hp, validateMatchHeaderName(name));
      // `regex: "*"` is not a regex: Istio turns it into a presence match.
      if (obj(header) !== undefined && obj(header)?.regex !== '*') f.error(hp, validateStringMatch(header, 'withoutHeaders'));
    }
    // An empty URI prefix is allowed (Envoy's path prefix may be empty); scheme/method/authority may not.
    f.error(at(p, 'uri'), validateStringMatchRegexp(match.uri, 'uri'));
    for (const key of ['scheme', 'method', 'authority']) f.error(at(p, key), validateStringMatch(match[key], key));
    for (const [name, qp] of entries(match.queryParams)) f.error(at(p, 'queryParams', name), validateStringMatch(qp, 'queryParams'));
  });
  list(route.match).forEach((raw, i) => {
    const match = obj(raw);
    if (match === undefined) return;
    const p = at(path, 'match', i);
    if (num(match.port) !== 0) f.error(at(p, 'port'), validatePort(num(match.port)));
    f.error(at(p, 'sourceLabels'), validateLabels(entries(match.sourceLabels)));
    validateGatewayNames(f, at(p, 'gateways'), match.gateways);
    const sourceNamespace = str(match.sourceNamespace);
    if (sourceNamespace !== '' && !isDNS1123Label(sourceNamespace)) {
      f.error(at(p, 'sourceNamespace'), `sourceNamespace match ${sourceNamespace} is invalid`);
    }
  });
}

/** Headers{request, response}{set, add, remove}: which names may be changed, and valid values. */
function validateHeaderOperations(f: Findings, path: FieldPath, value: unknown): void {
  const headers = obj(value);
  if (headers === undefined) return;
  for (const side of ['request', 'response'] as const) {
    const ops = obj(headers[side]);
    if (ops === undefined) continue;
    const checkName = side === 'request' ? validateRequestSetHeaderName : validateHeaderOperationName;
    for (const op of ['add', 'set'] as const) {
      for (const [name, v] of entries(ops[op])) {
        const p = at(path, side, op, name);
        f.error(p, checkName(name));
        f.error(p, validateHeaderValue(str(v)));
      }
    }
    list(ops.remove).forEach((name, i) => f.error(at(path, side, 'remove', i), validateHeaderOperationName(str(name))));
  }
}

/** validateAuthorityRewrite: the authority is rewritten in one place only. */
function validateAuthorityRewrite(f: Findings, path: FieldPath, route: Obj): void {
  let current = str(obj(route.rewrite)?.authority);
  const request = obj(obj(route.headers)?.request);
  for (const op of ['set', 'add'] as const) {
    for (const [name, v] of entries(request?.[op])) {
      if (!isAuthorityHeader(name)) continue;
      const value = str(v);
      if (current !== '') {
        f.error(at(path, 'headers', 'request', op, name), `authority header cannot be set multiple times: have ${goQuote(current)}, attempting to set ${goQuote(value)}`);
        return;
      }
      current = value;
    }
  }
}

/** validateDestination: a host (never `*`), a subset name, a port in range. */
export function validateDestination(f: Findings, path: FieldPath, value: unknown): void {
  const destination = obj(value);
  if (destination === undefined) return;
  const host = str(destination.host);
  f.error(at(path, 'host'), host === '*' ? `invalid destination host ${host}` : validateWildcardDomain(host));
  const subset = str(destination.subset);
  if (subset !== '') f.error(at(path, 'subset'), validateSubsetName(subset));
  const port = obj(destination.port);
  if (port !== undefined) f.error(at(path, 'port', 'number'), validatePort(num(port.number)));
}

function validateMirrors(f: Findings, path: FieldPath, value: unknown): void {
  list(value).forEach((raw, i) => {
    const p = at(path, i);
    const mirror = obj(raw);
    if (mirror === undefined) {
      f.error(p, 'mirror cannot be null');
      return;
    }
    if (obj(mirror.destination) === undefined) {
      f.error(p, 'destination is required for mirrors');
      return;
    }
    validateDestination(f, at(p, 'destination'), mirror.destination);
    const percentage = obj(mirror.percentage);
    if (percentage !== undefined) {
      const v = num(percentage.value);
      if (v > 100) f.error(at(p, 'percentage'), `mirror percentage must have a max value of 100 (it has ${v.toFixed(6)})`);
      if (v < 0) f.error(at(p, 'percentage'), `mirror percentage must have a min value of 0 (it has ${v.toFixed(6)})`);
    }
  });
}

/**
 * validateHTTPRouteDestinations and validateRouteDestinations (TCP/TLS, without headers): each
 * weight non-negative, and not all zero when there is more than one destination. Current Istio
 * no longer requires the weights to add up to 100; Envoy uses them as proportions.
 */
export function validateHTTPRouteDestinations(f: Findings, path: FieldPath, value: unknown, withHeaders = true): void {
  const destinations = list(value);
  let total = 0;
  destinations.forEach((raw, i) => {
    const p = at(path, i);
    const d = obj(raw);
    if (d === undefined) {
      f.error(p, 'weight may not be nil');
      return;
    }
    if (obj(d.destination) === undefined) f.error(p, 'destination is required');
    if (withHeaders) validateHeaderOperations(f, at(p, 'headers'), d.headers);
    validateDestination(f, at(p, 'destination'), d.destination);
    const weight = num(d.weight);
    if (weight < 0) f.error(at(p, 'weight'), `weight ${weight} < 0`);
    total += weight;
  });
  if (destinations.length > 1 && total === 0) f.error(path, 'total destination weight = 0');
}
