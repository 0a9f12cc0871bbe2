/**
 * The per-route HTTP policies of a VirtualService route: fault injection, retries, redirect,
 * direct response, rewrite, CORS and mirrors (validation.go's validateHTTP* functions).
 */
import type { FieldPath } from '../resource/field-path.js';
import { hasSubSecond, validateDuration } from './durations.js';
import type { Findings } from './findings.js';
import { goFixed, goFloat, goQuote } from './go-format.js';
import { validateCORSHeaderName } from './headers.js';
import { validatePort } from './ports.js';
import { list, num, obj, str, strings, type Obj } from './spec.js';
import { matchKind, validateRegexp, validateStringMatchRegexp } from './string-match.js';

const at = (path: FieldPath, ...rest: (string | number)[]): FieldPath => [...path, ...rest];

// net/http.StatusText: the codes Go has a name for, which is what retryOn accepts as a number.
const KNOWN_STATUS = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308,
  400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423, 424,
  425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);

// Envoy's x-envoy-retry-on and x-envoy-retry-grpc-on policies.
const RETRY_ON = new Set([
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'retriable-4xx', 'refused-stream',
  'retriable-status-codes', 'retriable-headers', 'envoy-ratelimited', 'http3-post-connect-failure',
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
]);

// pkg/util/grpc.SupportedGRPCStatus.
const GRPC_STATUS = new Set([
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
  'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED',
  'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
]);

const CORS_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', '*']);

const KB = 1024;
const MB = 1024 * KB;

/** validatePercentage: 0, or 0.0001 up to 100. */
export function validatePercentage(value: unknown): string | undefined {
  const percentage = obj(value);
  if (percentage === undefined) return undefined;
  const v = num(percentage.value);
  if (v < 0 || v > 100 || (v > 0 && v < 0.0001)) return `percentage ${goFloat(v)} is neither 0.0, nor in range [0.0001, 100.0]`;
  return undefined;
}

/** validateHTTPStatus: Istio's bound is 600 inclusive, though the message says 599. */
export function validateHTTPStatus(status: number): string | undefined {
  return status < 200 || status > 600 ? `HTTP status ${status} is not in range 200-599` : undefined;
}

export function validateFault(f: Findings, path: FieldPath, value: unknown): void {
  const fault = obj(value);
  if (fault === undefined) return;
  const abort = obj(fault.abort);
  const delay = obj(fault.delay);
  if (abort === undefined && delay === undefined) f.error(path, 'HTTP fault injection must have an abort and/or a delay');
  if (abort !== undefined) {
    const p = at(path, 'abort');
    f.error(at(p, 'percentage'), validatePercentage(abort.percentage));
    if (abort.grpcStatus !== undefined) {
      const status = str(abort.grpcStatus);
      if (!GRPC_STATUS.has(status)) {
        f.error(at(p, 'grpcStatus'), `gRPC status ${goQuote(status)} is not supported. See https://github.com/grpc/grpc/blob/master/doc/statuscodes.md for a list of supported codes, for example 'NOT_FOUND'`);
      }
    } else if (abort.http2Error !== undefined) {
      f.error(at(p, 'http2Error'), 'HTTP/2 abort fault injection not supported yet');
    } else if (abort.httpStatus !== undefined) {
      f.error(at(p, 'httpStatus'), validateHTTPStatus(num(abort.httpStatus)));
    } else {
      f.warn(p, 'abort configured, but error type not set');
    }
  }
  if (delay !== undefined) {
    const p = at(path, 'delay');
    f.error(at(p, 'percentage'), validatePercentage(delay.percentage));
    if (delay.fixedDelay !== undefined) {
      f.error(at(p, 'fixedDelay'), validateDuration(delay.fixedDelay));
    } else if (delay.exponentialDelay !== undefined) {
      f.error(at(p, 'exponentialDelay'), validateDuration(delay.exponentialDelay));
      f.error(at(p, 'exponentialDelay'), 'exponentialDelay not supported yet');
    }
  }
}

export function validateRetries(f: Findings, path: FieldPath, value: unknown): void {
  const retries = obj(value);
  if (retries === undefined) return;
  const attempts = num(retries.attempts);
  const retryOn = str(retries.retryOn);
  if (attempts < 0) f.error(at(path, 'attempts'), 'attempts cannot be negative');
  if (attempts === 0 && (retries.perTryTimeout !== undefined || retryOn !== '' || retries.retryRemoteLocalities !== undefined)) {
    f.error(at(path, 'attempts'), 'http retry policy configured when attempts are set to 0 (disabled)');
  }
  if (retries.perTryTimeout !== undefined) f.error(at(path, 'perTryTimeout'), validateDuration(retries.perTryTimeout));
  if (retryOn !== '') {
    for (const policy of retryOn.split(',')) {
      // A number is accepted when it is an HTTP status Go has a name for.
      const code = /^[+-]?\d+$/.test(policy) ? Number(policy) : 0;
      if (!KNOWN_STATUS.has(code) && !RETRY_ON.has(policy)) f.error(at(path, 'retryOn'), `${goQuote(policy)} is not a valid retryOn policy`);
    }
  }
  if (retries.backoff !== undefined) f.error(at(path, 'backoff'), validateDuration(retries.backoff));
}

