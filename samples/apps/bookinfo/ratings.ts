import type { AppImage } from '../catalog.js';
import { readBody, send, serveHttp } from '../lib/serve.js';
import { BOOKINFO_PORT } from './common.js';

/**
 * docker.io/istio/examples-bookinfo-ratings-v1 (ratings.js): in-memory ratings, Reviewer1 5 stars
 * and Reviewer2 4 unless a POST replaced them. SERVICE_VERSION v-faulty / v-delayed /
 * v-unavailable give the misbehaving variants Istio's tasks use; v2 (database backed) is not
 * imitated and answers as v1.
 */
export const ratingsImage: AppImage = {
  image: 'docker.io/istio/examples-bookinfo-ratings-v1',
  describe: 'Bookinfo ratings v1: GET|POST /ratings/{id} on port 9080',
  start(ctx, ports) {
    const userAdded = new Map<number, unknown>();
    const version = ctx.env['SERVICE_VERSION'] ?? 'v1';
    const startedAt = Date.now();
    const json = 'application/json';
    const ratingsOf = (id: number): unknown => userAdded.get(id) ?? { id, ratings: { Reviewer1: 5, Reviewer2: 4 } };
    return serveHttp({
      ctx,
      ports,
      defaultPort: BOOKINFO_PORT,
      banner: (port) => `Server listening on: http://0.0.0.0:${port}`,
      // ratings.js logs the request line before dispatching; the finish hook is the closest equivalent.
      accessLog: (r) => `${r.req.method} ${r.req.url}`,
      handler: async (req, res, { url, signal }) => {
        if (url.pathname === '/health') return send(res, 200, json, JSON.stringify({ status: 'Ratings is healthy' }));
        const m = /^\/ratings\/(.*)$/.exec(url.pathname);
        if (m === null) return send(res, 404, json, JSON.stringify({ error: 'Not found' }));
        const id = Number.parseInt(m[1] ?? '', 10);
        if (Number.isNaN(id)) return send(res, 400, json, JSON.stringify({ error: 'please provide numeric product ID' }));
        if (req.method === 'POST') {
          let ratings: unknown;
          try {
            ratings = JSON.parse((await readBody(req)).toString('utf8'));
          } catch {
            return send(res, 400, json, JSON.stringify({ error: 'please provide valid ratings JSON' }));
          }
          userAdded.set(id, { id, ratings });
          return send(res, 200, json, JSON.stringify(ratingsOf(id)));
        }
        if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 404, json, JSON.stringify({ error: 'Not found' }));
        if (version === 'v-faulty' && Math.random() <= 0.5) return send(res, 503, json, JSON.stringify({ error: 'Service unavailable' }));
        if (version === 'v-unavailable' && Math.floor((Date.now() - startedAt) / 60_000) % 2 === 1) {
          return send(res, 503, json, JSON.stringify({ error: 'Service unavailable' }));
        }
        if (version === 'v-delayed' && Math.random() <= 0.5) {
          const ok = await new Promise<boolean>((resolve) => {
            const t = setTimeout(() => resolve(true), 7000);
            signal.addEventListener('abort', () => (clearTimeout(t), resolve(false)), { once: true });
          });
          if (!ok) return;
        }
        send(res, 200, json, JSON.stringify(ratingsOf(id)));
      },
    });
  },
};
