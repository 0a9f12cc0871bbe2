import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IServicePort } from 'kubernetes-models/v1/ServicePort';
import type { Service } from '../model/service.js';
import { convertKubeService, externalNameEndpoints, kubePortProtocol, parseExportTo } from './kube-services.js';
import type { KubeService } from './registry-index.js';

const MESH = { domainSuffix: 'cluster.local' };

function kubeService(spec: NonNullable<KubeService['spec']>, metadata: Partial<KubeService['metadata']> = {}): KubeService {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: 'reviews', namespace: 'default', ...metadata }, spec };
}

describe('kubePortProtocol (Istio kube.ConvertProtocol)', () => {
  const cases: { port: IServicePort; want: string }[] = [
    { port: { port: 80, name: 'http' }, want: 'HTTP' },
    { port: { port: 80, name: 'http-web' }, want: 'HTTP' },
    { port: { port: 80, name: 'HTTP2' }, want: 'HTTP2' },
    { port: { port: 9000, name: 'grpc' }, want: 'GRPC' },
    { port: { port: 9000, name: 'grpc-web' }, want: 'GRPC-Web' },
    { port: { port: 9000, name: 'grpc-web-api' }, want: 'GRPC-Web' },
    { port: { port: 9000, name: 'grpc-api' }, want: 'GRPC' },
    { port: { port: 443, name: 'https' }, want: 'HTTPS' },
    { port: { port: 443, name: 'tls-passthrough' }, want: 'TLS' },
    { port: { port: 5432, name: 'tcp-db' }, want: 'TCP' },
    { port: { port: 80 }, want: 'UNSUPPORTED' },
    { port: { port: 80, name: 'web' }, want: 'UNSUPPORTED' },
    { port: { port: 3306 }, want: 'TCP' },
    { port: { port: 3306, name: 'db' }, want: 'TCP' },
    { port: { port: 27017, name: 'mongo' }, want: 'Mongo' },
    { port: { port: 53, name: 'dns', protocol: 'UDP' }, want: 'UDP' },
    { port: { port: 80, name: 'http', protocol: 'UDP' }, want: 'UDP' },
    { port: { port: 80, name: 'tcp', appProtocol: 'http' }, want: 'HTTP' },
    { port: { port: 80, name: 'http', appProtocol: 'kubernetes.io/h2c' }, want: 'HTTP2' },
    { port: { port: 80, appProtocol: 'kubernetes.io/ws' }, want: 'HTTP' },
    { port: { port: 443, appProtocol: 'kubernetes.io/wss' }, want: 'HTTPS' },
    { port: { port: 80, name: 'web', appProtocol: 'grpc-web' }, want: 'GRPC-Web' },
    { port: { port: 9443, name: 'https', appProtocol: 'https' }, want: 'HTTPS' },
  ];
  for (const c of cases) {
    test(`${JSON.stringify(c.port)} → ${c.want}`, () => assert.equal(kubePortProtocol(c.port), c.want));
  }
});

describe('convertKubeService', () => {
  const base: Service = {
    hostname: 'reviews.default.svc.cluster.local',
    namespace: 'default',
    ports: [{ name: 'http', port: 9080, protocol: 'HTTP' }],
    addresses: [],
    resolution: 'ClientSideLB',
    meshExternal: false,
    exportTo: [],
    labels: {},
    selector: { app: 'reviews' },
    source: { kind: 'Service', namespace: 'default', name: 'reviews' },
  };
  const ports = [{ name: 'http', port: 9080, targetPort: 9080 }];
  const cases: { name: string; svc: KubeService; want: Service; domainSuffix?: string }[] = [
    { name: 'no clusterIP yet: no address, EDS', svc: kubeService({ selector: { app: 'reviews' }, ports }), want: base },
    {
      name: 'clusterIP',
      svc: kubeService({ selector: { app: 'reviews' }, ports, clusterIP: '10.96.0.10' }),
      want: { ...base, addresses: ['10.96.0.10'] },
    },
    {
      name: 'dual stack: every clusterIP',
      svc: kubeService({ selector: { app: 'reviews' }, ports, clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10', 'fd00::10'] }),
      want: { ...base, addresses: ['10.96.0.10', 'fd00::10'] },
    },
    {
      name: 'headless: Passthrough, no address, selector kept',
      svc: kubeService({ selector: { app: 'reviews' }, ports, clusterIP: 'None' }),
      want: { ...base, resolution: 'Passthrough' },
    },
    {
      name: 'ExternalName: mesh-external DNS service without selector',
      svc: kubeService({ type: 'ExternalName', externalName: 'db.example.com', ports: [{ name: 'tcp', port: 5432 }] }),
      want: { ...base, ports: [{ name: 'tcp', port: 5432, protocol: 'TCP' }], resolution: 'DNSLB', meshExternal: true, selector: undefined },
    },
    {
      name: 'exportTo annotation, labels, creation time',
      svc: kubeService(
        { selector: { app: 'reviews' }, ports },
        { labels: { app: 'reviews', service: 'reviews' }, annotations: { 'networking.istio.io/exportTo': '., istio-system' }, creationTimestamp: '2024-01-02T03:04:05Z' },
      ),
      want: { ...base, exportTo: ['.', 'istio-system'], labels: { app: 'reviews', service: 'reviews' }, creationTimestamp: '2024-01-02T03:04:05Z' },
    },
    {
      name: 'no selector (endpoints listed by hand), other namespace and domain',
      svc: kubeService({ ports: [{ port: 80 }] }, { namespace: 'shop' }),
      domainSuffix: 'corp.internal',
      want: {
        ...base,
        hostname: 'reviews.shop.svc.corp.internal',
        namespace: 'shop',
        ports: [{ name: '', port: 80, protocol: 'UNSUPPORTED' }],
        selector: undefined,
        source: { kind: 'Service', namespace: 'shop', name: 'reviews' },
      },
    },
    {
      name: 'empty selector selects nothing',
      svc: kubeService({ selector: {}, ports }),
      want: { ...base, selector: undefined },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const want = { ...c.want };
      if (want.selector === undefined) delete (want as { selector?: unknown }).selector;
      assert.deepEqual(convertKubeService(c.svc, { domainSuffix: c.domainSuffix ?? MESH.domainSuffix }), want);
    });
  }

  test('ExternalName: the external name is the endpoint on every port', () => {
    const svc = kubeService({ type: 'ExternalName', externalName: 'db.example.com', ports: [{ name: 'tcp', port: 5432 }, { name: 'http', port: 80 }] });
    const service = convertKubeService(svc, MESH);
    assert.deepEqual(
      externalNameEndpoints(svc, service).map((e) => [e.servicePortName, e.servicePort, e.address, e.port, e.healthy, e.weight]),
      [
        ['tcp', 5432, 'db.example.com', 5432, true, 1],
        ['http', 80, 'db.example.com', 80, true, 1],
      ],
    );
    assert.deepEqual(externalNameEndpoints(kubeService({ ports }), convertKubeService(kubeService({ ports }), MESH)), []);
  });

  test('parseExportTo', () => {
    assert.deepEqual(parseExportTo(undefined), []);
    assert.deepEqual(parseExportTo(' '), []);
    assert.deepEqual(parseExportTo('*'), ['*']);
    assert.deepEqual(parseExportTo('a, b,,c'), ['a', 'b', 'c']);
  });
});
