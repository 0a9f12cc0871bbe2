import type { AppImage } from '../catalog.js';
import { send, serveHttp } from '../lib/serve.js';
import { BOOKINFO_PORT, webrickLog } from './common.js';

/** docker.io/istio/examples-bookinfo-details-v1 (details.rb): the book's details as JSON. */

export function bookDetails(id: number): Record<string, unknown> {
  return {
    id,
    author: 'William Shakespeare',
    year: 1595,
    type: 'paperback',
    pages: 200,
    publisher: 'PublisherA',
    language: 'English',
    'ISBN-10': '1234567890',
    'ISBN-13': '123-1234567890',
  };
}

export const detailsImage: AppImage = {
  image: 'docker.io/istio/examples-bookinfo-details-v1',
  describe: 'Bookinfo details v1: GET /details/{id} on port 9080',
  start(ctx, ports) {
    return serveHttp({
      ctx,
      ports,
      defaultPort: BOOKINFO_PORT,
      banner: (port) => `INFO  WEBrick::HTTPServer#start: pid=${process.pid} port=${port}`,
      accessLog: webrickLog,
      handler: (_req, res, { url }) => {
        const json = 'application/json';
        if (url.pathname === '/health') return send(res, 200, json, JSON.stringify({ status: 'Details is healthy' }));
        // WEBrick's mount_proc '/details' serves the prefix; the id is the last path segment.
        if (url.pathname === '/details' || url.pathname.startsWith('/details/')) {
          const last = url.pathname.split('/').pop() ?? '';
          const id = /^[+-]?\d+$/.test(last) ? Number(last) : NaN;
          if (!Number.isSafeInteger(id)) return send(res, 400, json, JSON.stringify({ error: 'please provide numeric product id' }));
          return send(res, 200, json, JSON.stringify(bookDetails(id)));
        }
        send(res, 404, 'text/html; charset=ISO-8859-1', `<HTML>\n  <HEAD><TITLE>Not Found</TITLE></HEAD>\n  <BODY>\n    <H1>Not Found</H1>\n    \`${url.pathname}' not found.\n  </BODY>\n</HTML>\n`);
      },
    });
  },
};
