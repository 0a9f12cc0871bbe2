import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxyOf, pushOf } from '../listener/test-fixtures.js';
import type { Proxy } from '../../model/proxy.js';
import type { Resource } from '../../api/resource/resource.js';
import { applyEnvoyFilters } from './apply-envoy-filters.js';
import { at, envoyFilter, expected, onePatch, run, sidecarResources } from './test-fixtures.js';

/** A LISTENER MERGE that stamps per_connection_buffer_limit_bytes on 0.0.0.0_80: shows whether (and in which order) filters applied. */
function stamp(value: number, extra: Record<string, unknown> = {}, match: Record<string, unknown> = {}): unknown {
  return { ...extra, ...(onePatch('LISTENER', 'MERGE', { listener: { name: '0.0.0.0_80' }, ...match }, { per_connection_buffer_limit_bytes: value }) as object) };
}

function stamped(filters: readonly Resource[], proxy: Proxy = proxyOf(), rootNamespace?: string): number | undefined {
  const out = run(filters, { proxy, ...(rootNamespace !== undefined ? { rootNamespace } : {}) });
  return at.listener(out.resources as never, '0.0.0.0_80').per_connection_buffer_limit_bytes as number | undefined;
}

test('no EnvoyFilter: the very same resources object comes back', () => {
  const resources = sidecarResources();
  assert.equal(applyEnvoyFilters(proxyOf(), pushOf({}), resources), resources);
});

test('EnvoyFilters that do not select the proxy: the very same object comes back', () => {
  const resources = sidecarResources();
  const push = pushOf({
    configs: [
      envoyFilter('other-ns', stamp(1), 'other'),
      envoyFilter('other-workload', stamp(2, { workloadSelector: { labels: { app: 'reviews' } } })),
      envoyFilter('other-version', stamp(3, {}, { proxy: { proxyVersion: '^1\\.9.*' } })),
    ],
  });
  assert.equal(applyEnvoyFilters(proxyOf({ metadata: { ISTIO_VERSION: '1.24.3' } }), push, resources), resources);
});

const SCOPING: readonly { name: string; filters: Resource[]; proxy?: Proxy; rootNamespace?: string; want: number | undefined }[] = [
  { name: 'same namespace, no selector: applies', filters: [envoyFilter('f', stamp(1))], want: 1 },
  { name: 'other namespace: does not apply', filters: [envoyFilter('f', stamp(1), 'other')], want: undefined },
  { name: 'root namespace: applies to every namespace', filters: [envoyFilter('f', stamp(1), 'istio-system')], proxy: proxyOf({ namespace: 'shop' }), want: 1 },
  { name: 'a custom root namespace (MeshConfig rootNamespace)', filters: [envoyFilter('f', stamp(1), 'mesh-root')], rootNamespace: 'mesh-root', want: 1 },
  { name: 'istio-system is not root when MeshConfig says otherwise', filters: [envoyFilter('f', stamp(1), 'istio-system')], rootNamespace: 'mesh-root', want: undefined },
  { name: 'workloadSelector matching the labels', filters: [envoyFilter('f', stamp(1, { workloadSelector: { labels: { app: 'app' } } }))], want: 1 },
  { name: 'workloadSelector not matching', filters: [envoyFilter('f', stamp(1, { workloadSelector: { labels: { app: 'other' } } }))], want: undefined },
  { name: 'root namespace with a workloadSelector selects in any namespace', filters: [envoyFilter('f', stamp(1, { workloadSelector: { labels: { app: 'app' } } }), 'istio-system')], proxy: proxyOf({ namespace: 'shop' }), want: 1 },
  { name: 'targetRefs never attach to a sidecar', filters: [envoyFilter('f', stamp(1, { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }] }))], want: undefined },
  {
    name: 'targetRefs Gateway attaches to that Gateway API gateway',
    filters: [envoyFilter('f', stamp(1, { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }] }))],
    proxy: proxyOf({ labels: { 'gateway.networking.k8s.io/gateway-name': 'gw' } }),
    want: 1,
  },
  {
    name: 'targetRefs Gateway with another name does not attach',
    filters: [envoyFilter('f', stamp(1, { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'other' }] }))],
    proxy: proxyOf({ labels: { 'gateway.networking.k8s.io/gateway-name': 'gw' } }),
    want: undefined,
  },
  {
    name: 'targetRefs Gateway from the root namespace does not reach another namespace',
    filters: [envoyFilter('f', stamp(1, { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }] }), 'istio-system')],
    proxy: proxyOf({ labels: { 'gateway.networking.k8s.io/gateway-name': 'gw' } }),
    want: undefined,
  },
  {
    name: 'targetRefs Service does not attach to a gateway (waypoints only)',
    filters: [envoyFilter('f', stamp(1, { targetRefs: [{ kind: 'Service', name: 'gw' }] }))],
    proxy: proxyOf({ labels: { 'gateway.networking.k8s.io/gateway-name': 'gw' } }),
    want: undefined,
  },
  {
    name: 'a selector still selects a Gateway API gateway',
    filters: [envoyFilter('f', stamp(1, { workloadSelector: { labels: { 'gateway.networking.k8s.io/gateway-name': 'gw' } } }))],
    proxy: proxyOf({ labels: { 'gateway.networking.k8s.io/gateway-name': 'gw' } }),
    want: 1,
  },
  { name: 'proxyVersion regex matching ISTIO_VERSION', filters: [envoyFilter('f', stamp(1, {}, { proxy: { proxyVersion: '^1\\.24.*' } }))], proxy: proxyOf({ metadata: { ISTIO_VERSION: '1.24.3' } }), want: 1 },
  { name: 'proxyVersion regex not matching', filters: [envoyFilter('f', stamp(1, {}, { proxy: { proxyVersion: '^1\\.9.*' } }))], proxy: proxyOf({ metadata: { ISTIO_VERSION: '1.24.3' } }), want: undefined },
  { name: 'proxyVersion regex and no ISTIO_VERSION: no match', filters: [envoyFilter('f', stamp(1, {}, { proxy: { proxyVersion: '.*' } }))], want: undefined },
  { name: 'proxy metadata equal', filters: [envoyFilter('f', stamp(1, {}, { proxy: { metadata: { CLUSTER_ID: 'Kubernetes' } } }))], proxy: proxyOf({ metadata: { CLUSTER_ID: 'Kubernetes' } }), want: 1 },
  { name: 'proxy metadata different', filters: [envoyFilter('f', stamp(1, {}, { proxy: { metadata: { CLUSTER_ID: 'other' } } }))], proxy: proxyOf({ metadata: { CLUSTER_ID: 'Kubernetes' } }), want: undefined },
];

