import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ingestYaml } from '../ingest.js';
import { formatProblem } from '../problems/problem.js';
import { semanticProblems } from './case-runner.js';

describe('validateSemantics: dispatch and metadata', () => {
  test('Istio Gateway names are DNS labels; Gateway API Gateways are not validated here', () => {
    const istio = semanticProblems(`apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: my.gateway
spec:
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
`);
    assert.deepEqual(istio.map(formatProblem), [
      'Error [IST0106] (Gateway my.gateway test.yaml:4) Schema validation error: invalid gateway name: "my.gateway"',
    ]);
    const gatewayApi = semanticProblems(`apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: my.gateway
spec:
  gatewayClassName: istio
  listeners: []
`);
    assert.deepEqual(gatewayApi, []);
  });

  test('the dry-run annotation belongs to AuthorizationPolicy only', () => {
    const problems = semanticProblems(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
  namespace: default
  annotations:
    istio.io/dry-run: "true"
spec:
  host: reviews
  trafficPolicy:
    tls: {mode: MUTUAL}
`);
    // The annotation refuses the resource before its spec is looked at.
    assert.deepEqual(problems.map(formatProblem), [
      'Error [IST0106] (DestinationRule default/reviews test.yaml:7) Schema validation error: default/reviews has unsupported annotation istio.io/dry-run, please remove the annotation',
    ]);
  });

  test('the always-reject annotation', () => {
    const problems = semanticProblems(`apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: default
  namespace: default
  annotations:
    internal.istio.io/webhook-always-reject: "true"
spec:
  egress:
  - hosts: ["./*"]
`);
    assert.deepEqual(problems.map((p) => p.message), ['Schema validation error: "internal.istio.io/webhook-always-reject" annotation found, rejecting']);
  });

  test('every served version is validated (v1alpha3, v1beta1)', () => {
    for (const version of ['v1alpha3', 'v1beta1', 'v1']) {
      const problems = semanticProblems(`apiVersion: networking.istio.io/${version}
kind: ServiceEntry
metadata:
  name: se
spec:
  hosts: ["*"]
  resolution: NONE
`);
      assert.deepEqual(problems.map((p) => p.message), ['Schema validation error: invalid host *'], version);
    }
  });
});

describe('ingest runs semantic validation after the schema', () => {
  const text = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: good
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: bad
spec:
  hosts: [reviews]
  http:
  - redirect: {uri: /v2}
    route:
    - destination: {host: reviews}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: warned
spec:
  host: reviews
  trafficPolicy:
    outlierDetection:
      consecutiveErrors: 5
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: schema-broken
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
      weight: "heavy"
`;

  test('errors reject, warnings keep the resource, one bad resource blocks no other', async () => {
    const result = await ingestYaml(text, { file: 'mixed.yaml' });
    assert.deepEqual(result.accepted.map((r) => r.resource.metadata.name), ['good', 'warned']);
    assert.deepEqual(result.rejected.map((r) => r.resource.metadata.name), ['bad', 'schema-broken']);
    assert.deepEqual(result.problems.map(formatProblem), [
      'Error [IST0106] (VirtualService default/bad mixed.yaml:18) Schema validation error: HTTP route cannot contain both route and redirect',
      'Warning [IST0133] (DestinationRule default/warned mixed.yaml:30) Schema validation warning: outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead',
      // Only the schema error: semantic rules assume the schema's types.
      'Error [IST0106] (VirtualService default/schema-broken mixed.yaml:41) Schema validation error: spec.http[0].route[0].weight: Invalid value: "heavy": must be of type integer',
    ]);
    const bad = result.problems[0];
    assert.equal(bad?.path, 'spec.http[0].redirect');
    assert.equal(bad?.col, 5);
  });
});
