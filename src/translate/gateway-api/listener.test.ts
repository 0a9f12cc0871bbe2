import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource } from '../../api/resource/resource.js';
import { findListenerConflicts } from './listener-conflicts.js';
import { buildListener, generateSupportedKinds, listenerProtocolToIstio, namespacesFromSelector, type Listener } from './listener.js';
import { context, res, tlsSecret } from './testing/fixtures.js';

const namespaces: Resource[] = [
  res('v1', 'Namespace', undefined, 'infra', undefined, { metadata: { name: 'infra', labels: { env: 'infra' } } }),
  res('v1', 'Namespace', undefined, 'app', undefined, { metadata: { name: 'app', labels: { env: 'backend' } } }),
  res('v1', 'Namespace', undefined, 'web', undefined, { metadata: { name: 'web', labels: { env: 'backend' } } }),
];
const certGrant = res('gateway.networking.k8s.io/v1beta1', 'ReferenceGrant', 'certs', 'allow-gateways', {
  from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'infra' }],
  to: [{ group: '', kind: 'Secret' }],
});
const brokenSecret: Resource = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'broken', namespace: 'infra' }, stringData: { 'tls.crt': 'nope', 'tls.key': 'nope' } };
const keylessSecret: Resource = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'keyless', namespace: 'infra' }, stringData: { foo: 'bar' } };
const ctx = context([...namespaces, certGrant, tlsSecret('infra', 'cert'), tlsSecret('certs', 'shared'), tlsSecret('other', 'private'), brokenSecret, keylessSecret]);

const http = (extra: Partial<Listener> = {}): Listener => ({ name: 'http', port: 80, protocol: 'HTTP', ...extra });
const https = (ref: Record<string, string>): Listener => ({ name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: ref.name!, ...ref }] } });

test('server hosts: listener hostname per allowed namespace', async (t) => {
  const cases: { name: string; listener: Listener; want: string[] }[] = [
    { name: 'default is the Gateway namespace, any host', listener: http(), want: ['infra/*'] },
    { name: 'All', listener: http({ hostname: 'foo.com', allowedRoutes: { namespaces: { from: 'All' } } }), want: ['*/foo.com'] },
    {
      name: 'Selector picks labelled namespaces, sorted',
      listener: http({ allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { env: 'backend' } } } } }),
      want: ['app/*', 'web/*'],
    },
    {
      name: 'Selector on the implicit name label',
      listener: http({ allowedRoutes: { namespaces: { from: 'Selector', selector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['web'] }] } } } }),
      want: ['web/*'],
    },
    { name: 'Selector matching nothing', listener: http({ allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { env: 'none' } } } } }), want: ['~/*'] },
  ];
  for (const c of cases) await t.test(c.name, () => assert.deepEqual(buildListener(ctx, { namespace: 'infra' }, c.listener).server.hosts, c.want));
  assert.deepEqual(namespacesFromSelector(ctx, 'infra', { namespaces: { from: 'Same' } }), ['infra']);
});

test('TLS certificateRefs', async (t) => {
  const cases: { name: string; listener: Listener; tls?: unknown; resolvedRefs: [string, string, string?]; ok: boolean }[] = [
    {
      name: 'same-namespace Secret',
      listener: https({ name: 'cert' }),
      tls: { mode: 'SIMPLE', credentialName: 'kubernetes-gateway://infra/cert' },
      resolvedRefs: ['True', 'ResolvedRefs'],
      ok: true,
    },
    {
      name: 'cross-namespace with a ReferenceGrant',
      listener: https({ name: 'shared', namespace: 'certs' }),
      tls: { mode: 'SIMPLE', credentialName: 'kubernetes-gateway://certs/shared' },
      resolvedRefs: ['True', 'ResolvedRefs'],
      ok: true,
    },
    {
      name: 'cross-namespace without a grant',
      listener: https({ name: 'private', namespace: 'other' }),
      resolvedRefs: ['False', 'RefNotPermitted', 'certificateRef private/other not accessible to a Gateway in namespace "infra" (missing a ReferenceGrant?)'],
      ok: false,
    },
    {
      name: 'missing Secret',
      listener: https({ name: 'nonexistent', kind: 'Secret', group: '' }),
      resolvedRefs: ['False', 'InvalidCertificateRef', 'invalid certificate reference /Secret/nonexistent., secret infra/nonexistent not found'],
      ok: false,
    },
    {
      name: 'not a Secret',
      listener: https({ name: 'cm', kind: 'ConfigMap', group: 'core' }),
      resolvedRefs: ['False', 'InvalidCertificateRef', 'invalid certificate reference core/ConfigMap/cm., only secret is allowed'],
      ok: false,
    },
    {
      name: 'malformed certificate',
      listener: https({ name: 'broken' }),
      resolvedRefs: ['False', 'InvalidCertificateRef', 'invalid certificate reference //broken., the certificate is malformed: tls: failed to find any PEM data in certificate input'],
      ok: false,
    },
    {
      name: 'Secret without certificate keys',
      listener: https({ name: 'keyless' }),
      resolvedRefs: ['False', 'InvalidCertificateRef', "invalid certificate reference //keyless., found secret, but didn't have expected keys (cert and key) or (tls.crt and tls.key); found: foo"],
      ok: false,
    },
    {
      name: 'passthrough',
      listener: { name: 'tls', port: 443, protocol: 'TLS', tls: { mode: 'Passthrough' } },
      tls: { mode: 'PASSTHROUGH' },
      resolvedRefs: ['True', 'ResolvedRefs'],
      ok: true,
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const got = buildListener(ctx, { namespace: 'infra' }, c.listener);
      if (c.tls !== undefined) assert.deepEqual(got.server.tls, c.tls);
      const rr = got.conditions.ResolvedRefs!;
      assert.equal(rr.error === undefined ? 'True' : 'False', c.resolvedRefs[0]);
      assert.equal(rr.error?.reason ?? rr.reason, c.resolvedRefs[1]);
      if (c.resolvedRefs[2] !== undefined) assert.equal(rr.error?.message, c.resolvedRefs[2]);
      assert.equal(got.ok, c.ok);
      if (!c.ok) assert.deepEqual(got.conditions.Programmed!.error, { reason: 'Invalid', message: 'Bad TLS configuration' });
    });
  }
  await t.test('HTTPS without tls is not accepted', () => {
    const got = buildListener(ctx, { namespace: 'infra' }, { name: 'https', port: 443, protocol: 'HTTPS' });
    assert.deepEqual(got.conditions.Accepted!.error, { reason: 'UnsupportedProtocol', message: 'protocol is HTTPS but no TLS section is defined' });
    assert.equal(got.ok, false);
  });
});

