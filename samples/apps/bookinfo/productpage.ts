import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppImage } from '../catalog.js';
import { OutboundClient, OutboundError, pickHeaders } from '../lib/outbound.js';
import { readBody, send, serveHttp } from '../lib/serve.js';
import { BOOKINFO_PORT, PRODUCTPAGE_FORWARDED, serviceBase, werkzeugLog } from './common.js';
import { renderIndex, renderProductPage, type Product } from './productpage-html.js';

/**
 * docker.io/istio/examples-bookinfo-productpage-v1 (productpage.py): the page that calls details
 * and reviews, the JSON API over them, and sign-in. Like the real one it forwards the trace and
 * session headers, adds `end-user: <name>` for a signed-in user (Istio's request-routing task
 * routes on it), gives each call a 3 s timeout and asks reviews twice before giving up.
 */

const PRODUCTS: readonly Product[] = [
  {
    id: 0,
    title: 'The Comedy of Errors',
    descriptionHtml:
      '<a href="https://en.wikipedia.org/wiki/The_Comedy_of_Errors">Wikipedia Summary</a>: The Comedy of Errors is one of <b>William Shakespeare\'s</b> early plays. It is his shortest and one of his most farcical comedies, with a major part of the humour coming from slapstick and mistaken identity, in addition to puns and word play.',
  },
];

const CALL_TIMEOUT_MS = 3000;
const SESSION_COOKIE = 'session';
const FLASK_404 =
  '<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n';

type Json = Record<string, unknown>;
interface CallResult {
  readonly status: number;
  readonly body: Json;
}

export const productpageImage: AppImage = {
  image: 'docker.io/istio/examples-bookinfo-productpage-v1',
  describe: 'Bookinfo productpage v1: /productpage, /api/v1/products…, /login, /logout on port 9080',
  start(ctx, ports) {
    const client = new OutboundClient(ctx.env);
    const details = serviceBase(ctx.env, 'details');
    const reviews = serviceBase(ctx.env, 'reviews');
    const ratings = serviceBase(ctx.env, 'ratings');
    let requests = 0;

    /** One GET to a backend; the error body is the sentence productpage.py shows. */
    const call = async (url: string, headers: Record<string, string>, what: string): Promise<CallResult> => {
      const unavailable = { error: `Sorry, product ${what} are currently unavailable for this book.` };
      try {
        const r = await client.get(url, { headers, timeoutMs: CALL_TIMEOUT_MS });
        // urllib3's debug line, which the real container prints for every backend call.
        ctx.log(`DEBUG:urllib3.connectionpool:${new URL(url).origin} "GET ${new URL(url).pathname} HTTP/1.1" ${r.status} ${Buffer.byteLength(r.body)}`);
        if (r.status === 200) return { status: 200, body: JSON.parse(r.body) as Json };
        return { status: r.status || 500, body: unavailable };
      } catch (err) {
        ctx.log(`ERROR: ${what} call failed: ${err instanceof OutboundError ? err.message : String(err)}`);
        return { status: 500, body: unavailable };
      }
    };
    const getDetails = (id: string, h: Record<string, string>): Promise<CallResult> => call(`${details}/details/${id}`, h, 'details');
    const getReviews = async (id: string, h: Record<string, string>): Promise<CallResult> => {
      // productpage.py tries twice on purpose ("Bug introduced explicitly for illustration in fault injection task").
      let last: CallResult | undefined;
      for (let i = 0; i < 2; i++) {
        last = await call(`${reviews}/reviews/${id}`, h, 'reviews');
        if (last.status === 200) return last;
      }
      return last!;
    };
    const getRatings = (id: string, h: Record<string, string>): Promise<CallResult> => call(`${ratings}/ratings/${id}`, h, 'ratings');

    return serveHttp({
      ctx,
      ports,
      defaultPort: BOOKINFO_PORT,
      banner: (port) => `INFO:root:start at port ${port}`,
      accessLog: werkzeugLog,
      onClose: () => client.close(),
      handler: async (req, res, { url }) => {
        requests++;
        const path = url.pathname;
        const json = (status: number, body: unknown): void => send(res, status, 'application/json', JSON.stringify(body));
        if (path === '/' || path === '/index.html') {
          return send(res, 200, 'text/html; charset=utf-8', renderIndex([
            { name: details, endpoint: 'details', children: ['details', 'reviews'] },
            { name: details, endpoint: 'details', children: [] },
            { name: reviews, endpoint: 'reviews', children: ['ratings'] },
            { name: ratings, endpoint: 'ratings', children: [] },
          ]));
        }
        if (path === '/health') return send(res, 200, 'text/html; charset=utf-8', 'Product page is healthy');
        if (path === '/login' && req.method === 'POST') return login(req, res);
        if (path === '/logout' && (req.method === 'GET' || req.method === 'HEAD')) return logout(req, res);
        if (path === '/metrics') return send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', `# HELP productpage_requests_total Requests served by productpage.\n# TYPE productpage_requests_total counter\nproductpage_requests_total ${requests}\n`);
        const headers = forwardHeaders(req);
        if (path === '/productpage') {
          const product = PRODUCTS[0]!;
          const d = await getDetails(String(product.id), headers);
          const r = await getReviews(String(product.id), headers);
          return send(res, 200, 'text/html; charset=utf-8', renderProductPage({
            product,
            detailsStatus: d.status,
            details: d.body,
            reviewsStatus: r.status,
            reviews: r.body,
            user: sessionUser(req) ?? '',
          }));
        }
        if (path === '/api/v1/products') return json(200, PRODUCTS);
        const api = /^\/api\/v1\/products\/([^/]+)(?:\/(reviews|ratings))?$/.exec(path);
        if (api) {
          const id = decodeURIComponent(api[1]!);
          const r = api[2] === 'reviews' ? await getReviews(id, headers) : api[2] === 'ratings' ? await getRatings(id, headers) : await getDetails(id, headers);
          return json(r.status, r.body);
        }
        send(res, 404, 'text/html; charset=utf-8', FLASK_404);
      },
    });
  },
};

