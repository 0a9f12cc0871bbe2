import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppImage } from './catalog.js';
import { clientIp, readBody, send, serveHttp, type RequestScope } from './lib/serve.js';

/**
 * httpbin, in the two shapes the Istio samples have used: go-httpbin (Istio 1.24's
 * samples/httpbin/httpbin.yaml, `mccutchen/go-httpbin`, port 8080; header values are JSON arrays,
 * responses carry `method`) and the original Python httpbin (`kennethreitz/httpbin`,
 * `kong/httpbin`, port 80; header values are strings). The endpoints are the ones the labs and
 * Istio's tasks use: /get /headers /ip /user-agent /status/N[,M…] /delay/N /anything
 * /response-headers and the index page.
 */

type Flavor = 'go' | 'python';

const JSON_GO = 'application/json; charset=utf-8';
const JSON_PY = 'application/json';
const TEXT = 'text/plain; charset=utf-8';
/** go-httpbin's default -max-duration; Python httpbin also caps /delay at 10 s. */
const MAX_DELAY_S = 10;

export function httpbinImage(image: string, flavor: Flavor, defaultPort: number): AppImage {
  return {
    image,
    describe: `httpbin (${flavor === 'go' ? 'go-httpbin' : 'Python httpbin'}) on port ${defaultPort}: /get /headers /status/N /delay/N /anything …`,
    start(ctx, ports) {
      return serveHttp({
        ctx,
        ports,
        defaultPort,
        banner: (port) => (flavor === 'go' ? `time=${new Date().toISOString()} level=INFO msg="go-httpbin listening on http://${ctx.host}:${port}"` : `[INFO] Listening at: http://${ctx.host}:${port}`),
        accessLog: (r) =>
          flavor === 'go'
            ? `time=${r.start.toISOString()} level=INFO status=${r.status} method=${r.req.method} uri=${r.req.url} size_bytes=${r.bytes} duration_ms=${r.durationMs} user_agent="${r.req.headers['user-agent'] ?? ''}" client_ip=${originOf(r.req)}`
            : `${clientIp(r.req)} [${r.start.toISOString()}] "${r.req.method} ${r.req.url} HTTP/${r.req.httpVersion}" ${r.status} ${r.bytes}`,
        handler: (req, res, scope) => route(flavor, req, res, scope),
      });
    },
  };
}

async function route(flavor: Flavor, req: IncomingMessage, res: ServerResponse, scope: RequestScope): Promise<void> {
  const { url } = scope;
  const path = url.pathname;
  const method = req.method ?? 'GET';
  if (path === '/') return send(res, 200, 'text/html; charset=utf-8', INDEX_HTML);
  if (path === '/get') {
    if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(flavor, res);
    return json(flavor, res, 200, echo(flavor, req, url, false));
  }
  if (path === '/headers') return json(flavor, res, 200, { headers: headersOf(flavor, req) });
  if (path === '/ip') return json(flavor, res, 200, { origin: originOf(req) });
  if (path === '/user-agent') return json(flavor, res, 200, { 'user-agent': req.headers['user-agent'] ?? '' });
  if (path === '/anything' || path.startsWith('/anything/')) return json(flavor, res, 200, await withBody(flavor, req, url));
  if (path === '/post' || path === '/put' || path === '/patch' || path === '/delete') {
    if (method !== path.slice(1).toUpperCase()) return methodNotAllowed(flavor, res);
    return json(flavor, res, 200, await withBody(flavor, req, url));
  }
  if (path === '/response-headers') return responseHeaders(flavor, res, url);
  const status = /^\/status\/([^/]+)$/.exec(path);
  if (status) return statusCodes(flavor, res, status[1] ?? '');
  const delay = /^\/delay\/([^/]+)$/.exec(path);
  if (delay) return delayed(flavor, req, res, scope, delay[1] ?? '');
  return error(flavor, res, 404, 'Not Found');
}

/** Header names as Go's net/http canonicalises them (`X-B3-Traceid`), which both httpbins print. */
export function canonicalHeaderName(name: string): string {
  return name
    .split('-')
    .map((p) => (p === '' ? p : p[0]!.toUpperCase() + p.slice(1).toLowerCase()))
    .join('-');
}

