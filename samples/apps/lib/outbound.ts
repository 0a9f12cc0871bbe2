import http from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/**
 * Outbound HTTP for the sample apps, the way their real images' HTTP clients behave in a pod:
 * with `http_proxy`/`HTTP_PROXY` set the request goes to the proxy in absolute form
 * (`GET http://customers.default.svc.cluster.local/ HTTP/1.1`, `Host: customers…`), exactly as
 * curl sends it, unless `no_proxy`/`NO_PROXY` exempts the host; otherwise the app connects to the
 * URL's host directly and the OS resolves the name (in namespace mode /etc/hosts knows services).
 * Failures are typed so each app can render the error page its real image shows.
 */

/**
 * Trace-context headers every sample forwards from the request it serves to the requests it makes,
 * so the proxies' spans join into one trace (Istio's "trace context propagation").
 */
export const TRACE_HEADERS: readonly string[] = [
  'x-request-id',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'b3',
  'traceparent',
  'tracestate',
  'x-ot-span-context',
  'x-cloud-trace-context',
  'grpc-trace-bin',
  'sw8',
];

export interface OutboundResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** Why an outbound request produced no response. */
export type OutboundFailure = 'timeout' | 'connect' | 'reset' | 'bad-url';

export class OutboundError extends Error {
  constructor(
    readonly failure: OutboundFailure,
    message: string,
  ) {
    super(message);
    this.name = 'OutboundError';
  }
}

/** The values of `names` present on `incoming` (repeated headers joined as Node joins them). */
export function pickHeaders(incoming: IncomingHttpHeaders, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const v = incoming[name];
    if (v === undefined) continue;
    out[name] = Array.isArray(v) ? v.join(name === 'cookie' ? '; ' : ', ') : v;
  }
  return out;
}

/** The proxy to use for `url` under `env`, as curl decides it; undefined means connect directly. */
export function proxyFor(url: URL, env: Readonly<Record<string, string>>): URL | undefined {
  if (url.protocol !== 'http:') return undefined;
  // curl reads only the lower-case http_proxy (the upper-case one can be set by a CGI client);
  // the brief's platform may set either, so the upper-case one is the fallback.
  const raw = env['http_proxy'] ?? env['HTTP_PROXY'];
  if (raw === undefined || raw.trim() === '') return undefined;
  if (noProxyMatches(url.hostname, env['no_proxy'] ?? env['NO_PROXY'] ?? '')) return undefined;
  try {
    const proxy = new URL(raw.includes('://') ? raw : `http://${raw}`);
    return proxy.protocol === 'http:' ? proxy : undefined;
  } catch {
    return undefined;
  }
}

/**
 * curl's no_proxy rules: `*` exempts everything; otherwise a comma-separated list of names, each
 * matching the host itself or any name under it (a leading dot is optional), and IP literals
 * matching exactly. Ports and CIDR ranges in entries are not supported (ignored as names).
 */
export function noProxyMatches(hostname: string, noProxy: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  for (const rawEntry of noProxy.split(',')) {
    const entry = rawEntry.trim().toLowerCase().replace(/^\./, '').replace(/\.$/, '');
    if (entry === '') continue;
    if (entry === '*') return true;
    if (host === entry || host.endsWith(`.${entry}`)) return true;
  }
  return false;
}

export interface GetOptions {
  readonly headers?: Readonly<Record<string, string>>;
  /** Whole-request deadline, connect to last body byte. */
  readonly timeoutMs: number;
}

/**
 * An app's HTTP client. One connection per request, as the real apps' clients use (Python
 * `requests.get`, a JAX-RS client built per call): no idle pooled connection can be reset under
 * a request by a proxy that closed it. The app owns its agent so closing the app cuts its calls.
 */
export class OutboundClient {
  readonly #env: Readonly<Record<string, string>>;
  readonly #agent = new http.Agent({ keepAlive: false });

  constructor(env: Readonly<Record<string, string>>) {
    this.#env = env;
  }

  /** GET `target`; resolves with any status (4xx/5xx are responses), rejects with OutboundError when there is none. */
  get(target: string, options: GetOptions): Promise<OutboundResponse> {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return Promise.reject(new OutboundError('bad-url', `invalid URL "${target}"`));
    }
    if (url.protocol !== 'http:') return Promise.reject(new OutboundError('bad-url', `unsupported scheme in "${target}" (only http://)`));
    const proxy = proxyFor(url, this.#env);
    const headers: Record<string, string> = { ...options.headers, host: url.host };
    const request: http.RequestOptions = proxy
      ? { host: proxy.hostname.replace(/^\[|\]$/g, ''), port: Number(proxy.port || 80), path: url.href, method: 'GET', headers, agent: this.#agent }
      : { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80), path: `${url.pathname}${url.search}`, method: 'GET', headers, agent: this.#agent };
    const via = proxy ? ` via proxy ${proxy.host}` : '';
    return new Promise<OutboundResponse>((resolve, reject) => {
      let settled = false;
      const fail = (err: OutboundError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        reject(err);
      };
      const timer = setTimeout(() => fail(new OutboundError('timeout', `GET ${url.href}${via}: no response within ${options.timeoutMs} ms`)), options.timeoutMs);
      const req = http.request(request, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => fail(new OutboundError('reset', `GET ${url.href}${via}: ${e.message}`)));
        res.on('aborted', () => fail(new OutboundError('reset', `GET ${url.href}${via}: response aborted`)));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
        });
      });
      req.on('error', (e: NodeJS.ErrnoException) => {
        const connect = e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN' || e.code === 'EHOSTUNREACH';
        fail(new OutboundError(connect ? 'connect' : 'reset', `GET ${url.href}${via}: ${e.code ?? e.message}`));
      });
      req.end();
    });
  }

  /** Cuts requests in flight. */
  close(): void {
    this.#agent.destroy();
  }
}
