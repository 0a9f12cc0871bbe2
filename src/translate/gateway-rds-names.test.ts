/**
 * A gateway's listener and its route configuration name each other the same way: the listener's
 * RDS name (Istio's gatewayRDSRouteName: the port the proxy listens on, `.BIND` when set) is a
 * route configuration the generator answers, and tsmesh's proxy routes through it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileRouteConfiguration } from '../proxy/router/route-table.js';
import type { Resource } from '../api/resource/resource.js';
import type { Endpoint } from '../model/service.js';
import { encodeJson } from '../xds/proto/proto-json.js';
import { generateProxyResources } from './generate.js';
import type { EnvoyJson } from './generated.js';
import { referencedRouteNames } from './listener/build-listeners.js';
import { endpoint, istio, proxyOf, pushOf, svc } from './listener/test-fixtures.js';

const ROUTER_IP = '10.0.0.50';
const router = proxyOf({ type: 'router', namespace: 'istio-system', labels: { istio: 'ingressgateway' }, ip: ROUTER_IP });
const helloWorld = svc('hello-world', [['http', 80, 'HTTP']], { addresses: ['10.96.0.30'], selector: { app: 'hello-world' } });
const helloEndpoint = endpoint(helloWorld.hostname, 80, '10.0.0.7', 5000);
const HELLO_CLUSTER = 'outbound|80||hello-world.default.svc.cluster.local';

function gateway(server: Record<string, unknown>): Resource {
  return istio('Gateway', 'gateway', { selector: { istio: 'ingressgateway' }, servers: [{ hosts: ['*'], ...server }] });
}
const boundVs = istio('VirtualService', 'hello-world', { hosts: ['*'], gateways: ['gateway'], http: [{ route: [{ destination: { host: 'hello-world' } }] }] });

/** Which cluster tsmesh's proxy picks for `Host: authority` through route configuration `rc`. */
function clusterFor(rc: EnvoyJson, authority: string): string | null {
  const table = compileRouteConfiguration(rc);
  const sel = table.route({ method: 'GET', authority, path: '/', scheme: 'http', headers: {}, sourceIp: '10.0.0.9' });
  return sel?.clusterName ?? null;
}

function rdsNames(listener: EnvoyJson): string[] {
  return referencedRouteNames([listener]);
}

const cases: {
  name: string;
  server: Record<string, unknown>;
  services?: ReturnType<typeof svc>[];
  endpoints?: Endpoint[];
  listener: string;
  route: string;
}[] = [
  {
    name: 'port 8080 HTTP, hosts *',
    server: { port: { number: 8080, name: 'http', protocol: 'HTTP' } },
    listener: '0.0.0.0_8080',
    route: 'http.8080',
  },
  {
    name: 'server port 80 on a gateway Service whose target port is 8080: listener and route use 8080',
    server: { port: { number: 80, name: 'http', protocol: 'HTTP' } },
    services: [svc('istio-ingressgateway', [['http2', 80, 'HTTP2']], { namespace: 'istio-system', addresses: ['10.96.0.2'], selector: { istio: 'ingressgateway' } })],
    endpoints: [{ ...endpoint('istio-ingressgateway.istio-system.svc.cluster.local', 80, ROUTER_IP, 8080), namespace: 'istio-system' }],
    listener: '0.0.0.0_8080',
    route: 'http.8080',
  },
  {
    name: 'bind set: the listener binds it and the route name ends in .BIND',
    server: { port: { number: 8080, name: 'http', protocol: 'HTTP' }, bind: '127.0.0.1' },
    listener: '127.0.0.1_8080',
    route: 'http.8080.127.0.0.1',
  },
];

for (const c of cases) {
  test(`gateway RDS names: ${c.name}`, () => {
    const push = pushOf({ services: [helloWorld, ...(c.services ?? [])], endpoints: [helloEndpoint, ...(c.endpoints ?? [])], configs: [gateway(c.server), boundVs] });
    const r = generateProxyResources(router, push);
    assert.deepEqual(r.listeners.map((l) => l.name), [c.listener]);
    assert.deepEqual(rdsNames(r.listeners[0]!), [c.route]);
    assert.deepEqual(r.routes.map((x) => x.name), [c.route], 'the listener asks RDS for exactly the generated route configuration');
    const rc = r.routes[0]!;
    encodeJson('envoy.config.route.v3.RouteConfiguration', rc);
    assert.ok(((rc.virtual_hosts ?? []) as EnvoyJson[]).length > 0, 'the route configuration has virtual hosts');
    assert.equal(clusterFor(rc, 'anything'), HELLO_CLUSTER);
    assert.ok(r.clusters.some((x) => x.name === HELLO_CLUSTER));
  });
}