function headersOf(flavor: Flavor, req: IncomingMessage): Record<string, string[] | string> {
  const grouped: Record<string, string[]> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = canonicalHeaderName(raw[i]!);
    (grouped[name] ??= []).push(raw[i + 1]!);
  }
  const sorted: Record<string, string[] | string> = {};
  for (const k of Object.keys(grouped).sort()) sorted[k] = flavor === 'go' ? grouped[k]! : grouped[k]!.join(',');
  return sorted;
}

/** The client address; a proxy's X-Forwarded-For wins, as both httpbins report it. */
function originOf(req: IncomingMessage): string {
  const xff = req.headers['x-forwarded-for'];
  const first = (Array.isArray(xff) ? xff[0] : xff)?.split(',')[0]?.trim();
  return first !== undefined && first !== '' ? first : clientIp(req);
}

function fullUrl(req: IncomingMessage, url: URL): string {
  const proto = (req.headers['x-forwarded-proto'] as string | undefined)?.split(',')[0]?.trim() || 'http';
  return `${proto}://${req.headers.host ?? url.host}${req.url ?? url.pathname}`;
}

function argsOf(flavor: Flavor, url: URL): Record<string, string[] | string> {
  const out: Record<string, string[] | string> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const all = url.searchParams.getAll(key);
    out[key] = flavor === 'go' || all.length > 1 ? all : all[0]!;
  }
  return out;
}

function echo(flavor: Flavor, req: IncomingMessage, url: URL, withMethod: boolean): Record<string, unknown> {
  const base: Record<string, unknown> = { args: argsOf(flavor, url), headers: headersOf(flavor, req) };
  if (flavor === 'go' || withMethod) base['method'] = req.method;
  base['origin'] = originOf(req);
  base['url'] = fullUrl(req, url);
  return base;
}

async function withBody(flavor: Flavor, req: IncomingMessage, url: URL): Promise<Record<string, unknown>> {
  const body = await readBody(req);
  const text = body.toString('utf8');
  const contentType = String(req.headers['content-type'] ?? '');
  const form: Record<string, string[] | string> = {};
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    const params = new URLSearchParams(text);
    for (const key of new Set(params.keys())) form[key] = flavor === 'go' ? params.getAll(key) : params.get(key)!;
  }
  let parsed: unknown = null;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  const out = echo(flavor, req, url, true);
  out['data'] = text;
  out['files'] = {};
  out['form'] = form;
  out['json'] = parsed;
  return out;
}

function json(flavor: Flavor, res: ServerResponse, status: number, value: unknown, headers: Record<string, string | string[]> = {}): void {
  send(res, status, flavor === 'go' ? JSON_GO : JSON_PY, `${JSON.stringify(value, null, 2)}\n`, headers);
}

function error(flavor: Flavor, res: ServerResponse, status: number, message: string, detail?: string): void {
  if (flavor === 'python') return send(res, status, 'text/html; charset=utf-8', `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">\n<title>${status} ${message}</title>\n<h1>${message}</h1>\n`);
  json(flavor, res, status, detail === undefined ? { status_code: status, error: message } : { status_code: status, error: message, detail });
}

function methodNotAllowed(flavor: Flavor, res: ServerResponse): void {
  error(flavor, res, 405, 'Method Not Allowed');
}

/** Special bodies and headers httpbin gives some codes (so `curl /status/418` shows the teapot). */
const SPECIAL: Readonly<Record<number, { readonly headers?: Record<string, string>; readonly body?: string }>> = {
  301: { headers: { location: '/redirect/1' } },
  302: { headers: { location: '/redirect/1' } },
  303: { headers: { location: '/redirect/1' } },
  305: { headers: { location: '/redirect/1' } },
  307: { headers: { location: '/redirect/1' } },
  401: { headers: { 'www-authenticate': 'Basic realm="Fake Realm"' } },
  407: { headers: { 'proxy-authenticate': 'Basic realm="Fake Realm"' } },
  418: { headers: { 'x-more-info': 'http://tools.ietf.org/html/rfc2324' }, body: "I'm a teapot!" },
};

