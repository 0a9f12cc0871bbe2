/**
 * Header rules for VirtualService header operations and matches (validation.go and
 * header_value_validator.go): which names may be set or removed, which may be matched, and
 * Envoy's `%VARIABLE%` syntax in header values (a Go port of Envoy's header_parser.cc).
 */
import { goQuote } from './go-format.js';

// RFC 7230 tchar: https://greenbytes.de/tech/webdav/rfc7230.html#header.fields
const HEADER_NAME_RE = /^[!#$%&'*+\-.^_`|~A-Za-z0-9]+$/;
const STRICT_HEADER_NAME_RE = /^[-A-Za-z0-9]+$/;
const PSEUDO_HEADERS = new Set([':method', ':scheme', ':authority', ':path', ':status']);
const JWT_CLAIM_PREFIX = '@request.auth.claims';
// protoc-gen-validate's header value rule: no control characters except tab.
// eslint-disable-next-line no-control-regex
const HEADER_VALUE_RE = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;

function isInternalHeader(name: string): boolean {
  return name.startsWith(':') || name.toLowerCase() === 'host';
}

export function isAuthorityHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === ':authority' || lower === 'host';
}

/** jwt.ToRoutingClaim(name).Match: `@request.auth.claims.sub` or `@request.auth.claims[sub]`. */
export function isJwtClaimRoute(name: string): boolean {
  if (!name.toLowerCase().startsWith(JWT_CLAIM_PREFIX)) return false;
  const rest = name.slice(JWT_CLAIM_PREFIX.length);
  if (rest.startsWith('.') && rest.length > 1) return true;
  return rest.startsWith('[') && rest.endsWith(']') && rest.length > 2;
}

/** ValidateHTTPHeaderNameOrJwtClaimRoute: header names in matches. */
export function validateMatchHeaderName(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (isJwtClaimRoute(name) || PSEUDO_HEADERS.has(name)) return undefined;
  if (!HEADER_NAME_RE.test(name)) return `header name ${name} is not a valid header name`;
  return undefined;
}

/** ValidateHTTPHeaderWithAuthorityOperationName: request headers to add or set (authority is checked apart). */
export function validateRequestSetHeaderName(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (isInternalHeader(name) && !isAuthorityHeader(name)) return `invalid header ${goQuote(name)}: header cannot have ":" prefix`;
  return undefined;
}

/** ValidateHTTPHeaderOperationName: request headers to remove, and every response header operation. */
export function validateHeaderOperationName(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (name.toLowerCase() === 'host') return `invalid header ${goQuote(name)}: cannot set Host header`;
  if (isInternalHeader(name)) return `invalid header ${goQuote(name)}: header cannot have ":" prefix`;
  return undefined;
}

/** ValidateCORSHTTPHeaderName: `*` or an RFC 7230 token. */
export function validateCORSHeaderName(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (name === '*') return undefined;
  if (!HEADER_NAME_RE.test(name)) return `header name ${name} is not a valid header name`;
  return undefined;
}

/** ValidateStrictHTTPHeaderName: letters, digits and dashes (RequestAuthentication output headers). */
export function validateStrictHeaderName(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (!STRICT_HEADER_NAME_RE.test(name)) return `header name ${name} is not a valid header name`;
  return undefined;
}

/** ValidateProbeHeaderName: a WorkloadGroup probe header, as Kubernetes allows them. */
export function validateProbeHeaderName(name: string): string | undefined {
  return validateStrictHeaderName(name);
}

/** ValidateHTTPHeaderValue: no control characters, and `%` only as `%%` or around a variable. */
export function validateHeaderValue(value: string): string | undefined {
  if (!HEADER_VALUE_RE.test(value)) return `header value configuration ${value} is invalid`;
  const err = parseHeaderValue(value);
  return err === undefined ? undefined : `header value configuration: ${err}`;
}

type ParserState = 'literal' | 'variableName' | 'expectArray' | 'expectString' | 'string' | 'expectDelimiterOrEnd' | 'expectArgsEnd' | 'expectVariableEnd';

/** Envoy's header value parser, as Istio ports it: `%HOSTNAME%`, `%VAR(["a", "b"])%`, `100%%`. */
function parseHeaderValue(value: string): string | undefined {
  let state: ParserState = 'literal';
  for (let pos = 0; pos < value.length; pos++) {
    const ch = value[pos];
    const hasNext = pos + 1 < value.length;
    switch (state) {
      case 'literal':
        if (ch !== '%') break;
        if (!hasNext) return 'invalid header configuration. Un-escaped %';
        if (value[pos + 1] === '%') {
          pos++;
          break;
        }
        state = 'variableName';
        break;
      case 'variableName':
        if (ch === '%') state = 'literal';
        else if (ch === '(') state = 'expectArray';
        break;
      case 'expectArray':
        if (ch === '[') state = 'expectString';
        else if (ch !== ' ') state = 'string';
        break;
      case 'expectDelimiterOrEnd':
        if (ch === ',') state = 'expectString';
        else if (ch === ']') state = 'expectArgsEnd';
        else if (ch !== ' ') return "invalid header configuration. Expecting ',', ']', or whitespace";
        break;
      case 'expectString':
        if (ch === '"') state = 'string';
        else if (ch !== ' ') return `invalid header configuration. Expecting '"'`;
        break;
      case 'string':
        if (ch === '\\') {
          if (!hasNext) return 'invalid header configuration. Un-terminated backslash in JSON string';
          pos++;
        } else if (ch === ')') {
          state = 'expectVariableEnd';
        } else if (ch === '"') {
          state = 'expectDelimiterOrEnd';
        }
        break;
      case 'expectArgsEnd':
        if (ch === ')') state = 'expectVariableEnd';
        else if (ch !== ' ') return "invalid header configuration. Expecting ')' or whitespace after '{}', but found '{}'";
        break;
      case 'expectVariableEnd':
        if (ch === '%') state = 'literal';
        else if (ch !== ' ') return "invalid header configuration. Expecting '%' or whitespace after";
        break;
    }
  }
  if (state !== 'literal') return `invalid header configuration. Un-terminated variable expression '${value}'`;
  return undefined;
}
