import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ingestYaml } from '../ingest.js';
import { formatApiVersion, qualifiedKind } from '../kinds/kind.js';
import { MESH_KINDS } from '../kinds/mesh-kinds.js';
import { formatProblem } from '../problems/problem.js';
import { loadSchema } from './schema-modules.js';

const kindsDir = fileURLToPath(new URL('../../../../src/api/testdata/kinds/', import.meta.url));

const vs = (http: string): string => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts:
  - reviews
  http:
${http}`;

describe('schema problems', () => {
  const cases: { name: string; text: string; want: string[] }[] = [
    {
      name: 'wrong type',
      text: vs('  - route:\n    - destination:\n        host: reviews\n      weight: "ten"\n'),
      want: ['Error [IST0106] (VirtualService default/reviews bad.yaml:12) Schema validation error: spec.http[0].route[0].weight: Invalid value: "ten": must be of type integer'],
    },
    {
      name: 'unknown field (a typo)',
      text: vs('  - route:\n    - destination:\n        host: reviews\n      weigth: 10\n'),
      want: ['Error [IST0106] (VirtualService default/reviews bad.yaml:12) Schema validation error: unknown field "spec.http[0].route[0].weigth"'],
    },
    {
      name: 'unknown field at the top and in metadata',
      text: 'apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  lables: {app: a}\nspce: {}\n',
      want: [
        'Error [IST0106] (Service default/a bad.yaml:5) Schema validation error: unknown field "metadata.lables"',
        'Error [IST0106] (Service default/a bad.yaml:6) Schema validation error: unknown field "spce"',
      ],
    },
    {
      name: 'bad enum',
      text: 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: r\n  namespace: prod\nspec:\n  host: r\n  trafficPolicy:\n    loadBalancer:\n      simple: FASTEST\n',
      want: ['Error [IST0106] (DestinationRule prod/r bad.yaml:10) Schema validation error: spec.trafficPolicy.loadBalancer.simple: Unsupported value: "FASTEST": supported values: "UNSPECIFIED", "LEAST_CONN", "RANDOM", "PASSTHROUGH", "ROUND_ROBIN", "LEAST_REQUEST"'],
    },
    {
      name: 'two of a oneOf',
      text: vs('  - match:\n    - uri:\n        exact: /a\n        prefix: /b\n    route:\n    - destination:\n        host: reviews\n'),
      want: ['Error [IST0106] (VirtualService default/reviews bad.yaml:10) Schema validation error: spec.http[0].match[0].uri: Invalid value: must validate one and only one schema (oneOf). Found 2 valid alternatives'],
    },
    {
      name: 'missing required field, reported where it belongs',
      text: vs('  - route:\n    - destination:\n        subset: v1\n'),
      want: ['Error [IST0106] (VirtualService default/reviews bad.yaml:10) Schema validation error: spec.http[0].route[0].destination.host: Required value'],
    },
    {
      name: 'Gateway API: missing listener name, bad path match type',
      text: `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: r
spec:
  rules:
  - matches:
    - path:
        type: Prefix
        value: /
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: g
spec:
  gatewayClassName: istio
  listeners:
  - protocol: HTTP
    port: 80
`,
      want: [
        'Error [IST0106] (HTTPRoute default/r bad.yaml:9) Schema validation error: spec.rules[0].matches[0].path.type: Unsupported value: "Prefix": supported values: "Exact", "PathPrefix", "RegularExpression"',
        'Error [IST0106] (Gateway default/g bad.yaml:19) Schema validation error: spec.listeners[0].name: Required value',
      ],
    },
    {
      name: 'number out of range on a core kind',
      text: 'apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n  - port: 80\n    targetPort: 8080\n    protocol: QUIC\n',
      want: ['Error [IST0106] (Service default/s bad.yaml:9) Schema validation error: spec.ports[0].protocol: Unsupported value: "QUIC": supported values: "SCTP", "TCP", "UDP"'],
    },
    {
      name: 'pattern, maximum, minItems, and a map value of the wrong type',
      text: `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: g
spec:
  gatewayClassName: istio
  listeners:
  - name: http
    hostname: "Bad_Host!"
    port: 70000
    protocol: HTTP
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: se
spec:
  hosts: []
  resolution: DNS
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
data:
  a: 1
