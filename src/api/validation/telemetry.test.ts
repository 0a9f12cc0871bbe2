import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { celSyntaxError } from './cel-syntax.js';
import { err, runCases, warn, type Case } from './case-runner.js';

// The spec starts on line 7 of every case document (see case-runner.ts).
const CASES: Case[] = [
  {
    name: 'valid: metrics, tracing and access logging',
    spec: `
  selector:
    matchLabels: {app: reviews}
  metrics:
  - providers: [{name: prometheus}]
    overrides:
    - match: {metric: REQUEST_COUNT, mode: CLIENT_AND_SERVER}
      tagOverrides:
        request_host: {value: "request.host"}
        grpc_response_status: {operation: REMOVE}
    - match: {customMetric: my_metric}
  tracing:
  - providers: [{name: zipkin}]
    randomSamplingPercentage: 10.5
    customTags:
      team: {literal: {value: payments}}
      user: {header: {name: x-user, defaultValue: none}}
      pod: {environment: {name: POD_NAME}}
  accessLogging:
  - providers: [{name: envoy}]
    filter:
      expression: 'response.code >= 400 && request.headers["x-debug"] == "1"'
`,
    want: [],
  },
  {
    name: 'selector and targetRef(s) are exclusive; targetRef kinds',
    spec: `
  selector:
    matchLabels: {app: reviews}
  targetRef: {kind: Deployment, name: reviews}
  targetRefs:
  - {group: gateway.networking.k8s.io, kind: Gateway, name: ingress, namespace: other}
  - {kind: Service, name: ""}
`,
    want: [
      err('spec', 'only one of targetRefs or workloadSelector can be set', 6),
      err('spec.targetRef', 'targetRef must be to one of [core/v1/Service networking.istio.io/v1/ServiceEntry gateway.networking.k8s.io/v1/Gateway gateway.networking.k8s.io/v1/GatewayClass] but was /Deployment', 9),
      err('spec.targetRefs[0].namespace', 'targetRef namespace must not be set; cross namespace referencing is not supported', 11),
      err('spec.targetRefs[1]', 'targetRef name must be set', 12),
    ],
  },
  {
    name: 'selector without labels is a warning',
    spec: `
  selector: {}
  tracing:
  - randomSamplingPercentage: 1
`,
    want: [warn('spec.selector', 'workload selector specified without labels', 7)],
  },
  {
    name: 'selector labels: wildcards are errors',
    spec: `
  selector:
    matchLabels: {app: "rev*"}
`,
    want: [err('spec.selector.matchLabels.app', 'wildcard is not supported in selector: "app=rev*"', 8)],
  },
  {
    name: 'tracing: sampling range, several entries and providers, custom tags',
    spec: `
  tracing:
  - providers: [{name: zipkin}, {name: otel}]
    randomSamplingPercentage: 100.5
    customTags:
      a: {literal: {value: ""}}
      b: {header: {name: ""}}
      c: {environment: {name: ""}}
      d: null
  - randomSamplingPercentage: -1
`,
    want: [
      warn('spec.tracing', 'multiple tracing is not currently supported', 7),
      warn('spec.tracing[0].providers', 'multiple providers is not currently supported', 8),
      err('spec.tracing[0].randomSamplingPercentage', 'randomSamplingPercentage must be in range [0.0, 100.0]', 9),
      err('spec.tracing[0].customTags.a.literal.value', 'literal tag value may not be empty', 11),
      err('spec.tracing[0].customTags.b.header.name', 'header tag name may not be empty', 12),
      err('spec.tracing[0].customTags.c.environment.name', 'environment tag name may not be empty', 13),
      err('spec.tracing[0].customTags.d', "tag 'd' may not have a nil value", 14),
      err('spec.tracing[1].randomSamplingPercentage', 'randomSamplingPercentage must be in range [0.0, 100.0]', 15),
    ],
  },
  {
    name: 'metrics: tag overrides against their operation, custom metric, providers',
    spec: `
  metrics:
  - providers: [{name: prometheus}, {name: ""}]
    overrides:
    - match: {customMetric: ""}
      tagOverrides:
        upsert_without_value: {}
        explicit_upsert: {operation: UPSERT, value: ""}
        remove_with_value: {operation: REMOVE, value: "request.host"}
        null_tag: null
    - null
`,
    want: [
      err('spec.metrics[0].providers[1]', 'providers.name may not be empty', 8),
      err('spec.metrics[0].overrides[0].match.customMetric', 'customMetric may not be empty', 10),
      err('spec.metrics[0].overrides[0].tagOverrides.upsert_without_value', 'tagOverrides.value must be set when operation is UPSERT', 12),
      err('spec.metrics[0].overrides[0].tagOverrides.explicit_upsert', 'tagOverrides.value must be set when operation is UPSERT', 13),
      err('spec.metrics[0].overrides[0].tagOverrides.remove_with_value.value', 'tagOverrides.value may only be set when operation is UPSERT', 14),
      err('spec.metrics[0].overrides[0].tagOverrides.null_tag', 'tagOverrides may not be null', 15),
      err('spec.metrics[0].overrides[1]', 'tagOverrides may not be null', 16),
    ],
  },
  {
    name: 'metrics: an empty tag name is a warning',
    spec: `
  metrics:
  - overrides:
    - tagOverrides:
        "": {operation: REMOVE}
`,
    want: [warn('spec.metrics[0].overrides[0].tagOverrides[]', 'tagOverrides.name may not be empty', 10)],
  },
  {
    name: 'access logging: filter must parse as CEL; providers named (one error per list)',
    spec: `
  accessLogging:
  - filter: {expression: ""}
    providers: [{name: ""}, {}]
  - filter: {expression: 'response.code >= 400 && (request.host == "a"'}
  - filter: {expression: "request.headers['x'] == 'unterminated"}
`,
    want: [
      err('spec.accessLogging[0].filter.expression', "must be a valid CEL expression, ERROR: <input>:1:1: Syntax error: mismatched input '<EOF>' expecting", 8),
      err('spec.accessLogging[0].providers[0]', 'providers.name may not be empty', 9),
      err('spec.accessLogging[1].filter.expression', "must be a valid CEL expression, ERROR: <input>:1:25: Syntax error: unclosed '('", 10),
      err('spec.accessLogging[2].filter.expression', "must be a valid CEL expression, ERROR: <input>:1:25: Syntax error: token recognition error at: ''unterminated'", 11),
    ],
  },
];