/** `/status/503` or a weighted random choice `/status/200:0.9,503:0.1` (weights default to 1). */
function statusCodes(flavor: Flavor, res: ServerResponse, raw: string): void {
  const choices: { code: number; weight: number }[] = [];
  for (const part of decodeURIComponent(raw).split(',')) {
    const [codeText, weightText] = part.split(':');
    const code = Number(codeText);
    const weight = weightText === undefined ? 1 : Number(weightText);
    if (!Number.isInteger(code) || code < 100 || code > 599 || !Number.isFinite(weight) || weight < 0) {
      return error(flavor, res, 400, 'Bad Request', `invalid status code: "${part}"`);
    }
    choices.push({ code, weight });
  }
  const total = choices.reduce((s, c) => s + c.weight, 0);
  let pick = Math.random() * total;
  let code = choices[choices.length - 1]!.code;
  for (const c of choices) {
    if (pick < c.weight) {
      code = c.code;
      break;
    }
    pick -= c.weight;
  }
  const special = SPECIAL[code];
  res.writeHead(code, { 'content-type': TEXT, ...special?.headers, 'content-length': String(Buffer.byteLength(special?.body ?? '')) });
  res.end(special?.body ?? '');
}

/** Waits N seconds (fractions allowed, at most 10) then answers like /anything; cut short when the app stops. */
async function delayed(flavor: Flavor, req: IncomingMessage, res: ServerResponse, scope: RequestScope, raw: string): Promise<void> {
  const seconds = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : /^\d+(\.\d+)?(ms|s)$/.test(raw) ? parseGoDuration(raw) : NaN;
  if (!Number.isFinite(seconds)) return error(flavor, res, 400, 'Bad Request', `invalid duration: "${raw}"`);
  const wait = Math.min(seconds, MAX_DELAY_S) * 1000;
  const completed = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => done(true), wait);
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      scope.signal.removeEventListener('abort', onAbort);
      req.socket.off('close', onAbort);
      resolve(ok);
    };
    const onAbort = (): void => done(false);
    scope.signal.addEventListener('abort', onAbort);
    req.socket.once('close', onAbort);
  });
  if (!completed || res.destroyed) return;
  json(flavor, res, 200, await withBody(flavor, req, scope.url));
}

function parseGoDuration(raw: string): number {
  return raw.endsWith('ms') ? Number(raw.slice(0, -2)) / 1000 : Number(raw.slice(0, -1));
}

/** Sets every query parameter as a response header and echoes them as JSON. */
function responseHeaders(flavor: Flavor, res: ServerResponse, url: URL): void {
  const headers: Record<string, string[]> = {};
  for (const key of new Set(url.searchParams.keys())) headers[key] = url.searchParams.getAll(key);
  const body: Record<string, string[] | string> = {};
  for (const [k, v] of Object.entries(headers)) body[k] = flavor === 'go' || v.length > 1 ? v : v[0]!;
  const contentType = headers['Content-Type']?.[0] ?? headers['content-type']?.[0];
  const text = `${JSON.stringify(body, null, 2)}\n`;
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() !== 'content-type') out[k] = v;
  send(res, 200, contentType ?? (flavor === 'go' ? JSON_GO : JSON_PY), text, out);
}

const INDEX_HTML = `<!DOCTYPE html>
<html>
<head>
  <meta charset="utf-8">
  <title>httpbin.org</title>
</head>
<body>
  <h1>httpbin.org</h1>
  <p>A simple HTTP Request &amp; Response Service.</p>
  <ul>
    <li><a href="/get">/get</a> Returns GET data.</li>
    <li><a href="/headers">/headers</a> Returns header dict.</li>
    <li><a href="/ip">/ip</a> Returns Origin IP.</li>
    <li><a href="/user-agent">/user-agent</a> Returns user-agent.</li>
    <li><a href="/anything">/anything</a> Returns anything that is passed to request.</li>
    <li><a href="/status/418">/status/:code</a> Returns given HTTP Status code.</li>
    <li><a href="/delay/1">/delay/:n</a> Delays responding for min(n, 10) seconds.</li>
    <li><a href="/response-headers?freeform=hello">/response-headers?key=val</a> Returns given response headers.</li>
  </ul>
</body>
</html>
`;
