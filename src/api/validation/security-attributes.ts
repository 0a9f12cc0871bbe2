/**
 * Value rules for security policies (pkg/config/security): AuthorizationPolicy condition keys and
 * their values, service accounts, IPs and CIDRs, ports, path templates; JWKS URIs.
 */
import { isIP } from 'node:net';
import { isValidCIDR } from './hosts.js';

/** CheckEmptyValues. */
export function checkEmptyValues(key: string, values: readonly string[]): string | undefined {
  return values.some((v) => v === '') ? `empty value not allowed, found in ${key}` : undefined;
}

/** CheckServiceAccount: `name` or `namespace/name`, no wildcards, at most 16 values. */
export function checkServiceAccount(key: string, values: readonly string[]): string | undefined {
  if (values.length > 16) return 'may not have more than 16 values';
  for (const value of values) {
    if (value === '') return `empty value not allowed, found in ${key}`;
    if (value.includes('*')) return `wildcard not allowed, found in ${key}`;
    const slashes = value.split('/').length - 1;
    if (slashes !== 0 && slashes !== 1) return `expected format 'serviceAccount' or 'namespace/serviceAccount', found ${JSON.stringify(value)} in ${key}`;
    if (value.length > 320) return `value cannot exceed 320 characters, found ${JSON.stringify(value)} in ${key}`;
    if (slashes === 1) {
      const [ns = '', sa = ''] = value.split('/');
      if (ns === '') return `expected format 'serviceAccount' or 'namespace/serviceAccount', found empty namespace ${JSON.stringify(value)} in ${key}`;
      if (sa === '') return `expected format 'serviceAccount' or 'namespace/serviceAccount', found empty serviceAccount ${JSON.stringify(value)} in ${key}`;
    }
  }
  return undefined;
}

/** ValidateIPs: each an address or a CIDR block. */
export function validateIPs(values: readonly string[]): string[] {
  const errs: string[] = [];
  for (const v of values) {
    if (v.includes('/')) {
      if (!isValidCIDR(v)) errs.push(`bad CIDR range (${v}): netip.ParsePrefix(${JSON.stringify(v)}): invalid prefix`);
    } else if (isIP(v) === 0) {
      errs.push(`bad IP address (${v})`);
    }
  }
  return errs;
}

/** ValidatePorts: decimal numbers up to 65535. */
export function validatePorts(values: readonly string[]): string[] {
  const errs: string[] = [];
  for (const port of values) {
    if (!/^\d+$/.test(port)) errs.push(`bad port (${port}): strconv.ParseUint: parsing ${JSON.stringify(port)}: invalid syntax`);
    else if (Number(port) > 65535) errs.push(`bad port (${port}): <nil>`);
  }
  return errs;
}

// RFC 3986 pchar, which Envoy's path templates allow in literal segments.
const VALID_LITERAL = /^[a-zA-Z0-9\-._~%!$&'()+,;:@=]+$/;

/** CheckValidPathTemplate: `{*}` anywhere, `{**}` only last, no other braces. */
export function checkValidPathTemplate(key: string, paths: readonly string[]): string | undefined {
  for (const raw of paths) {
    const hasTemplate = raw.includes('{*}') || raw.includes('{**}');
    const path = raw.replace(/^\/+|\/+$/g, '');
    let matchAnySeen = false;
    for (const glob of path.split('/')) {
      if (glob === '{*}' && !matchAnySeen) continue;
      if (glob === '{**}' && !matchAnySeen) {
        matchAnySeen = true;
        continue;
      }
      if ((glob === '{**}' || glob === '{*}') && matchAnySeen) {
        return `invalid or unsupported path ${path}, found in ${key}. {**} is not the last operator`;
      }
      if (glob.includes('{') || glob.includes('}')) {
        return `invalid or unsupported path ${path}, found in ${key}. Contains '{' or '}' beyond a supported path template`;
      }
      if (hasTemplate && !VALID_LITERAL.test(glob)) {
        return `invalid or unsupported path ${path}, found in ${key}. Contains segment ${glob} with invalid string literal`;
      }
    }
  }
  return undefined;
}

function validateMapKey(key: string): string | undefined {
  const open = key.indexOf('[');
  if (key.endsWith(']') && open > 0 && open < key.length - 2) return undefined;
  return `bad key (${key}): should have format a[b]`;
}

/** ValidateAttribute: the `when` keys Istio knows, and their values. */
export function validateAttribute(key: string, values: readonly string[]): string | readonly string[] | undefined {
  const empty = checkEmptyValues(key, values);
  if (empty !== undefined) return empty;
  if (key.startsWith('request.headers')) return validateMapKey(key);
  if (key.startsWith('request.experimental.inline.headers')) return validateMapKey(key);
  switch (key) {
    case 'source.ip':
    case 'remote.ip':
    case 'destination.ip':
      return joined(validateIPs(values));
    case 'source.serviceAccount':
      return checkServiceAccount(key, values);
    case 'destination.port':
      return joined(validatePorts(values));
    case 'source.namespace':
    case 'source.principal':
    case 'request.auth.principal':
    case 'request.auth.audiences':
    case 'request.auth.presenter':
    case 'connection.sni':
      return undefined;
    case 'destination.namespace':
      return `attribute ${key} is replaced by the metadata.namespace`;
    case 'destination.name':
    case 'destination.user':
      return `deprecated attribute ${key}: only supported in v1alpha1`;
  }
  if (key.startsWith('request.auth.claims')) return validateMapKey(key);
  if (key.startsWith('experimental.envoy.filters.')) return validateMapKey(key);
  if (key.startsWith('destination.labels')) return `attribute ${key} is replaced by the workload selector`;
  return `unknown attribute: ${key}`;
}

/** Several errors as go-multierror prints them inside another message. */
function joined(errs: readonly string[]): string | undefined {
  if (errs.length === 0) return undefined;
  if (errs.length === 1) return `1 error occurred:\n\t* ${errs[0]}\n\n`;
  return `${errs.length} errors occurred:\n${errs.map((e) => `\t* ${e}`).join('\n')}\n\n`;
}

/** security.ParseJwksURI: an http or https URL. */
export function parseJwksURI(uri: string): string | undefined {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri)?.[1] ?? '';
  if (scheme.toLowerCase() !== 'http' && scheme.toLowerCase() !== 'https') return `URI scheme ${JSON.stringify(scheme.toLowerCase())} is not supported`;
  try {
    const url = new URL(uri);
    if (url.port !== '' && !/^\d+$/.test(url.port)) return `parse ${JSON.stringify(uri)}: invalid port`;
  } catch {
    return `parse ${JSON.stringify(uri)}: invalid URI`;
  }
  return undefined;
}

/** jwk.Parse of an inline JWKS: a JSON key set, or a single JSON Web Key. */
export function parseJwks(text: string): string | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return `jwks parse error: failed to unmarshal JWK set: ${(err as Error).message}`;
  }
  const keys = typeof data === 'object' && data !== null && !Array.isArray(data) && Array.isArray((data as { keys?: unknown }).keys)
    ? ((data as { keys: unknown[] }).keys)
    : [data];
  for (const key of keys) {
    const kty = typeof key === 'object' && key !== null ? (key as { kty?: unknown }).kty : undefined;
    if (typeof kty !== 'string' || kty === '') return 'jwks parse error: failed to parse key: invalid key type from JSON ()';
  }
  return undefined;
}
