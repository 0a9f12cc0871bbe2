import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { qualifiedKind, type KindInfo } from '../../api/kinds/kind.js';
import { MESH_KINDS } from '../../api/kinds/mesh-kinds.js';
import { kindPrefix, notFoundError, resolveResourceType } from './resource-types.js';

describe('resolveResourceType', () => {
  const cases: { typed: string; want: string[] | string }[] = [
    { typed: 'po', want: ['Pod'] },
    { typed: 'pods', want: ['Pod'] },
    { typed: 'pod', want: ['Pod'] },
    { typed: 'svc', want: ['Service'] },
    { typed: 'deploy', want: ['Deployment.apps'] },
    { typed: 'deployments.apps', want: ['Deployment.apps'] },
    { typed: 'rs', want: ['ReplicaSet.apps'] },
    { typed: 'vs', want: ['VirtualService.networking.istio.io'] },
    { typed: 'virtualservice.networking.istio.io', want: ['VirtualService.networking.istio.io'] },
    { typed: 'gw', want: ['Gateway.networking.istio.io'] },
    // Both CRDs installed: discovery lists gateway.networking.k8s.io first, kubectl takes it.
    { typed: 'gateway', want: ['Gateway.gateway.networking.k8s.io'] },
    { typed: 'gateways.networking.istio.io', want: ['Gateway.networking.istio.io'] },
    { typed: 'ns', want: ['Namespace'] },
    { typed: 'httproute', want: ['HTTPRoute.gateway.networking.k8s.io'] },
    { typed: 'all', want: ['Pod', 'Service', 'Deployment.apps', 'ReplicaSet.apps'] },
    { typed: 'deploy,svc', want: ['Deployment.apps', 'Service'] },
    { typed: 'svc,services,po', want: ['Service', 'Pod'] },
    { typed: 'foo', want: 'error: the server doesn\'t have a resource type "foo"' },
    { typed: 'svc,foo', want: 'error: the server doesn\'t have a resource type "foo"' },
    { typed: 'pods,', want: 'error: the server doesn\'t have a resource type ""' },
  ];
  for (const c of cases) {
    test(`${c.typed} → ${Array.isArray(c.want) ? c.want.join(', ') : 'error'}`, () => {
      const got = resolveResourceType(MESH_KINDS, c.typed);
      if (Array.isArray(c.want)) {
        assert.ok(got.ok, JSON.stringify(got));
        assert.deepEqual(got.kinds.map((k) => qualifiedKind(k)), c.want);
      } else {
        assert.deepEqual(got, { ok: false, error: c.want });
      }
    });
  }
});

test('names in errors and prefixes, as kubectl prints them', () => {
  const one = (typed: string): KindInfo => {
    const got = resolveResourceType(MESH_KINDS, typed);
    assert.ok(got.ok && got.kinds[0] !== undefined);
    return got.kinds[0];
  };
  const [pod, deploy, vs] = [one('po'), one('deploy'), one('vs')];
  assert.equal(notFoundError(pod, 'x'), 'Error from server (NotFound): pods "x" not found');
  assert.equal(notFoundError(deploy, 'web'), 'Error from server (NotFound): deployments.apps "web" not found');
  assert.equal(notFoundError(vs, 'reviews'), 'Error from server (NotFound): virtualservices.networking.istio.io "reviews" not found');
  assert.equal(kindPrefix(pod), 'pod');
  assert.equal(kindPrefix(deploy), 'deployment.apps');
  assert.equal(kindPrefix(vs), 'virtualservice.networking.istio.io');
});