`,
      want: [
        `Error [IST0106] (Gateway default/g bad.yaml:9) Schema validation error: spec.listeners[0].hostname: Invalid value: "Bad_Host!": should match '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'`,
        'Error [IST0106] (Gateway default/g bad.yaml:10) Schema validation error: spec.listeners[0].port: Invalid value: 70000: should be less than or equal to 65535',
        'Error [IST0106] (ServiceEntry default/se bad.yaml:18) Schema validation error: spec.hosts: Invalid value: 0: should have at least 1 items',
        'Error [IST0106] (ConfigMap default/cm bad.yaml:26) Schema validation error: data.a: Invalid value: 1: must be of type string',
      ],
    },
    {
      name: 'kind not served at that version',
      text: 'apiVersion: networking.istio.io/v1\nkind: EnvoyFilter\nmetadata:\n  name: f\nspec: {}\n',
      want: ['Error [TSM0002] (EnvoyFilter default/f bad.yaml:1) no matches for kind "EnvoyFilter" in version "networking.istio.io/v1" (served versions: networking.istio.io/v1alpha3)'],
    },
    {
      name: 'unknown kind',
      text: 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n',
      want: ['Error [TSM0002] (Widget w bad.yaml:1) no matches for kind "Widget" in version "example.com/v1"'],
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const result = await ingestYaml(c.text, { file: 'bad.yaml' });
      assert.deepEqual(result.problems.map(formatProblem), c.want);
      assert.deepEqual(result.accepted, []);
    });
  }

  test('the problem carries the field path and column as data', async () => {
    const { problems } = await ingestYaml(vs('  - route:\n    - destination:\n        host: reviews\n      weight: "ten"\n'), { file: 'vs.yaml' });
    assert.deepEqual(problems.map((p) => [p.code, p.path, p.file, p.line, p.col, p.resource]), [
      ['IST0106', 'spec.http[0].route[0].weight', 'vs.yaml', 12, 7, { kind: 'VirtualService', namespace: 'default', name: 'reviews' }],
    ]);
  });

  test('free-form fields stay free: EnvoyFilter patch values, labels, annotations, status', async () => {
    const text = `apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata:
  name: f
  labels: {anything: goes}
  annotations: {also.this/one: "yes"}
spec:
  configPatches:
  - applyTo: CLUSTER
    patch:
      operation: ADD
      value: {name: c, whatever: {deep: [1, 2]}}
status:
  anything: at all
`;
    const result = await ingestYaml(text, { file: 'f.yaml' });
    assert.deepEqual(result.problems, []);
    assert.equal(result.accepted.length, 1);
  });

  test('one invalid document never blocks the others in the same file', async () => {
    const text = `apiVersion: v1
kind: Namespace
metadata: {name: a}
---
${vs('  - route:\n    - destination:\n        host: reviews\n      weight: "ten"\n')}---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: g, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
`;
    const result = await ingestYaml(text, { file: 'mixed.yaml', defaultNamespace: 'prod' });
    assert.deepEqual(result.accepted.map((r) => `${r.resource.kind} ${r.resource.metadata.namespace ?? '-'}/${r.resource.metadata.name}`), [
      'Namespace -/a',
      'Gateway istio-system/g',
    ]);
    assert.deepEqual(result.rejected.map((r) => r.resource.metadata.name), ['reviews']);
    assert.deepEqual(result.problems.map((p) => [p.code, p.resource?.namespace, p.line]), [['IST0106', 'prod', 16]]);
  });
});

describe('every kind at every served version', () => {
  const files = readdirSync(kindsDir).filter((f) => f.endsWith('.yaml')).sort();

  test('the realistic examples cover every registered kind', async () => {
    const seen = new Set<string>();
    for (const file of files) {
      const { accepted } = await ingestYaml(readFileSync(join(kindsDir, file), 'utf8'), { file });
      for (const r of accepted) seen.add(`${r.resource.kind}.${r.resource.apiVersion.split('/').slice(0, -1).join('/')}`);
    }
    const missing = MESH_KINDS.all().map(qualifiedKind).filter((k) => !seen.has(k.includes('.') ? k : `${k}.`));
    assert.deepEqual(missing, []);
  });

  for (const file of files) {
    test(`testdata/kinds/${file} validates at every served version with no problem`, async () => {
      const text = readFileSync(join(kindsDir, file), 'utf8');
      const { accepted, problems } = await ingestYaml(text, { file });
      assert.deepEqual(problems.map(formatProblem), []);
      for (const { resource } of accepted) {
        const resolved = MESH_KINDS.lookup(resource.apiVersion, resource.kind);
        assert.ok(resolved !== undefined);
        for (const version of resolved.info.versions) {
          const apiVersion = formatApiVersion(resolved.info.group, version);
          const again = await ingestYaml(JSON.stringify({ ...resource, apiVersion }), { file });
          assert.deepEqual(again.problems.map(formatProblem), [], `${resource.kind} ${resource.metadata.name} at ${apiVersion}`);
        }
      }
    });
  }

  test('a schema loads for every served version of every kind', async () => {
    for (const info of MESH_KINDS.all()) {
      for (const version of info.versions) {
        const schema = await loadSchema(info, version);
        assert.ok(schema !== undefined, `${qualifiedKind(info)} ${version}`);
      }
    }
  });
});
