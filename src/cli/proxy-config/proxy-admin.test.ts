import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { locateAdmin } from './proxy-admin.js';

const servers: http.Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

/** A real HTTP server on 127.0.0.1, port 0, answering each path with the given JSON. */
async function serve(routes: Record<string, unknown>): Promise<number> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').replace(/\?.*/, '');
    if (!(path in routes)) {
      res.statusCode = 404;
      return res.end('not found');
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(routes[path]));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const adsz = (ips: string) => ({ '/debug/adsz': { totalClients: 1, clients: [{ connectionId: 'sleep-1.default-3', metadata: { INSTANCE_IPS: ips } }] } });

test('locateAdmin: the proxy IP from /debug/adsz on the admin port, used only when /server_info names the same proxy', async () => {
  const mine = await serve({ '/server_info': { node: { id: 'sidecar~127.0.0.1~sleep-1.default~default.svc.cluster.local' } } });
  const debug = `127.0.0.1:${await serve(adsz('127.0.0.1,10.0.0.9'))}`;
  assert.deepEqual(await locateAdmin(debug, 'sleep-1.default', undefined, undefined, mine), { ok: true, address: `127.0.0.1:${mine}` });

  const other = await serve({ '/server_info': { node: { id: 'sidecar~127.0.0.1~web-2.default~default.svc.cluster.local' } } });
  assert.deepEqual(await locateAdmin(debug, 'sleep-1.default', undefined, undefined, other), {
    ok: false,
    reason: `the admin at 127.0.0.1:${other} belongs to another proxy (sidecar~127.0.0.1~web-2.default~default.svc.cluster.local)`,
  });
  // Given explicitly: taken as is.
  assert.deepEqual(await locateAdmin(debug, 'sleep-1.default', undefined, '10.1.2.3:15000', 15000), { ok: true, address: '10.1.2.3:15000' });
});

test('locateAdmin: an IP without the admin, then 127.0.0.1 (where tsmesh proxy keeps it by default)', async () => {
  const mine = await serve({ '/server_info': { node: { id: 'sidecar~127.77.0.1~sleep-1.default~default.svc.cluster.local' } } });
  // 127.77.0.1 is a loopback address nothing listens on: refused at once.
  const debug = `127.0.0.1:${await serve(adsz('127.77.0.1'))}`;
  assert.deepEqual(await locateAdmin(debug, 'sleep-1.default', undefined, undefined, mine), { ok: true, address: `127.0.0.1:${mine}` });
  const none = await serve({});
  const r = await locateAdmin(debug, 'sleep-1.default', undefined, undefined, none);
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.reason : '', new RegExp(`^cannot reach the proxy's admin at 127\\.77\\.0\\.1:${none}: .*ECONNREFUSED.*; the proxy's admin at 127\\.0\\.0\\.1:${none}/server_info: HTTP 404: not found$`));
  const empty = `127.0.0.1:${await serve({ '/debug/adsz': { totalClients: 0, clients: [] } })}`;
  assert.deepEqual(await locateAdmin(empty, 'x.default', undefined, undefined, none), { ok: false, reason: "the control plane's /debug/adsz does not list proxy x.default" });
});