test('listenerProtocolToIstio', () => {
  assert.equal(listenerProtocolToIstio('HTTP'), 'HTTP');
  assert.equal(listenerProtocolToIstio('TCP'), 'TCP');
  assert.deepEqual(listenerProtocolToIstio('http'), { reason: 'UnsupportedProtocol', message: 'protocol "http" is unsupported. hint: "HTTP" (uppercase) may be supported' });
  assert.deepEqual(listenerProtocolToIstio('UDP'), { reason: 'UnsupportedProtocol', message: 'protocol "UDP" is unsupported' });
  const udp = buildListener(ctx, { namespace: 'infra' }, { name: 'udp', port: 53, protocol: 'UDP' });
  assert.equal(udp.ok, false);
  assert.equal(udp.conditions.Accepted!.error?.reason, 'UnsupportedProtocol');
  assert.deepEqual(udp.supportedKinds, []);
});

test('supported route kinds', async (t) => {
  const gk = (kind: string) => ({ group: 'gateway.networking.k8s.io', kind });
  const cases: { name: string; listener: Listener; kinds: string[]; valid: boolean }[] = [
    { name: 'HTTP carries HTTPRoute and GRPCRoute', listener: http(), kinds: ['HTTPRoute', 'GRPCRoute'], valid: true },
    { name: 'narrowed by allowedRoutes.kinds', listener: http({ allowedRoutes: { kinds: [{ kind: 'HTTPRoute' }] } }), kinds: ['HTTPRoute'], valid: true },
    { name: 'a kind the protocol cannot carry', listener: http({ allowedRoutes: { kinds: [{ kind: 'HTTPRoute' }, { kind: 'TCPRoute' }] } }), kinds: ['HTTPRoute'], valid: false },
    { name: 'TCP', listener: { name: 'tcp', port: 9000, protocol: 'TCP' }, kinds: ['TCPRoute'], valid: true },
  ];
  for (const c of cases) {
    await t.test(c.name, () => assert.deepEqual(generateSupportedKinds(c.listener), { kinds: c.kinds.map(gk), valid: c.valid }));
  }
  const invalid = buildListener(ctx, { namespace: 'infra' }, http({ allowedRoutes: { kinds: [{ kind: 'TLSRoute' }] } }));
  assert.deepEqual(invalid.conditions.ResolvedRefs, { reason: 'InvalidRouteKinds', message: 'Invalid route kinds', status: 'False' });
});

test('listener conflicts: the earlier listener wins', () => {
  const conflicts = findListenerConflicts([
    http(),
    { name: 'tcp-80', port: 80, protocol: 'TCP' },
    http({ name: 'http-2' }),
    http({ name: 'foo', hostname: 'foo.com' }),
    { name: 'https', port: 443, protocol: 'HTTPS', hostname: 'a.com' },
    { name: 'tls', port: 443, protocol: 'TLS', hostname: 'b.com' },
    { name: 'tls-same', port: 443, protocol: 'TLS', hostname: 'a.com' },
  ]);
  assert.deepEqual([...conflicts], [
    [1, 'ProtocolConflict'],
    [2, 'HostnameConflict'],
    [6, 'HostnameConflict'],
  ]);
});
