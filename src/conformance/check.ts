/**
 * One request of a case and its comparison with the expectation, following the corpus README's
 * "Checking one response" (which mirrors upstream's harness) step by step.
 */
import { Client } from 'undici';
import type { CorpusRequest, Expected } from './corpus.js';

/** Where a request goes: the socket dialled, and the logical address redirects are judged against. */
export interface Target {
  readonly address: string;
  readonly port: number;
  readonly logicalPort: number;
  /** PEM the HTTPS client trusts (the suite certificate). */
  readonly ca?: string;
}

export interface Observed {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** The echo JSON when Content-Type is exactly application/json. */
  readonly echo: EchoJson | undefined;
}

export interface EchoJson {
  path: string;
  host: string;
  method: string;
  namespace: string;
  pod: string;
  headers: Record<string, string[]>;
}

/** The request as sent: `path` with the unique query parameter appended. */
export interface Prepared {
  readonly request: CorpusRequest;
  readonly path: string;
  readonly expectedPath: string | undefined;
}

export function prepare(request: CorpusRequest, expected: Expected | undefined): Prepared {
  let path = request.path;
  let expectedPath = expected?.path;
  if (request.uniqueQueryParam !== undefined) {
    const param = `${request.uniqueQueryParam}=${crypto.randomUUID()}`;
    const add = (p: string): string => `${p}${p.includes('?') ? '&' : '?'}${param}`;
    path = add(path);
    if (expectedPath !== undefined && expectedPath !== '') expectedPath = add(expectedPath);
  }
  return { request, path, expectedPath };
}

