import type { IncomingMessage } from 'node:http';
import type { AppImage } from './catalog.js';
import { OutboundClient, OutboundError, pickHeaders, TRACE_HEADERS } from './lib/outbound.js';
import { clfTime, clientIp, send, serveHttp } from './lib/serve.js';

/**
 * gcr.io/tetratelabs/web-frontend: a page listing the customers it fetches from
 * CUSTOMER_SERVICE_URL. It forwards the trace headers and the `user` header (Lab 6 routes
 * `user: debug` to customers v2 at the customers sidecar, so the header must travel that hop).
 * When customers fails, the page fails with it (status 500) — Lab 4's fault injection shows
 * up as errors on web-frontend in Grafana and Kiali because of this.
 */

/** Headers copied from the incoming request to the customers request. */
export const WEB_FRONTEND_FORWARDED: readonly string[] = [...TRACE_HEADERS, 'user', 'end-user'];

/** Long enough for Lab 4's 5 s injected delay to show as a slow page, not an error. */
const CUSTOMERS_TIMEOUT_MS = 30_000;

interface Customer {
  readonly name: string;
  readonly city?: string;
}

export const webFrontendImage: AppImage = {
  image: 'gcr.io/tetratelabs/web-frontend',
  describe: 'Labs 4–6 web-frontend: GET / renders the customers from CUSTOMER_SERVICE_URL on port 8080',
  start(ctx, ports) {
    const customersUrl = ctx.env['CUSTOMER_SERVICE_URL'] ?? 'http://customers.default.svc.cluster.local';
    const client = new OutboundClient(ctx.env);
    return serveHttp({
      ctx,
      ports,
      defaultPort: 8080,
      banner: (port) => `web-frontend listening on port ${port}, customers at ${customersUrl}`,
      accessLog: (r) => `${clientIp(r.req)} - - [${clfTime(r.start)}] "${r.req.method} ${r.req.url} HTTP/${r.req.httpVersion}" ${r.status} ${r.bytes} ${r.durationMs}ms`,
      onClose: () => client.close(),
      handler: async (req, res, { url }) => {
        if (url.pathname !== '/') return send(res, 404, 'text/plain; charset=utf-8', 'Not Found');
        const result = await fetchCustomers(client, customersUrl, req);
        if (result.ok) return send(res, 200, 'text/html; charset=utf-8', renderPage(result.customers));
        ctx.log(`error fetching customers from ${customersUrl}: ${result.error}`);
        send(res, 500, 'text/html; charset=utf-8', renderError(customersUrl, result.error));
      },
    });
  },
};

type FetchResult = { readonly ok: true; readonly customers: readonly Customer[] } | { readonly ok: false; readonly error: string };

async function fetchCustomers(client: OutboundClient, customersUrl: string, req: IncomingMessage): Promise<FetchResult> {
  try {
    const r = await client.get(customersUrl, { headers: pickHeaders(req.headers, WEB_FRONTEND_FORWARDED), timeoutMs: CUSTOMERS_TIMEOUT_MS });
    if (r.status !== 200) return { ok: false, error: `customers answered ${r.status}${r.body ? `: ${r.body.slice(0, 200)}` : ''}` };
    const parsed: unknown = JSON.parse(r.body);
    if (!Array.isArray(parsed)) return { ok: false, error: 'customers answered something other than a JSON list' };
    return { ok: true, customers: parsed.filter((c): c is Customer => typeof c === 'object' && c !== null && typeof (c as Customer).name === 'string') };
  } catch (err) {
    if (err instanceof OutboundError) return { ok: false, error: err.message };
    return { ok: false, error: `invalid customers response: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The customers table. The City column exists only when the data has cities, so a v1 page does
 * not contain the word at all: the labs tell v2 by `grep -o "city"` (lower case) on this page.
 */
export function renderPage(customers: readonly Customer[]): string {
  const withCity = customers.some((c) => c.city !== undefined);
  const head = withCity ? '<tr><th>Name</th><th>City</th></tr>' : '<tr><th>Name</th></tr>';
  const rows = customers
    .map((c) => (withCity ? `<tr><td class="name">${escapeHtml(c.name)}</td><td class="city">${escapeHtml(c.city ?? '')}</td></tr>` : `<tr><td class="name">${escapeHtml(c.name)}</td></tr>`))
    .join('\n        ');
  return `<!DOCTYPE html>
<html>
  <head>
    <meta charset="utf-8">
    <title>Web Frontend</title>
  </head>
  <body>
    <h1>Customers</h1>
    <table>
      <thead>
        ${head}
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
  </body>
</html>
`;
}

function renderError(customersUrl: string, error: string): string {
  return `<!DOCTYPE html>
<html>
  <head>
    <meta charset="utf-8">
    <title>Web Frontend</title>
  </head>
  <body>
    <h1>Error</h1>
    <p>Unable to fetch customers from ${escapeHtml(customersUrl)}</p>
    <pre>${escapeHtml(error)}</pre>
  </body>
</html>
`;
}
