import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeJson } from '../../xds/proto/proto-json.js';
import type { EnvoyJson } from '../generated.js';
import { generateProxyResources } from '../generate.js';
import { generateProxylessGrpcResources, isProxylessGrpc } from './grpc-proxyless.js';
import { endpoint, istio, proxyOf, pushOf, svc } from './test-fixtures.js';

const HOST = 'greeter.default.svc.cluster.local';

function push(): ReturnType<typeof pushOf> {
  return pushOf({
    services: [svc('greeter', [['grpc', 9090, 'GRPC']])],
    endpoints: [
      { ...endpoint(HOST, 9090, '10.0.0.11', 9091), labels: { app: 'greeter', version: 'v1' } },
      { ...endpoint(HOST, 9090, '10.0.0.12', 9091), labels: { app: 'greeter', version: 'v2' } },
    ],
    configs: [
      istio('DestinationRule', 'greeter', { host: HOST, subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] }),
      istio('VirtualService', 'greeter', {
        hosts: [HOST],
        http: [
          { match: [{ headers: { 'x-version': { exact: 'v2' } } }], route: [{ destination: { host: HOST, subset: 'v2' } }] },
          { route: [{ destination: { host: HOST, subset: 'v1' }, weight: 80 }, { destination: { host: HOST, subset: 'v2' }, weight: 20 }] },
        ],
      }),
    ],
  });
}

const GRPC_PROXY = proxyOf({ metadata: { GENERATOR: 'grpc' } });

test('isProxylessGrpc: node metadata GENERATOR grpc', () => {
  const cases: [Record<string, unknown>, boolean][] = [
    [{ GENERATOR: 'grpc' }, true],
    [{}, false],
    [{ GENERATOR: 'envoy' }, false],
  ];
  for (const [metadata, want] of cases) assert.equal(isProxylessGrpc(proxyOf({ metadata })), want, JSON.stringify(metadata));
});

test('proxyless gRPC: api_listener and RouteConfiguration named HOST:PORT, VirtualService routes, minimal EDS clusters', () => {
  const r = generateProxyResources(GRPC_PROXY, push());
  assert.deepEqual(r, generateProxylessGrpcResources(GRPC_PROXY, push()));
  const name = `${HOST}:9090`;
  assert.ok(r.listeners.some((l) => l.name === name), `no listener ${name}`);
  const listener = r.listeners.find((l) => l.name === name)!;
  const hcm = (listener.api_listener as EnvoyJson).api_listener as EnvoyJson;
  assert.equal((hcm.rds as EnvoyJson).route_config_name, name);

  const route = r.routes.find((x) => x.name === name)!;
  const vhosts = route.virtual_hosts as EnvoyJson[];
  assert.equal(vhosts.length, 1);
  assert.deepEqual(vhosts[0]!.domains, [name]);
  const routes = vhosts[0]!.routes as EnvoyJson[];
  assert.equal(routes.length, 2);
  assert.deepEqual(((routes[0]!.match as EnvoyJson).headers as EnvoyJson[])[0]!.name, 'x-version');
  assert.equal((routes[0]!.route as EnvoyJson).cluster, `outbound|9090|v2|${HOST}`);
  const weighted = ((routes[1]!.route as EnvoyJson).weighted_clusters as EnvoyJson).clusters as EnvoyJson[];
  assert.deepEqual(weighted.map((c) => [c.name, c.weight]), [[`outbound|9090|v1|${HOST}`, 80], [`outbound|9090|v2|${HOST}`, 20]]);
  for (const x of routes) assert.deepEqual(Object.keys(x.route as EnvoyJson).filter((k) => k === 'retry_policy'), []);

  assert.deepEqual(r.clusters.map((c) => c.name), [`outbound|9090|v1|${HOST}`, `outbound|9090|v2|${HOST}`, `outbound|9090||${HOST}`]);
  assert.deepEqual(r.clusters[0], {
    name: `outbound|9090|v1|${HOST}`,
    type: 'EDS',
    eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' }, service_name: `outbound|9090|v1|${HOST}` },
    lb_policy: 'ROUND_ROBIN',
  });
  const v1 = r.endpoints.find((e) => e.cluster_name === `outbound|9090|v1|${HOST}`)!;
  const localities = v1.endpoints as EnvoyJson[];
  assert.equal(localities.length, 1);
  assert.deepEqual(localities[0]!.locality, {}, 'gRPC rejects a locality-less LocalityLbEndpoints');

  // Everything converts to protobuf.
  for (const l of r.listeners) encodeJson('envoy.config.listener.v3.Listener', l);
  for (const x of r.routes) encodeJson('envoy.config.route.v3.RouteConfiguration', x);
  for (const c of r.clusters) encodeJson('envoy.config.cluster.v3.Cluster', c);
  for (const e of r.endpoints) encodeJson('envoy.config.endpoint.v3.ClusterLoadAssignment', e);
});

test('an Envoy sidecar is not given the proxyless output', () => {
  const r = generateProxyResources(proxyOf(), push());
  assert.ok(!r.listeners.some((l) => l.api_listener !== undefined));
});
