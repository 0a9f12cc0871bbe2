import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTemplate, executeTemplate, JsonPathError, JsonPathParseError } from './jsonpath.js';

const ingressSvc = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'istio-ingressgateway', namespace: 'istio-system', labels: { app: 'istio-ingressgateway', 'istio.io/rev': 'default' } },
  spec: { type: 'LoadBalancer', ports: [{ name: 'status-port', port: 15021 }, { name: 'http2', port: 80, nodePort: 30364 }, { name: 'https', port: 443 }] },
  status: { loadBalancer: { ingress: [{ ip: '172.18.255.1' }] } },
};
const pendingSvc = { ...ingressSvc, status: { loadBalancer: {} } };
const podList = {
  apiVersion: 'v1',
  kind: 'List',
  metadata: { resourceVersion: '' },
  items: [
    { metadata: { name: 'a' }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }] }, spec: { containers: [{ name: 'app', image: 'app:1' }, { name: 'istio-proxy', image: 'proxyv2:1.24' }] } },
    { metadata: { name: 'b' }, status: { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False' }] }, spec: { containers: [{ name: 'app', image: 'app:2' }] } },
  ],
};

const run = (template: string, data: unknown): string => executeTemplate(compileTemplate(template), data);

describe('kubectl JSONPath output', () => {
  const cases: { name: string; template: string; data: unknown; want: string }[] = [
    // The seed: kubectl get svc -n istio-system istio-ingressgateway -o jsonpath='{.status.loadBalancer.ingress[0].ip}'
    { name: 'seed: ingress IP', template: '{.status.loadBalancer.ingress[0].ip}', data: ingressSvc, want: '172.18.255.1' },
    { name: 'seed before the LB has an address: empty, no error', template: '{.status.loadBalancer.ingress[0].ip}', data: pendingSvc, want: '' },
    { name: 'filter on a name', template: '{.spec.ports[?(@.name=="http2")].nodePort}', data: ingressSvc, want: '30364' },
    { name: 'filter on a number', template: '{.spec.ports[?(@.port>100)].name}', data: ingressSvc, want: 'status-port https' },
    { name: 'exists filter', template: '{.spec.ports[?(@.nodePort)].name}', data: ingressSvc, want: 'http2' },
    { name: 'wildcard over a list', template: '{.items[*].metadata.name}', data: podList, want: 'a b' },
    { name: 'nested filter in a range', template: '{range .items[*]}{.metadata.name}{"\\t"}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}', data: podList, want: 'a\tTrue\nb\tFalse\n' },
    { name: 'nested ranges', template: '{range .items[*]}{.metadata.name}:{range .spec.containers[*]} {.image}{end}{"\\n"}{end}', data: podList, want: 'a: app:1 proxyv2:1.24\nb: app:2\n' },
    { name: 'text around actions', template: 'ip={.status.loadBalancer.ingress[0].ip} port={.spec.ports[1].port}', data: ingressSvc, want: 'ip=172.18.255.1 port=80' },
    { name: 'negative index', template: '{.spec.ports[-1].name}', data: ingressSvc, want: 'https' },
    { name: 'slice', template: '{.spec.ports[0:2].port}', data: ingressSvc, want: '15021 80' },
    { name: 'slice with step', template: '{.spec.ports[0:3:2].port}', data: ingressSvc, want: '15021 443' },
    { name: 'escaped dot in a key', template: '{.metadata.labels.istio\\.io/rev}', data: ingressSvc, want: 'default' },
    { name: 'bracket key', template: "{.metadata.labels['istio.io/rev']}", data: ingressSvc, want: 'default' },
    { name: 'an object prints as compact JSON', template: '{.status.loadBalancer}', data: ingressSvc, want: '{"ingress":[{"ip":"172.18.255.1"}]}' },
    { name: 'an array prints as compact JSON', template: '{.items[0].spec.containers[*].name}', data: podList, want: 'app istio-proxy' },
    { name: 'array value', template: '{.metadata.labels}', data: { metadata: { labels: { b: '2', a: '<1>' } } }, want: '{"a":"\\u003c1\\u003e","b":"2"}' },
    { name: 'recursive descent', template: '{..image}', data: podList, want: 'app:1 proxyv2:1.24 app:2' },
    { name: 'union of indexes', template: '{.items[0,1].metadata.name}', data: podList, want: 'a b' },
    { name: 'union of fields', template: "{.items[*]['metadata', 'status'].phase}", data: podList, want: 'Running Pending' },
    { name: 'missing key prints nothing', template: '{.spec.nope}{.a.b.c}', data: ingressSvc, want: '' },
    { name: 'current object', template: '{@.kind}', data: ingressSvc, want: 'Service' },
    { name: 'number, bool and null', template: '{.a} {.b} {.c} {.d} {.e}', data: { a: 1.5, b: true, c: 3, d: null, e: 1234567.5 }, want: '1.5 true 3 <nil> 1.2345675e+06' },
    { name: 'map wildcard in key order', template: '{.metadata.labels.*}', data: ingressSvc, want: 'istio-ingressgateway default' },
    { name: 'wildcard over an array', template: '{.spec.ports.*.port}', data: ingressSvc, want: '15021 80 443' },
  ];
  for (const c of cases) test(c.name, () => assert.equal(run(c.template, c.data), c.want));
});

describe('kubectl JSONPath errors', () => {
  const parse: [string, string][] = [
    ['{.metadata.name', 'unclosed action'],
    ['{.items[0}', 'unterminated array'],
    ['{.items[a]}', 'invalid array index a'],
    ['{.a,.b}', "unrecognized character in action: U+002C ','"],
    ['{.items[?(@.a=="x"', 'unterminated filter'],
    ['{end}', 'not in range, nothing to end'],
    ['{"abc}', 'unterminated quoted string'],
    ['{#}', "unrecognized character in action: U+0023 '#'"],
  ];
  for (const [template, message] of parse) {
    test(`parse ${template}`, () => assert.throws(() => compileTemplate(template), (e: unknown) => e instanceof JsonPathParseError && e.message === message));
  }
  const exec: [string, unknown, string][] = [
    ['{.items[5]}', podList, 'array index out of bounds: index 5, length 2'],
    ['{.metadata[0]}', podList, 'map[string]interface {} is not array or slice'],
    ['{.metadata[?(@.a)]}', podList, 'map[resourceVersion:] is not array or slice and cannot be filtered'],
    ['{.items[?(@.metadata.name==1)]}', podList, 'incompatible types for comparison'],
    ['{.status.loadBalancer.ingress[0].ip}', { status: { loadBalancer: { ingress: [] } } }, 'array index out of bounds: index 0, length 0'],
  ];
  for (const [template, data, message] of exec) {
    test(`execute ${template}`, () => assert.throws(() => run(template, data), (e: unknown) => e instanceof JsonPathError && e.message === message));
  }
});
