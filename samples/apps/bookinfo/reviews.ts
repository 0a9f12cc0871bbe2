import type { IncomingMessage } from 'node:http';
import type { AppContext, AppImage } from '../catalog.js';
import { OutboundClient, OutboundError, pickHeaders } from '../lib/outbound.js';
import { send, serveHttp } from '../lib/serve.js';
import { BOOKINFO_PORT, REVIEWS_FORWARDED, serviceBase } from './common.js';

/**
 * docker.io/istio/examples-bookinfo-reviews-v{1,2,3} (LibertyRestEndpoint.java). The three images
 * are one program built with different environment: v1 has ENABLE_RATINGS=false, v2
 * ENABLE_RATINGS=true (black stars), v3 ENABLE_RATINGS=true and STAR_COLOR=red. A pod's own env
 * overrides those, as it overrides a Dockerfile's ENV. Each answer names the pod that served it
 * (`podname`, from HOSTNAME in Kubernetes) — productpage shows it, so routing is visible.
 */

export type ReviewsVersion = 'v1' | 'v2' | 'v3';

const IMAGE_ENV: Readonly<Record<ReviewsVersion, Readonly<Record<string, string>>>> = {
  v1: { ENABLE_RATINGS: 'false' },
  v2: { ENABLE_RATINGS: 'true' },
  v3: { ENABLE_RATINGS: 'true', STAR_COLOR: 'red' },
};

const REVIEWS = [
  { reviewer: 'Reviewer1', text: 'An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!' },
  { reviewer: 'Reviewer2', text: 'Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare.' },
] as const;

export function reviewsImage(version: ReviewsVersion): AppImage {
  return {
    image: `docker.io/istio/examples-bookinfo-reviews-${version}`,
    describe: `Bookinfo reviews ${version}: GET /reviews/{id} on port 9080${version === 'v1' ? '' : `, ${version === 'v2' ? 'black' : 'red'} stars from ratings`}`,
    start(ctx, ports) {
      const env = { ...IMAGE_ENV[version], ...ctx.env };
      const ratingsEnabled = env['ENABLE_RATINGS']?.toLowerCase() === 'true';
      const starColor = env['STAR_COLOR'] ?? 'black';
      // The pod name: POD_NAME when the platform sets it, else HOSTNAME (Kubernetes sets it to the pod name).
      const podname = ctx.env['POD_NAME'] ?? ctx.env['HOSTNAME'] ?? `reviews-${version}`;
      const clustername = ctx.env['CLUSTER_NAME'] ?? 'null';
      const ratingsService = `${serviceBase(env, 'ratings')}/ratings`;
      // The Java client waits 10 s for ratings with black stars and 2.5 s otherwise (v3's timeout is what Istio's fault-injection task exposes).
      const timeoutMs = starColor === 'black' ? 10_000 : 2_500;
      const client = new OutboundClient(env);
      return serveHttp({
        ctx,
        ports,
        defaultPort: BOOKINFO_PORT,
        banner: (port) => `[AUDIT   ] CWWKT0016I: Web application available (default_host): http://${podname}:${port}/`,
        // Liberty writes no access log by default; only failures to reach ratings are logged.
        accessLog: () => undefined,
        onClose: () => client.close(),
        handler: async (req, res, { url }) => {
          const json = 'application/json';
          if (url.pathname === '/health') return send(res, 200, json, '{"status": "Reviews is healthy"}');
          const m = /^\/reviews\/([^/]+)$/.exec(url.pathname);
          if (m === null || req.method !== 'GET') return send(res, 404, 'text/plain', 'Not Found');
          const id = Number(m[1]);
          if (!Number.isSafeInteger(id)) return send(res, 404, 'text/plain', 'Not Found');
          let stars: [number, number] = [-1, -1];
          if (ratingsEnabled) stars = await fetchStars(ctx, client, `${ratingsService}/${id}`, req, timeoutMs);
          const body = {
            id: String(id),
            podname,
            clustername,
            reviews: REVIEWS.map((r, i) => {
              if (!ratingsEnabled) return { reviewer: r.reviewer, text: r.text };
              const s = stars[i]!;
              return { reviewer: r.reviewer, text: r.text, rating: s === -1 ? { error: 'Ratings service is currently unavailable' } : { stars: s, color: starColor } };
            }),
          };
          send(res, 200, json, JSON.stringify(body));
        },
      });
    },
  };
}

/** Reviewer1's and Reviewer2's stars from ratings, -1 where unavailable (the Java code's sentinel). */
async function fetchStars(ctx: AppContext, client: OutboundClient, target: string, req: IncomingMessage, timeoutMs: number): Promise<[number, number]> {
  try {
    const r = await client.get(target, { headers: { ...pickHeaders(req.headers, REVIEWS_FORWARDED), accept: 'application/json' }, timeoutMs });
    if (r.status !== 200) {
      ctx.log(`Error: unable to contact ${target} got status of ${r.status}`);
      return [-1, -1];
    }
    const parsed = JSON.parse(r.body) as { ratings?: Record<string, unknown> };
    const get = (k: string): number => (typeof parsed.ratings?.[k] === 'number' ? (parsed.ratings[k] as number) : -1);
    return [get('Reviewer1'), get('Reviewer2')];
  } catch (err) {
    ctx.log(`Error: unable to contact ${target} got exception ${err instanceof OutboundError ? err.message : String(err)}`);
    return [-1, -1];
  }
}