for (const c of SCOPING) {
  test(`scoping: ${c.name}`, () => {
    assert.equal(stamped(c.filters, c.proxy, c.rootNamespace), c.want);
  });
}

// Each filter sets the same field; the last one applied wins, and `applied` lists the order.
const ORDERING: readonly { name: string; filters: Resource[]; applied: string[] }[] = [
  {
    name: 'priority first (lower first), whatever the namespace and age',
    filters: [envoyFilter('a', stamp(1, { priority: 10 }), 'istio-system', '2020-01-01T00:00:00Z'), envoyFilter('b', stamp(2, { priority: -5 }), 'default', '2024-01-01T00:00:00Z')],
    applied: ['default/b', 'istio-system/a'],
  },
  {
    name: 'same priority: the root namespace first, even when younger',
    filters: [envoyFilter('a', stamp(1), 'default', '2020-01-01T00:00:00Z'), envoyFilter('b', stamp(2), 'istio-system', '2024-01-01T00:00:00Z')],
    applied: ['istio-system/b', 'default/a'],
  },
  {
    name: 'same priority and namespace: oldest first',
    filters: [envoyFilter('a', stamp(1), 'default', '2024-01-01T00:00:00Z'), envoyFilter('b', stamp(2), 'default', '2020-01-01T00:00:00Z')],
    applied: ['default/b', 'default/a'],
  },
  {
    name: 'same priority, namespace and time: by name',
    filters: [envoyFilter('b', stamp(2), 'default', '2024-01-01T00:00:00Z'), envoyFilter('a', stamp(1), 'default', '2024-01-01T00:00:00Z')],
    applied: ['default/a', 'default/b'],
  },
];

for (const c of ORDERING) {
  test(`ordering: ${c.name}`, () => {
    const out = run(c.filters);
    assert.deepEqual(out.applied, c.applied);
    const last = c.applied[c.applied.length - 1]!.split('/')[1]!;
    assert.equal(at.listener(out.resources as never, '0.0.0.0_80').per_connection_buffer_limit_bytes, last === 'a' ? 1 : 2);
  });
}

test('EXTENSION_CONFIG and BOOTSTRAP are reported as unsupported, not silently dropped', () => {
  const out = run([
    envoyFilter('f', {
      configPatches: [
        { applyTo: 'EXTENSION_CONFIG', patch: { operation: 'ADD', value: { name: 'x' } } },
        { applyTo: 'BOOTSTRAP', patch: { operation: 'MERGE', value: { stats_flush_interval: '5s' } } },
      ],
    }),
  ]);
  assert.deepEqual(out.warnings, [
    'EnvoyFilter default/f configPatches[0]: applyTo EXTENSION_CONFIG is not supported by tsmesh; the patch is ignored',
    'EnvoyFilter default/f configPatches[1]: applyTo BOOTSTRAP is not supported by tsmesh; the patch is ignored',
  ]);
  assert.deepEqual(out.resources, expected(() => {}));
});

test('a patch whose value does not build is skipped with a warning; the other patches still apply', () => {
  // A type tsmesh's xDS proto set does not have (Lua used to be the example; it is known now).
  const wasm = {
    name: 'envoy.filters.http.wasm',
    typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm', config: { name: 'x' } },
  };
  const out = run([
    envoyFilter('f', {
      configPatches: [
        { applyTo: 'LISTENER', match: { listener: { name: '0.0.0.0_80' } }, patch: { operation: 'MERGE', value: { per_connection_buffer_limit_bytes: 'lots' } } },
        { applyTo: 'HTTP_FILTER', match: { context: 'SIDECAR_INBOUND' }, patch: { operation: 'INSERT_BEFORE', value: wasm } },
        { applyTo: 'LISTENER', match: { listener: { name: '0.0.0.0_80' } }, patch: { operation: 'MERGE', value: { per_connection_buffer_limit_bytes: 7 } } },
      ],
    }),
  ]);
  assert.deepEqual(out.warnings, [
    'EnvoyFilter default/f configPatches[0]: patch.value is not a valid envoy.config.listener.v3.Listener: per_connection_buffer_limit_bytes: expected an integer, got string "lots"; the patch is skipped',
    'EnvoyFilter default/f configPatches[1]: patch.value is not a valid envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter: typed_config["@type"]: unknown type "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm"; the patch is skipped',
  ]);
  assert.deepEqual(out.resources, expected((r) => void (at.listener(r, '0.0.0.0_80').per_connection_buffer_limit_bytes = 7)));
});
