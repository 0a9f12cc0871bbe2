import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDestination, buildDestinations, createMirrorFilter, weightSum } from './backend-refs.js';
import { context, res, service } from './testing/fixtures.js';

const grant = res('gateway.networking.k8s.io/v1beta1', 'ReferenceGrant', 'web', 'allow-infra', {
  from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'infra' }],
  to: [{ group: '', kind: 'Service', name: 'web-backend' }],
});
const ctx = context([grant], [service('infra-backend', 'infra', 8080), service('web-backend', 'web', 8080), service('other', 'web', 8080)]);

test('buildDestination', async (t) => {
  const cases: { name: string; ref: Parameters<typeof buildDestination>[1]; kind?: 'HTTPRoute' | 'GRPCRoute'; want: unknown }[] = [
    { name: 'same-namespace Service', ref: { name: 'infra-backend', port: 8080 }, want: { destination: { host: 'infra-backend.infra.svc.cluster.local', port: { number: 8080 } } } },
    {
      name: 'missing Service: kept, BackendNotFound',
      ref: { name: 'nonexistent', port: 8080 },
      want: {
        destination: { host: 'nonexistent.infra.svc.cluster.local', port: { number: 8080 } },
        error: { reason: 'BackendNotFound', message: 'backend(nonexistent.infra.svc.cluster.local) not found' },
      },
    },
    { name: 'cross-namespace with a ReferenceGrant', ref: { name: 'web-backend', namespace: 'web', port: 8080 }, want: { destination: { host: 'web-backend.web.svc.cluster.local', port: { number: 8080 } } } },
    {
      name: 'cross-namespace, grant names another Service',
      ref: { name: 'other', namespace: 'web', port: 8080 },
      want: {
        destination: { host: '' },
        error: { reason: 'RefNotPermitted', message: 'backendRef other/web not accessible to a HTTPRoute in namespace "infra" (missing a ReferenceGrant?)' },
      },
    },
    {
      name: 'cross-namespace, grant is for HTTPRoutes only',
      ref: { name: 'web-backend', namespace: 'web', port: 8080 },
      kind: 'GRPCRoute',
      want: {
        destination: { host: '' },
        error: { reason: 'RefNotPermitted', message: 'backendRef web-backend/web not accessible to a GRPCRoute in namespace "infra" (missing a ReferenceGrant?)' },
      },
    },
    {
      name: 'unknown kind',
      ref: { group: 'unknownkind.example.com', kind: 'NonExistent', name: 'infra-backend', port: 8080 },
      want: { destination: { host: '' }, error: { reason: 'InvalidKind', message: 'referencing unsupported backendRef: group "unknownkind.example.com" kind "NonExistent"' } },
    },
    { name: 'a hostname as Service name', ref: { name: 'infra-backend.infra', port: 8080 }, want: { hardError: { reason: 'InvalidDestination', message: 'service name invalid; the name of the Service must be used, not the hostname.' } } },
    { name: 'no port', ref: { name: 'infra-backend' }, want: { hardError: { reason: 'InvalidDestination', message: 'port is required in backendRef' } } },
    {
      name: 'Istio Hostname kind',
      ref: { group: 'networking.istio.io', kind: 'Hostname', name: 'web-backend.web.svc.cluster.local', port: 8080 },
      want: { destination: { host: 'web-backend.web.svc.cluster.local', port: { number: 8080 } } },
    },
  ];
  for (const c of cases) await t.test(c.name, () => assert.deepEqual(buildDestination(ctx, c.ref, 'infra', c.kind ?? 'HTTPRoute'), c.want));
});

test('buildDestinations: weights and backend filters', async (t) => {
  await t.test('a lone backend carries no weight', () => {
    assert.deepEqual(buildDestinations(ctx, [{ name: 'infra-backend', port: 8080, weight: 7 }], 'infra', 'HTTPRoute'), {
      ok: true,
      route: [{ destination: { host: 'infra-backend.infra.svc.cluster.local', port: { number: 8080 } } }],
    });
  });
  await t.test('weight 0 drops a backend; others keep theirs', () => {
    const got = buildDestinations(
      ctx,
      [
        { name: 'infra-backend', port: 8080, weight: 70 },
        { name: 'web-backend', namespace: 'web', port: 8080, weight: 30 },
        { name: 'other', namespace: 'web', port: 8080, weight: 0 },
      ],
      'infra',
      'HTTPRoute',
    );
    assert.ok(got.ok);
    assert.deepEqual(
      got.route.map((r) => [r.destination.host, r.weight]),
      [
        ['infra-backend.infra.svc.cluster.local', 70],
        ['web-backend.web.svc.cluster.local', 30],
      ],
    );
  });
  await t.test('an invalid backend stays (its share fails) and is reported', () => {
    const got = buildDestinations(ctx, [{ name: 'infra-backend', port: 8080 }, { name: 'nope', port: 8080 }], 'infra', 'HTTPRoute');
    assert.ok(got.ok);
    assert.equal(got.route.length, 2);
    assert.equal(got.invalidBackend?.reason, 'BackendNotFound');
  });
  await t.test('header modifiers per backend', () => {
    const got = buildDestinations(
      ctx,
      [{ name: 'infra-backend', port: 8080, filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { add: [{ name: 'Backend', value: 'v1' }] } }] }],
      'infra',
      'HTTPRoute',
    );
    assert.ok(got.ok);
    assert.deepEqual(got.route[0]?.headers, { request: { add: { backend: 'v1' } } });
  });
  await t.test('other backend filters fail the rule', () => {
    const got = buildDestinations(ctx, [{ name: 'infra-backend', port: 8080, filters: [{ type: 'RequestRedirect' }] }], 'infra', 'HTTPRoute');
    assert.deepEqual(got, { ok: false, error: { reason: 'InvalidFilter', message: 'unsupported filter type "RequestRedirect"' } });
  });
});

test('weightSum counts absent weights as 1', () => {
  assert.equal(weightSum(undefined), 0);
  assert.equal(weightSum([]), 0);
  assert.equal(weightSum([{}, { weight: 0 }, { weight: 3 }]), 4);
});

test('createMirrorFilter: fraction and percent', () => {
  assert.deepEqual(createMirrorFilter(ctx, { backendRef: { name: 'infra-backend', port: 8080 }, fraction: { numerator: 1, denominator: 4 } }, 'infra', 'HTTPRoute'), {
    ok: true,
    mirror: { destination: { host: 'infra-backend.infra.svc.cluster.local', port: { number: 8080 } }, percentage: { value: 25 } },
  });
  const pct = createMirrorFilter(ctx, { backendRef: { name: 'infra-backend', port: 8080 }, percent: 35 }, 'infra', 'HTTPRoute');
  assert.ok(pct.ok);
  assert.deepEqual(pct.mirror.percentage, { value: 35 });
  assert.equal(createMirrorFilter(ctx, { backendRef: { name: 'nope', port: 8080 } }, 'infra', 'HTTPRoute').ok, false);
});
