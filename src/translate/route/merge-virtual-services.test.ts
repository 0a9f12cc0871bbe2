import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { HTTPMatchRequest, VirtualService } from '../../model/config-types.js';
import { mergeHTTPMatchRequests, mergeVirtualServices, stringMatchConflict } from './merge-virtual-services.js';
import type { StringMatch } from './proto-values.js';
import { resourcesFrom } from './route-test-support.js';

async function virtualServices(yaml: string): Promise<VirtualService[]> {
  return (await resourcesFrom(yaml)).filter((r) => r.kind === 'VirtualService') as unknown as VirtualService[];
}

const ROOT = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: root, namespace: istio-system}
spec:
  hosts: [bookinfo.example.com]
  gateways: [bookinfo-gateway]
  http:
  - name: reviews
    match:
    - uri: {prefix: /reviews}
    delegate: {name: reviews, namespace: ns-reviews}
    timeout: 5s
  - name: other
    route:
    - destination: {host: other.default.svc.cluster.local}
`;

const DELEGATE = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: ns-reviews}
spec:
  http:
  - name: v2
    match:
    - uri: {prefix: /reviews/v2}
      headers: {end-user: {exact: jason}}
    route:
    - destination: {host: reviews.ns-reviews.svc.cluster.local, subset: v2}
  - name: conflicting
    match:
    - uri: {prefix: /ratings}
    route:
    - destination: {host: ratings.ns-reviews.svc.cluster.local}
  - name: rest
    route:
    - destination: {host: reviews.ns-reviews.svc.cluster.local, subset: v1}
    timeout: 1s
`;

describe('delegate VirtualServices', () => {
  test("the root's delegating route becomes the delegate's routes, matches merged, conflicts dropped", async () => {
    const all = await virtualServices(`${ROOT}---\n${DELEGATE}`);
    const merged = mergeVirtualServices(all, all, ['*']);
    assert.deepEqual(
      merged.map((vs) => vs.metadata.name),
      ['root'],
      'the delegate itself is not a VirtualService of its own',
    );
    const http = merged[0]!.spec.http!;
    assert.deepEqual(
      http.map((r) => r.name),
      ['reviews-v2', 'reviews-rest', 'other'],
    );
    assert.deepEqual(http[0]!.match, [{ uri: { prefix: '/reviews/v2' }, headers: { 'end-user': { exact: 'jason' } } }]);
    // A delegate route without match takes the root's match; its own timeout wins, else the root's.
    assert.deepEqual(http[1]!.match, [{ uri: { prefix: '/reviews' } }]);
    assert.equal(http[1]!.timeout, '1s');
    assert.equal(http[0]!.timeout, '5s');
    assert.equal(http[0]!.delegate, undefined);
  });

  test('a delegate not exported to the root namespace, or missing, drops only that route', async () => {
    const hidden = DELEGATE.replace('spec:\n', 'spec:\n  exportTo: ["."]\n');
    const all = await virtualServices(`${ROOT}---\n${hidden}`);
    assert.deepEqual(
      mergeVirtualServices(all, all, ['*'])[0]!.spec.http!.map((r) => r.name),
      ['other'],
    );
    const rootOnly = await virtualServices(ROOT);
    assert.deepEqual(
      mergeVirtualServices(rootOnly, rootOnly, ['*'])[0]!.spec.http!.map((r) => r.name),
      ['other'],
    );
  });

  test("a delegate without namespace is looked up in the root's", async () => {
    const root = ROOT.replace('namespace: ns-reviews}', '}').replace('namespace: istio-system}', 'namespace: ns-reviews}');
    const all = await virtualServices(`${root}---\n${DELEGATE}`);
    assert.deepEqual(
      mergeVirtualServices(all, all, ['*'])[0]!.spec.http!.map((r) => r.name),
      ['reviews-v2', 'reviews-rest', 'other'],
    );
  });

  test('only the listed VirtualServices are returned, delegates are found among all', async () => {
    const all = await virtualServices(`${ROOT}---\n${DELEGATE}`);
    const roots = all.filter((v) => v.metadata.name === 'root');
    assert.equal(mergeVirtualServices(roots, all, ['*'])[0]!.spec.http!.length, 3);
  });
});

describe('delegate match merging (Istio hasConflict / stringMatchConflict)', () => {
  const cases: [string, StringMatch | undefined, StringMatch | undefined, boolean][] = [
    ['either unset: no conflict', undefined, { exact: '/a' }, false],
    ['exact under the same exact', { exact: '/a' }, { exact: '/a' }, false],
    ['exact under another exact', { exact: '/a' }, { exact: '/b' }, true],
    ['prefix under exact', { exact: '/a' }, { prefix: '/a' }, true],
    ['longer prefix under prefix', { prefix: '/a' }, { prefix: '/a/b' }, false],
    ['shorter prefix under prefix', { prefix: '/a/b' }, { prefix: '/a' }, true],
    ['exact under prefix', { prefix: '/a' }, { exact: '/a/x' }, false],
    ['exact outside prefix', { prefix: '/a' }, { exact: '/b' }, true],
    ['regex root with a leaf', { regex: '/a.*' }, { prefix: '/a' }, true],
    ['regex leaf with a root', { prefix: '/a' }, { regex: '/a.*' }, true],
  ];
  for (const [name, root, leaf, want] of cases) test(name, () => assert.equal(stringMatchConflict(root, leaf), want));

  test('each delegate block must fit under some root block; it merges with every root block it fits', () => {
    const root: HTTPMatchRequest[] = [{ uri: { prefix: '/a' } }, { uri: { prefix: '/a' }, headers: { x: { exact: '1' } } }];
    const merged = mergeHTTPMatchRequests(root, [{ uri: { prefix: '/a/b' } }]);
    assert.deepEqual(merged, [{ uri: { prefix: '/a/b' } }, { uri: { prefix: '/a/b' }, headers: { x: { exact: '1' } } }]);
    assert.equal(mergeHTTPMatchRequests(root, [{ uri: { prefix: '/z' } }]), null);
    assert.equal(mergeHTTPMatchRequests([{ ignoreUriCase: true }], [{}]), null, 'ignoreUriCase must agree');
    assert.equal(mergeHTTPMatchRequests([{ port: 80 }], [{ port: 8080 }]), null, 'ports must agree');
  });
});
