import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeJson } from '../../src/xds/proto/proto-json.js';
import { peekCluster, routeNames } from './wire-peek.js';

const cluster = (json: Record<string, unknown>): Uint8Array => encodeJson('envoy.config.cluster.v3.Cluster', json);

describe('peekCluster', () => {
  const cases: { name: string; json: Record<string, unknown>; want: { name: string; eds: boolean } }[] = [
    {
      name: 'EDS cluster with eds_cluster_config and more fields',
      json: { name: 'outbound|8080|v1|svc-1.ns-1.svc.cluster.local', type: 'EDS', connect_timeout: '10s', eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } }, lb_policy: 'LEAST_REQUEST' },
      want: { name: 'outbound|8080|v1|svc-1.ns-1.svc.cluster.local', eds: true },
    },
    { name: 'STATIC cluster', json: { name: 'BlackHoleCluster', type: 'STATIC', connect_timeout: '10s' }, want: { name: 'BlackHoleCluster', eds: false } },
    { name: 'ORIGINAL_DST', json: { name: 'PassthroughCluster', type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED' }, want: { name: 'PassthroughCluster', eds: false } },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(peekCluster(cluster(c.json)), c.want));
});

test('routeNames finds every rds.route_config_name, once', () => {
  const listener = {
    name: '0.0.0.0_8080',
    filter_chains: [
      { filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: { rds: { route_config_name: '8080', config_source: { ads: {} } } } }] },
      { filters: [{ typed_config: { rds: { route_config_name: '8080' } } }] },
    ],
    default_filter_chain: { filters: [{ typed_config: { rds: { route_config_name: 'inbound|8080||' } } }] },
  };
  assert.deepEqual([...routeNames(listener)].sort(), ['8080', 'inbound|8080||']);
});
