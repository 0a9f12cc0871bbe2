import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoint, Service } from '../model/service.js';
import { AggregateDiscovery, StaticDiscovery } from './service-discovery.js';

function service(hostname: string, namespace: string, kind: 'Service' | 'ServiceEntry', name = hostname): Service {
  return {
    hostname,
    namespace,
    ports: [{ name: 'http', port: 80, protocol: 'HTTP' }],
    addresses: [],
    resolution: 'ClientSideLB',
    meshExternal: false,
    exportTo: [],
    labels: {},
    source: { kind, namespace, name },
  };
}

function endpoint(hostname: string, namespace: string, address: string): Endpoint {
  return { hostname, namespace, servicePortName: 'http', servicePort: 80, address, port: 80, labels: {}, weight: 1, healthy: true };
}

const HOST = 'reviews.default.svc.cluster.local';

describe('AggregateDiscovery', () => {
  const cases: { name: string; registries: [Service[], Endpoint[]][]; services: string[]; endpoints: string[] }[] = [
    {
      name: 'disjoint registries are concatenated in order',
      registries: [
        [[service(HOST, 'default', 'Service')], [endpoint(HOST, 'default', '10.0.0.1')]],
        [[service('api.example.com', 'default', 'ServiceEntry')], [endpoint('api.example.com', 'default', 'api.example.com')]],
      ],
      services: [`Service default/${HOST}`, 'ServiceEntry default/api.example.com'],
      endpoints: [`default/${HOST} 10.0.0.1`, 'default/api.example.com api.example.com'],
    },
    {
      name: 'same hostname and namespace: the first registry wins, with only its endpoints',
      registries: [
        [[service(HOST, 'default', 'Service')], [endpoint(HOST, 'default', '10.0.0.1')]],
        [[service(HOST, 'default', 'ServiceEntry')], [endpoint(HOST, 'default', '10.9.9.9')]],
      ],
      services: [`Service default/${HOST}`],
      endpoints: [`default/${HOST} 10.0.0.1`],
    },
    {
      name: 'same hostname in another namespace: both kept (visibility decides)',
      registries: [
        [[service(HOST, 'default', 'Service')], []],
        [[service(HOST, 'other', 'ServiceEntry')], [endpoint(HOST, 'other', '10.9.9.9')]],
      ],
      services: [`Service default/${HOST}`, `ServiceEntry other/${HOST}`],
      endpoints: [`other/${HOST} 10.9.9.9`],
    },
    {
      name: 'endpoints for a service another registry defines join it',
      registries: [
        [[service(HOST, 'default', 'Service')], [endpoint(HOST, 'default', '10.0.0.1')]],
        [[], [endpoint(HOST, 'default', '10.0.0.2')]],
      ],
      services: [`Service default/${HOST}`],
      endpoints: [`default/${HOST} 10.0.0.1`, `default/${HOST} 10.0.0.2`],
    },
    {
      name: 'one registry naming a host twice in a namespace keeps both (ServiceEntries merge later)',
      registries: [[[service('a.example.com', 'default', 'ServiceEntry', 'se-1'), service('a.example.com', 'default', 'ServiceEntry', 'se-2')], []]],
      services: ['ServiceEntry default/a.example.com', 'ServiceEntry default/a.example.com'],
      endpoints: [],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const aggregate = new AggregateDiscovery(c.registries.map(([s, e]) => new StaticDiscovery(s, e)));
      assert.deepEqual(
        aggregate.services().map((s) => `${s.source.kind} ${s.namespace}/${s.hostname}`),
        c.services,
      );
      assert.deepEqual(
        aggregate.endpoints().map((e) => `${e.namespace}/${e.hostname} ${e.address}`),
        c.endpoints,
      );
    });
  }

  test('an empty aggregate is empty', () => {
    const aggregate = new AggregateDiscovery([]);
    assert.deepEqual(aggregate.services(), []);
    assert.deepEqual(aggregate.endpoints(), []);
  });
});