/** The forwarded headers plus `end-user` for a signed-in user, as productpage.py's getForwardHeaders. */
function forwardHeaders(req: IncomingMessage): Record<string, string> {
  const headers = pickHeaders(req.headers, PRODUCTPAGE_FORWARDED);
  const user = sessionUser(req);
  if (user !== undefined && user !== '') headers['end-user'] = user;
  return headers;
}

/**
 * The signed-in user from the session cookie. Flask signs its session cookie; this one is plain
 * base64url JSON, which is enough for a sample whose "password" field is ignored anyway.
 */
export function sessionUser(req: IncomingMessage): string | undefined {
  const cookie = req.headers.cookie;
  if (cookie === undefined) return undefined;
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    try {
      const parsed = JSON.parse(Buffer.from(part.slice(eq + 1).trim(), 'base64url').toString('utf8')) as { user?: unknown };
      return typeof parsed.user === 'string' ? parsed.user : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const form = new URLSearchParams((await readBody(req)).toString('utf8'));
  const user = form.get('username') ?? '';
  const value = Buffer.from(JSON.stringify({ user }), 'utf8').toString('base64url');
  redirectBack(req, res, `${SESSION_COOKIE}=${value}; HttpOnly; Path=/`);
}

function logout(req: IncomingMessage, res: ServerResponse): void {
  redirectBack(req, res, `${SESSION_COOKIE}=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=/`);
}

/** Flask's `redirect(request.referrer)`; without a Referer the page itself is the sensible target. */
function redirectBack(req: IncomingMessage, res: ServerResponse, cookie: string): void {
  const location = (req.headers.referer as string | undefined) ?? '/productpage';
  const body = `<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n<p>You should be redirected automatically to the target URL: <a href="${location.replace(/"/g, '&#34;')}">${location.replace(/</g, '&lt;')}</a>. If not, click the link.\n`;
  send(res, 302, 'text/html; charset=utf-8', body, { location, 'set-cookie': cookie });
}

