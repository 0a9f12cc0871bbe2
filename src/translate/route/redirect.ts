/**
 * The non-forwarding actions of a VirtualService HTTPRoute: `redirect` → Envoy RedirectAction and
 * `directResponse` → DirectResponseAction, as Istio's ApplyRedirect / ApplyDirectResponse.
 */
import type { EnvoyJson } from '../generated.js';
import type { HTTPRoute } from '../../model/config-types.js';

export type HTTPRedirect = NonNullable<HTTPRoute['redirect']>;
export type HTTPDirectResponse = NonNullable<HTTPRoute['directResponse']>;

const PREFIX_MARKER = '%PREFIX()%';

const RESPONSE_CODES: Readonly<Record<number, string>> = {
  0: 'MOVED_PERMANENTLY',
  301: 'MOVED_PERMANENTLY',
  302: 'FOUND',
  303: 'SEE_OTHER',
  307: 'TEMPORARY_REDIRECT',
  308: 'PERMANENT_REDIRECT',
};

/**
 * Istio's ApplyRedirect. `port` is the listener port (Envoy cannot derive the port from the
 * request, but routes are built per port, so FROM_REQUEST_PORT is that port); a default port for
 * the redirect's scheme is left out of the Location. Returns undefined for a redirect code Envoy
 * has no enum for (Istio then sends a route without action, which Envoy rejects; validation
 * refuses such codes, so we simply drop the route).
 */
export function translateRedirect(redirect: HTTPRedirect, port: number, isTls: boolean, gatewaySemantics = false): EnvoyJson | undefined {
  const code = RESPONSE_CODES[redirect.redirectCode ?? 0];
  if (code === undefined) return undefined;
  const out: EnvoyJson = {};
  if (redirect.authority !== undefined && redirect.authority !== '') out.host_redirect = redirect.authority;
  // Istio always sets the path_redirect oneof (to "" when uri is unset: Envoy then keeps the path).
  const uri = redirect.uri ?? '';
  // Gateway API ReplacePrefixMatch arrives as `%PREFIX()%/new`: replace the matched prefix.
  if (gatewaySemantics && uri.startsWith(PREFIX_MARKER)) out.prefix_rewrite = uri.slice(PREFIX_MARKER.length);
  else out.path_redirect = uri;
  if (redirect.scheme !== undefined && redirect.scheme !== '') out.scheme_redirect = redirect.scheme;
  const r = redirect as { derivePort?: string; port?: number };
  if (r.derivePort !== undefined || r.port !== undefined) {
    let portRedirect = 0;
    if (r.derivePort === 'FROM_REQUEST_PORT') portRedirect = port;
    else if (r.port !== undefined) portRedirect = r.port;
    const scheme = redirect.scheme !== undefined && redirect.scheme !== '' ? redirect.scheme : isTls ? 'https' : 'http';
    if ((portRedirect === 80 && scheme === 'http') || (portRedirect === 443 && scheme === 'https')) portRedirect = 0;
    if (portRedirect !== 0) out.port_redirect = portRedirect;
  }
  out.response_code = code;
  return out;
}

/** Istio's ApplyDirectResponse: the status and an inline body (`string` or base64 `bytes`). */
export function translateDirectResponse(dr: HTTPDirectResponse): EnvoyJson {
  const out: EnvoyJson = { status: dr.status };
  const body = dr.body as { string?: string; bytes?: string } | undefined;
  if (body?.string !== undefined) out.body = { inline_string: body.string };
  else if (body?.bytes !== undefined) out.body = { inline_bytes: body.bytes };
  return out;
}