describe('Telemetry semantic validation', () => runCases('telemetry.istio.io/v1', 'Telemetry', CASES));

describe('CEL syntax check', () => {
  test('valid expressions pass', () => {
    for (const e of [
      'response.code >= 400',
      'has(request.headers["x"]) && request.headers["x"].startsWith("a")',
      "[1, 2, {'k': (3)}].size() > 0 // a comment with ) in it",
      'r"raw \\d" == x',
      '"""triple "quoted" string""" != ""',
    ]) {
      assert.equal(celSyntaxError(e), undefined, e);
    }
  });
  test('errors name line and column, with cel-go\'s snippet and caret', () => {
    // In a raw string a backslash escapes nothing, so the second quote here opens a new string.
    assert.equal(celSyntaxError('r"raw \\" quote" == x'), `ERROR: <input>:1:15: Syntax error: token recognition error at: '" == x'\n | r"raw \\" quote" == x\n | ..............^`);
    assert.equal(celSyntaxError('a ]'), "ERROR: <input>:1:3: Syntax error: extraneous input ']'\n | a ]\n | ..^");
    assert.equal(celSyntaxError('a &&\n\t(b]'), "ERROR: <input>:2:4: Syntax error: extraneous input ']'\n |  (b]\n | ...^");
    const expecting = "mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}";
    assert.equal(celSyntaxError(''), `ERROR: <input>:1:1: Syntax error: ${expecting}`);
    assert.equal(celSyntaxError('  '), `ERROR: <input>:1:3: Syntax error: ${expecting}\n |   \n | ..^`);
  });
});