/** validateHTTPRedirect: the first problem only, as Istio returns early. */
export function validateRedirect(value: unknown): string | undefined {
  const redirect = obj(value);
  if (redirect === undefined) return undefined;
  const hasPort = redirect.port !== undefined || redirect.derivePort !== undefined;
  if (str(redirect.uri) === '' && str(redirect.authority) === '' && !hasPort && str(redirect.scheme) === '') {
    return 'redirect must specify URI, authority, scheme, or port';
  }
  const code = num(redirect.redirectCode);
  if (code !== 0 && (code < 300 || code > 399)) return `${code} is not a valid redirect code, must be 3xx`;
  const scheme = str(redirect.scheme);
  if (scheme !== '' && scheme !== 'http' && scheme !== 'https') return 'invalid redirect scheme, must be "http" or "https"';
  const port = num(redirect.port);
  return port > 0 ? validatePort(port) : undefined;
}

export function validateDirectResponse(f: Findings, path: FieldPath, value: unknown): void {
  const response = obj(value);
  if (response === undefined) return;
  const body = obj(response.body);
  if (body !== undefined) {
    const size = typeof body.string === 'string'
      ? Buffer.byteLength(body.string)
      : typeof body.bytes === 'string' ? Buffer.from(body.bytes, 'base64').length : 0;
    if (size > MB) f.error(at(path, 'body'), 'large direct_responses may impact control plane performance, must be less than 1MB');
    else if (size > 100 * KB) f.warn(at(path, 'body'), 'large direct_responses may impact control plane performance');
  }
  f.error(at(path, 'status'), validateHTTPStatus(num(response.status)));
}

export function validateRewrite(f: Findings, path: FieldPath, value: unknown): void {
  const rewrite = obj(value);
  if (rewrite === undefined) return;
  const uri = str(rewrite.uri);
  const regexRewrite = obj(rewrite.uriRegexRewrite);
  if (uri !== '' && regexRewrite !== undefined) {
    f.error(path, 'rewrite may only contain one of URI or UriRegexRewrite');
    return;
  }
  if (uri === '' && regexRewrite === undefined && str(rewrite.authority) === '') {
    f.error(path, 'rewrite must specify at least one of URI, UriRegexRewrite, or authority. Only one of URI or UriRegexRewrite may be specified');
    return;
  }
  if (regexRewrite === undefined) return;
  const match = str(regexRewrite.match);
  const err = match === '' || str(regexRewrite.rewrite) === ''
    ? 'UriRegexRewrite requires both Rewrite and Match fields to be specified'
    : validateRegexp(match, 'HTTPRewrite.UriRegexRewrite.Match');
  // errors.Join puts each error on its own line.
  if (err !== undefined) f.error(at(path, 'uriRegexRewrite'), `UriRegexRewrite has errors\n${err}`);
}

export function validateCorsPolicy(f: Findings, path: FieldPath, value: unknown): void {
  const cors = obj(value);
  if (cors === undefined) return;
  list(cors.allowOrigins).forEach((raw, i) => {
    const p = at(path, 'allowOrigins', i);
    const m = matchKind(obj(raw));
    if (m === undefined || m.value === '') f.error(p, `'' is not a valid match type for CORS allow origins`);
    else f.error(p, validateStringMatchRegexp(raw, 'corsPolicy.allowOrigins'));
  });
  strings(cors.allowMethods).forEach((method, i) => {
    if (!CORS_METHODS.has(method)) f.error(at(path, 'allowMethods', i), `${goQuote(method)} is not a supported HTTP method`);
  });
  for (const key of ['allowHeaders', 'exposeHeaders']) {
    strings(cors[key]).forEach((name, i) => f.error(at(path, key, i), validateCORSHeaderName(name)));
  }
  if (cors.maxAge !== undefined) {
    const err = validateDuration(cors.maxAge);
    f.error(at(path, 'maxAge'), err);
    if (err === undefined && hasSubSecond(cors.maxAge)) f.error(at(path, 'maxAge'), 'max_age duration is accurate only to seconds precision');
  }
}

/** The deprecated mirrorPercent and the current mirrorPercentage of a route. */
export function validateMirrorPercent(f: Findings, path: FieldPath, route: Obj): void {
  if (route.mirrorPercent !== undefined && route.mirrorPercent !== null) {
    const value = num(route.mirrorPercent);
    if (value > 100) f.error(at(path, 'mirrorPercent'), `mirror_percent must have a max value of 100 (it has ${value})`);
    f.warn(at(path, 'mirrorPercent'), 'using deprecated setting "mirrorPercent", use "mirrorPercentage" instead');
  }
  const percentage = obj(route.mirrorPercentage);
  if (percentage !== undefined) {
    const value = num(percentage.value);
    if (value > 100) f.error(at(path, 'mirrorPercentage'), `mirror_percentage must have a max value of 100 (it has ${goFixed(value)})`);
    if (value < 0) f.error(at(path, 'mirrorPercentage'), `mirror_percentage must have a min value of 0 (it has ${goFixed(value)})`);
  }
}
