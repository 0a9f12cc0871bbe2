import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblem } from '../problems/problem.js';
import { parseFieldPath } from '../resource/field-path.js';
import { loadYaml } from './load-yaml.js';

const REVIEWS = `# leading comment
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: default
  labels:
    app.kubernetes.io/name: reviews
spec:
  hosts:
  - reviews
  http:
  - match:
    - headers:
        end-user:
          exact: jason
    route:
    - destination:
        host: reviews
        subset: v2
    - destination: {host: reviews, subset: v3}
      weight: 20
`;

describe('positions of fields', () => {
  const [loaded] = loadYaml(REVIEWS, 'reviews.yaml').resources;
  assert.ok(loaded !== undefined);
  // line:col of the key (or list item) each path names; exact=false when it does not exist.
  const cases: { path: string; line: number; col: number; exact?: boolean }[] = [
    { path: '', line: 2, col: 1 },
    { path: 'kind', line: 3, col: 1 },
    { path: 'metadata.name', line: 5, col: 3 },
    { path: 'metadata.labels[app.kubernetes.io/name]', line: 8, col: 5 },
    { path: 'spec.hosts[0]', line: 11, col: 5 },
    { path: 'spec.http[0]', line: 13, col: 5 },
    { path: 'spec.http[0].match[0].headers.end-user.exact', line: 16, col: 11 },
    { path: 'spec.http[0].route[0].destination.subset', line: 20, col: 9 },
    { path: 'spec.http[0].route[1]', line: 21, col: 7 },
    { path: 'spec.http[0].route[1].destination.subset', line: 21, col: 36 },
    { path: 'spec.http[0].route[1].weight', line: 22, col: 7 },
    // Missing fields land on the deepest field that exists.
    { path: 'spec.http[0].route[1].headers', line: 21, col: 7, exact: false },
    { path: 'spec.http[3].route', line: 12, col: 3, exact: false },
    { path: 'spec.tcp', line: 9, col: 1, exact: false },
  ];
  for (const c of cases) {
    test(`${c.path || '<root>'} is at ${c.line}:${c.col}`, () => {
      assert.deepEqual(loaded.source.locator.locate(parseFieldPath(c.path)), { line: c.line, col: c.col, exact: c.exact ?? true });
    });
  }

  test('the source names the file, the document and where it starts', () => {
    assert.equal(loaded.source.file, 'reviews.yaml');
    assert.equal(loaded.source.docIndex, 0);
    assert.equal(loaded.source.itemIndex, undefined);
    assert.deepEqual([loaded.source.line, loaded.source.col], [2, 1]);
  });
});

