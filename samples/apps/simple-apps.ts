import type { AppImage } from './catalog.js';
import { clfTime, clientIp, send, serveHttp, type AccessRecord } from './lib/serve.js';

/**
 * The Tetrate labs' small images: hello-world (Lab 3) and customers v1/v2 (Labs 4–6), plus the
 * sleep pod of Istio's samples, which only idles (`tsmesh exec` runs curl beside it).
 */

/** Go-style access line, as the tetratelabs Go images print: `2026/12/06 22:31:02 GET / 200 12B 1ms`. */
function goLog(r: AccessRecord): string {
  const d = r.start;
  const p = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
  return `${stamp} ${clientIp(r.req)} ${r.req.method} ${r.req.url} ${r.status} ${r.bytes}B ${r.durationMs}ms`;
}

export const helloWorldImage: AppImage = {
  image: 'gcr.io/tetratelabs/hello-world',
  describe: 'Lab 3 hello-world: GET / answers "Hello World" on port 3000',
  start(ctx, ports) {
    return serveHttp({
      ctx,
      ports,
      defaultPort: 3000,
      banner: (port) => `Listening on port ${port}`,
      accessLog: goLog,
      handler: (_req, res) => send(res, 200, 'text/plain; charset=utf-8', 'Hello World'),
    });
  },
};

/** The customers list; v2 (`customers:2.0.0`) adds each customer's city, which is how Labs 5 and 6 tell the versions apart. */
export const CUSTOMERS: readonly { readonly name: string; readonly city: string }[] = [
  { name: 'Jewel Schaefer', city: 'Westmouth' },
  { name: 'Raleigh Larson', city: 'Port Ellaton' },
  { name: 'Eloise Senger', city: 'Lake Marisa' },
  { name: 'Moshe Zieme', city: 'North Kylee' },
  { name: 'Filiberto Lubowitz', city: 'Schmittborough' },
  { name: 'Ms.Kadin Kling', city: 'New Dorothea' },
  { name: 'Jennyfer Bergstrom', city: 'East Gaston' },
  { name: 'Candelario Rutherford', city: 'Haneside' },
  { name: 'Kenyatta Flatley', city: 'South Alfredo' },
  { name: 'Gianni Pouros', city: 'Lake Jaylin' },
];

export const customersImage: AppImage = {
  image: 'gcr.io/tetratelabs/customers',
  tags: ['1.0.0', '2.0.0'],
  describe: 'Labs 4–6 customers: GET / answers a JSON list of customers on port 3000; 2.0.0 adds "city"',
  start(ctx, ports, tag) {
    const withCity = tag.startsWith('2.');
    const body = JSON.stringify(CUSTOMERS.map((c) => (withCity ? { name: c.name, city: c.city } : { name: c.name })));
    return serveHttp({
      ctx,
      ports,
      defaultPort: 3000,
      banner: (port) => `customers ${tag} listening on port ${port}`,
      accessLog: goLog,
      // The real image answers every path with the list (it registers its handler on "/").
      handler: (_req, res) => send(res, 200, 'application/json', body),
    });
  },
};

export const sleepImage: AppImage = {
  image: 'docker.io/curlimages/curl',
  describe: "Istio's sleep/curl client pod: runs `sleep infinity`, listens on nothing",
  start(ctx) {
    // Nothing to serve; the pod exists so that `tsmesh exec deploy/sleep -- curl …` has a workload identity.
    // The real container prints nothing; one line tells `tsmesh logs` readers (and tests) it is up.
    ctx.log('sleep infinity: idle client pod (use `tsmesh exec deploy/NAME -- curl ...`)');
    return Promise.resolve({ ports: [], close: () => Promise.resolve() });
  },
};

/** Istio's helloworld sample (`samples/helloworld`): GET /hello on port 5000 names the version and pod. */
export function istioHelloworldImage(version: string): AppImage {
  return {
    image: `docker.io/istio/examples-helloworld-${version}`,
    describe: `Istio helloworld ${version}: GET /hello on port 5000`,
    start(ctx, ports) {
      const instance = ctx.env['POD_NAME'] ?? ctx.env['HOSTNAME'] ?? `helloworld-${version}`;
      return serveHttp({
        ctx,
        ports,
        defaultPort: 5000,
        accessLog: (r) => `${clientIp(r.req)} - - [${clfTime(r.start)}] "${r.req.method} ${r.req.url} HTTP/${r.req.httpVersion}" ${r.status} -`,
        handler: (_req, res, { url }) => {
          if (url.pathname === '/hello') return send(res, 200, 'text/html; charset=utf-8', `Hello version: ${version}, instance: ${instance}\n`);
          if (url.pathname === '/health') return send(res, 200, 'text/html; charset=utf-8', 'Helloworld is healthy');
          send(res, 404, 'text/html; charset=utf-8', '<!doctype html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n');
        },
      });
    },
  };
}
