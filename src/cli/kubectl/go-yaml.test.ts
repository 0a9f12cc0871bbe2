import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goYaml } from './go-yaml.js';
import { goYamlKeyOrder } from './go-yaml-scalars.js';
import { goJson } from './go-json.js';

test('a VirtualService as kubectl -o yaml prints it', () => {
  const vs = {
    spec: { http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' }, weight: 80 }] }], hosts: ['*'], gateways: ['bookinfo-gateway'] },
    kind: 'VirtualService',
    metadata: { name: 'bookinfo', namespace: 'default', creationTimestamp: '2024-05-01T11:55:00Z', resourceVersion: '1234', generation: 1, annotations: { 'sidecar.istio.io/inject': 'true' } },
    apiVersion: 'networking.istio.io/v1',
  };
  assert.equal(
    goYaml(vs),
    [
      'apiVersion: networking.istio.io/v1',
      'kind: VirtualService',
      'metadata:',
      '  annotations:',
      '    sidecar.istio.io/inject: "true"',
      '  creationTimestamp: "2024-05-01T11:55:00Z"',
      '  generation: 1',
      '  name: bookinfo',
      '  namespace: default',
      '  resourceVersion: "1234"',
      'spec:',
      '  gateways:',
      '  - bookinfo-gateway',
      '  hosts:',
      "  - '*'",
      '  http:',
      '  - route:',
      '    - destination:',
      '        host: reviews',
      '        subset: v1',
      '      weight: 80',
      '',
    ].join('\n'),
  );
});

test('nested and empty collections', () => {
  assert.equal(goYaml({ a: ['x', ['y', 'z'], { k: 'v', l: [] }, {}], m: {}, e: [] }), 'a:\n- x\n- - "y"\n  - z\n- k: v\n  l: []\n- {}\ne: []\nm: {}\n');
});

test('strings are plain, single-quoted or double-quoted as go-yaml chooses', () => {
  const cases: [string, string][] = [
    ['plain text', 'plain text'],
    ["it's", "it's"],
    ['café', 'café'],
    ['', '""'],
    ['*', "'*'"],
    ['-', "'-'"],
    ['a: b', "'a: b'"],
    ['key #c', "'key #c'"],
    [' lead', "' lead'"],
    ['trail ', "'trail '"],
    ['@foo', "'@foo'"],
    ['"q"', `'"q"'`],
    ['tab\there', '"tab\\there"'],
    ['emoji 😀', '"emoji \\U0001F600"'],
    ['x \ny', '"x \\ny"'],
    // Strings that would read back as another type are double-quoted (YAML 1.1 rules).
    ['true', '"true"'],
    ['yes', '"yes"'],
    ['on', '"on"'],
    ['y', '"y"'],
    ['~', '"~"'],
    ['null', '"null"'],
    ['80', '"80"'],
    ['0755', '"0755"'],
    ['08', '"08"'],
    ['1e3', '"1e3"'],
    ['1.0', '"1.0"'],
    ['.5', '".5"'],
    ['1_000', '"1_000"'],
    ['12:30', '"12:30"'],
    ['2024-05-01', '"2024-05-01"'],
    ['2024-05-01T11:55:00Z', '"2024-05-01T11:55:00Z"'],
    ['v1', 'v1'],
    ['10.96.0.1', '10.96.0.1'],
    ['<<', '<<'],
  ];
  for (const [s, want] of cases) assert.equal(goYaml({ k: s }), `k: ${want}\n`, JSON.stringify(s));
});

test('multi-line strings are literal blocks with chomping and indentation hints', () => {
  assert.equal(goYaml({ b1: 'line1\nline2\n', b2: 'a\nb', b3: 'a\n\n', b4: '  indented\nx' }), 'b1: |\n  line1\n  line2\nb2: |-\n  a\n  b\nb3: |+\n  a\n\nb4: |2-\n    indented\n  x\n');
});

test('long plain strings fold at the first space past column 80', () => {
  const long = 'Istio ingress gateway for the bookinfo sample, exposing the productpage on port eighty through the mesh edge with TLS disabled';
  assert.equal(
    goYaml({ metadata: { annotations: { description: long } }, list: [long] }),
    [
      'list:',
      '- Istio ingress gateway for the bookinfo sample, exposing the productpage on port',
      '  eighty through the mesh edge with TLS disabled',
      'metadata:',
      '  annotations:',
      '    description: Istio ingress gateway for the bookinfo sample, exposing the productpage',
      '      on port eighty through the mesh edge with TLS disabled',
      '',
    ].join('\n'),
  );
});

test('numbers, booleans and null', () => {
  assert.equal(goYaml({ zero: 0, neg: -1.5, big: 1234567.5, t: true, n: null }), 'big: 1.2345675e+06\n"n": null\nneg: -1.5\nt: true\nzero: 0\n');
});

test("go-yaml's key order: non-letters first, digits by value, upper before lower case", () => {
  const keys = ['b', 'a', 'B', '_x', '1', 'port10', 'port2', 'a.b', 'ab'];
  assert.deepEqual([...keys].sort(goYamlKeyOrder), ['_x', '1', 'B', 'a', 'a.b', 'ab', 'b', 'port2', 'port10']);
});

test('JSON as Go writes it: sorted keys, HTML-safe escapes, 4-space indent', () => {
  assert.equal(goJson({ b: [1, 'x<y'], a: {}, c: [] }), '{"a":{},"b":[1,"x\\u003cy"],"c":[]}');
  assert.equal(goJson({ b: { z: 1, y: null }, a: 'é\u0001' }, '    '), '{\n    "a": "é\\u0001",\n    "b": {\n        "y": null,\n        "z": 1\n    }\n}');
});