describe('documents', () => {
  test('--- separated documents load in order; empty and comment-only documents are skipped', () => {
    const text = `---
apiVersion: v1
kind: Namespace
metadata: {name: a}
---
# nothing here
---
---
apiVersion: v1
kind: Namespace
metadata: {name: b}
`;
    const { resources, problems } = loadYaml(text, 'ns.yaml');
    assert.deepEqual(problems, []);
    assert.deepEqual(resources.map((r) => [r.resource.metadata.name, r.source.docIndex, r.source.line]), [['a', 0, 2], ['b', 3, 9]]);
  });

  test('a List contributes its items, each located inside the list', () => {
    const text = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata:
    name: details
  spec:
    ports:
    - port: 9080
- apiVersion: networking.istio.io/v1
  kind: VirtualServiceList
  metadata: {}
- 42
`;
    const { resources, problems } = loadYaml(text, 'list.yaml');
    assert.deepEqual(resources.map((r) => [r.resource.kind, r.resource.metadata.name, r.source.itemIndex, r.source.line]), [
      ['Service', 'details', 0, 4],
    ]);
    const [svc] = resources;
    assert.ok(svc !== undefined);
    assert.deepEqual(svc.source.locator.locate(['spec', 'ports', 0, 'port']), { line: 10, col: 7, exact: true });
    assert.deepEqual(problems.map(formatProblem), [
      // The item has `metadata: {}`: the missing name is reported on the metadata line.
      'Error [IST0106] (list.yaml:13) Schema validation error: metadata.name: Required value: name is required',
      'Error [TSM0003] (list.yaml:14) invalid document: List item 2 is not a mapping',
    ]);
  });

  test('a typed list (ServiceList) is a List too', () => {
    const text = 'apiVersion: v1\nkind: ServiceList\nitems:\n- {apiVersion: v1, kind: Service, metadata: {name: a}}\n';
    assert.deepEqual(loadYaml(text).resources.map((r) => r.resource.metadata.name), ['a']);
  });

  test('JSON is accepted, with positions', () => {
    const text = `{
  "apiVersion": "networking.istio.io/v1",
  "kind": "DestinationRule",
  "metadata": {"name": "reviews", "namespace": "default"},
  "spec": {
    "host": "reviews",
    "subsets": [{"name": "v1", "labels": {"version": "v1"}}]
  }
}`;
    const { resources, problems } = loadYaml(text, 'dr.json');
    assert.deepEqual(problems, []);
    const [dr] = resources;
    assert.ok(dr !== undefined);
    assert.equal(dr.resource.kind, 'DestinationRule');
    assert.deepEqual(dr.source.locator.locate(['spec', 'subsets', 0, 'labels', 'version']), { line: 7, col: 43, exact: true });
  });

  test('a syntax error in one document does not stop the others', () => {
    const text = `apiVersion: v1
kind: Namespace
metadata: {name: first}
---
apiVersion: v1
kind: Namespace
metadata: {name: [broken}
---
apiVersion: v1
kind: Namespace
metadata: {name: third}
`;
    const { resources, problems } = loadYaml(text, 'mixed.yaml');
    assert.deepEqual(resources.map((r) => r.resource.metadata.name), ['first', 'third']);
    assert.equal(problems.length, 1);
    const [p] = problems;
    assert.equal(p?.code, 'TSM0001');
    assert.equal(p?.file, 'mixed.yaml');
    assert.equal(p?.line, 7);
    assert.match(p?.message ?? '', /^YAML syntax error: /);
  });

  test('duplicate keys are a syntax error, as in kubectl', () => {
    const { resources, problems } = loadYaml('apiVersion: v1\nkind: Namespace\nkind: Pod\nmetadata: {name: a}\n', 'dup.yaml');
    assert.deepEqual(resources, []);
    assert.deepEqual(problems.map((p) => [p.code, p.line]), [['TSM0001', 3]]);
  });
});

describe('envelope problems', () => {
  const cases: { name: string; text: string; want: string[] }[] = [
    {
      name: 'missing apiVersion and kind',
      text: 'metadata:\n  name: x\nspec: {}\n',
      want: [
        'Error [IST0106] (f.yaml:1) Schema validation error: apiVersion not set',
        'Error [IST0106] (f.yaml:1) Schema validation error: kind not set',
      ],
    },
    {
      name: 'missing metadata',
      text: 'apiVersion: v1\nkind: Service\nspec: {}\n',
      want: ['Error [IST0106] (f.yaml:1) Schema validation error: metadata.name: Required value: name is required'],
    },
    {
      name: 'empty name',
      text: 'apiVersion: v1\nkind: Service\nmetadata:\n  name: ""\n',
      want: ['Error [IST0106] (f.yaml:4) Schema validation error: metadata.name: Required value: name is required'],
    },
    {
      name: 'name that is not a string',
      text: 'apiVersion: v1\nkind: Service\nmetadata:\n  name: 42\n',
      want: ['Error [IST0106] (f.yaml:4) Schema validation error: metadata.name: Invalid value: 42: must be of type string'],
    },
    {
      name: 'metadata that is not a mapping',
      text: 'apiVersion: v1\nkind: Service\nmetadata: [a]\n',
      want: ['Error [IST0106] (f.yaml:3) Schema validation error: metadata: Invalid value: ["a"]: must be of type object'],
    },
    {
      name: 'a document that is a list',
      text: '- apiVersion: v1\n',
      want: ['Error [TSM0003] (f.yaml:1) invalid document: expected a mapping with apiVersion, kind and metadata, found a sequence'],
    },
    {
      name: 'a document that is a scalar',
      text: 'hello\n',
      want: ['Error [TSM0003] (f.yaml:1) invalid document: expected a mapping with apiVersion, kind and metadata, found a scalar'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const { resources, problems } = loadYaml(c.text, 'f.yaml');
      assert.deepEqual(resources, []);
      assert.deepEqual(problems.map(formatProblem), c.want);
    });
  }
});