export async function send(target: Target, prepared: Prepared, timeoutMs: number): Promise<Observed> {
  const { request } = prepared;
  const dialled = hostPort(target.address, target.port);
  const headers: Record<string, string> = { host: request.host ?? dialled, ...(request.headers ?? {}) };
  // Upstream's client always sends it, empty when the case asks for nothing.
  headers['X-Echo-Set-Header'] = Object.entries(request.backendSetResponseHeaders ?? {})
    .map(([k, v]) => `${k}:${v}`)
    .join(',');
  // A fresh connection per request: a listener replaced by a config change must not keep serving.
  const https = request.scheme === 'https';
  const client = new Client(`${https ? 'https' : 'http'}://${dialled}`, {
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    ...(https ? { connect: { ...(target.ca !== undefined ? { ca: target.ca } : {}), ...(request.sni !== undefined ? { servername: request.sni } : {}), checkServerIdentity: goVerifyHostname } } : {}),
  });
  try {
    const res = await client.request({ path: prepared.path, method: request.method, headers, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.body.text();
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
    let echo: EchoJson | undefined;
    if (flat['content-type'] === 'application/json') {
      try {
        echo = JSON.parse(text) as EchoJson;
      } catch {
        echo = undefined;
      }
    }
    return { status: res.statusCode, headers: flat, echo };
  } finally {
    await client.destroy().catch(() => undefined);
  }
}

/** undefined when the response meets the expectation, else why not. */
export function check(expected: Expected, observed: Observed, prepared: Prepared, target: Target): string | undefined {
  const codes = expected.statusCodes ?? (expected.statusCode !== undefined ? [expected.statusCode] : []);
  const st = observed.status;
  if ((st === 408 || st === 504) && (codes.includes(408) || codes.includes(504))) return undefined;
  if (!codes.includes(st)) return `status: expected ${codes.join(' or ')}, got ${st}${describeBody(observed)}`;
  // Non-JSON answers capture only the method sent.
  const echo: EchoJson = observed.echo ?? { path: '', host: '', method: prepared.request.method, namespace: '', pod: '', headers: {} };
  if (st === 200 || st === 204) return checkEcho(expected, observed, echo, prepared);
  if (((st >= 300 && st <= 305) || st === 307 || st === 308) && expected.redirect) return checkRedirect(expected.redirect, observed, prepared, target);
  return undefined;
}

function checkEcho(expected: Expected, observed: Observed, echo: EchoJson, prepared: Prepared): string | undefined {
  const eq = (what: string, want: string | undefined, got: string): string | undefined =>
    want !== undefined && want !== got ? `${what}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}` : undefined;
  const reqHeader = (name: string): string[] | undefined => {
    const found = Object.entries(echo.headers ?? {}).find(([k]) => k.toLowerCase() === name.toLowerCase());
    return found?.[1];
  };
  const strip = (s: string): string => (expected.ignoreWhitespaceInResponseHeaders ? s.replace(/ /g, '') : s);
  const problems = [
    eq('host', expected.host, echo.host),
    eq('path', prepared.expectedPath, echo.path),
    eq('method', expected.method, echo.method),
    eq('namespace', expected.namespace, echo.namespace),
  ];
  for (const [name, want] of Object.entries(expected.headersPresent ?? {})) {
    const got = reqHeader(name);
    if (got === undefined) problems.push(`request header ${name}: expected ${JSON.stringify(want)}, backend did not see it`);
    else if (got.join(',') !== want) problems.push(`request header ${name}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got.join(','))}`);
  }
  for (const [name, options] of Object.entries(expected.responseHeadersOneOf ?? {})) {
    const got = observed.headers[name.toLowerCase()];
    if (got === undefined || !options.map(strip).includes(strip(got))) problems.push(`response header ${name}: expected one of ${JSON.stringify(options)}, got ${JSON.stringify(got)}`);
  }
  for (const [name, want] of Object.entries(expected.responseHeaders ?? {})) {
    const got = observed.headers[name.toLowerCase()];
    if (got === undefined || strip(got) !== strip(want)) problems.push(`response header ${name}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  }
  for (const name of expected.responseHeadersAbsent ?? []) {
    if (observed.headers[name.toLowerCase()] !== undefined) problems.push(`response header ${name}: expected absent, got ${JSON.stringify(observed.headers[name.toLowerCase()])}`);
  }
  for (const name of expected.headersAbsent ?? []) {
    const got = reqHeader(name);
    if (got !== undefined) problems.push(`request header ${name}: expected absent, backend saw ${JSON.stringify(got.join(','))}`);
  }
  if (expected.backend !== undefined && !echo.pod.startsWith(expected.backend)) problems.push(`backend: expected ${expected.backend}, got pod ${JSON.stringify(echo.pod)}`);
  const first = problems.find((p) => p !== undefined);
  return first;
}

function checkRedirect(want: NonNullable<Expected['redirect']>, observed: Observed, prepared: Prepared, target: Target): string | undefined {
  const location = observed.headers['location'];
  if (location === undefined) return 'redirect: no Location header';
  const base = `${prepared.request.scheme ?? 'http'}://${hostPort(target.address, target.logicalPort)}${prepared.path}`;
  let url: URL;
  try {
    url = new URL(location, base);
  } catch {
    return `redirect: unparsable Location ${JSON.stringify(location)}`;
  }
  const scheme = url.protocol.replace(/:$/, '');
  const port = rawPort(location, prepared, target);
  const problems: string[] = [];
  if (want.host !== undefined && url.hostname !== want.host) problems.push(`host ${JSON.stringify(want.host)} got ${JSON.stringify(url.hostname)}`);
  if (want.port !== undefined && port !== want.port) problems.push(`port ${JSON.stringify(want.port)} got ${JSON.stringify(port)}`);
  if (want.port === undefined && port !== '' && port !== wellKnown(scheme)) problems.push(`port (none) got ${JSON.stringify(port)}`);
  if (scheme !== want.scheme) problems.push(`scheme ${JSON.stringify(want.scheme)} got ${JSON.stringify(scheme)}`);
  if (url.pathname !== want.path) problems.push(`path ${JSON.stringify(want.path)} got ${JSON.stringify(url.pathname)}`);
  return problems.length === 0 ? undefined : `redirect (Location ${location}): expected ${problems.join(', ')}`;
}

/**
 * The port text as Go's url.Port() reads it (WHATWG URL drops a scheme's default port, Go does
 * not): from an absolute Location's authority, else from the request URL, which upstream writes
 * without a port for 80/http and 443/https.
 */
function rawPort(location: string, prepared: Prepared, target: Target): string {
  const authority = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?#]*)/.exec(location)?.[1];
  if (authority !== undefined) {
    const hostPart = authority.slice(authority.lastIndexOf('@') + 1);
    return /:(\d*)$/.exec(hostPart.replace(/^\[[^\]]*\]/, ''))?.[1] ?? '';
  }
  const scheme = prepared.request.scheme ?? 'http';
  return String(target.logicalPort) === wellKnown(scheme) ? '' : String(target.logicalPort);
}

function wellKnown(scheme: string): string {
  return scheme === 'https' ? '443' : scheme === 'http' ? '80' : '';
}

function describeBody(observed: Observed): string {
  return observed.echo ? ` (from pod ${observed.echo.pod}, path ${observed.echo.path})` : '';
}

export function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * Hostname verification as the upstream suite's Go client does it (crypto/x509 VerifyHostname):
 * a leftmost `*` label matches any one label, so the suite's `*.org` certificate covers
 * `example.org`. Node's default refuses wildcards directly under a one-label suffix.
 */
export function goVerifyHostname(host: string, cert: { subjectaltname?: string }): Error | undefined {
  const names = (cert.subjectaltname ?? '')
    .split(', ')
    .filter((n) => n.startsWith('DNS:'))
    .map((n) => n.slice(4).toLowerCase());
  const hostLabels = host.toLowerCase().replace(/\.$/, '').split('.');
  const matches = (pattern: string): boolean => {
    const labels = pattern.split('.');
    if (labels.length !== hostLabels.length) return false;
    return labels.every((l, i) => (i === 0 && l === '*') || l === hostLabels[i]);
  };
  return names.some(matches) ? undefined : new Error(`certificate is not valid for ${host} (SANs: ${names.join(', ')})`);
}
