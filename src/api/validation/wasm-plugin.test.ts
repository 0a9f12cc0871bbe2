import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { err, runCases, warn, type Case } from './case-runner.js';
import { validateWasmPluginURL } from './wasm-plugin.js';

const SHA = 'a'.repeat(32) + '0123456789abcdef'.repeat(2);

// The spec starts on line 7 of every case document (see case-runner.ts).
const CASES: Case[] = [
  {
    name: 'valid: oci image with every optional field',
    spec: `
  selector:
    matchLabels: {istio: ingressgateway}
  url: oci://ghcr.io/istio-ecosystem/wasm-extensions/basic_auth:1.12.0
  sha256: ${SHA}
  imagePullPolicy: IfNotPresent
  imagePullSecret: registry-creds
  phase: AUTHN
  priority: 10
  failStrategy: FAIL_OPEN
  pluginName: basic_auth
  pluginConfig:
    basic_auth_rules:
    - prefix: /api
      request_methods: [GET, POST]
  vmConfig:
    env:
    - {name: POD_NAME, valueFrom: HOST}
    - {name: TRUST_DOMAIN, value: cluster.local}
  match:
  - mode: SERVER
    ports: [{number: 8080}]
`,
    want: [],
  },
  {
    name: 'selector and targetRefs are exclusive; targetRef rules',
    spec: `
  selector:
    matchLabels: {app: reviews}
  targetRefs:
  - {kind: Pod, name: reviews}
  url: file:///opt/filters/auth.wasm
`,
    want: [
      err('spec', 'only one of targetRefs or workloadSelector can be set', 6),
      err('spec.targetRefs[0]', 'targetRef must be to one of [core/v1/Service networking.istio.io/v1/ServiceEntry gateway.networking.k8s.io/v1/Gateway gateway.networking.k8s.io/v1/GatewayClass] but was /Pod', 10),
    ],
  },
  {
    name: 'targetRef alone: a Gateway is fine; a selector without labels warns',
    spec: `
  targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: ingress}
  url: https://example.com/filter.wasm
`,
    want: [],
  },
  {
    name: 'selector without labels is a warning',
    spec: `
  selector: {}
  url: https://example.com/filter.wasm
`,
    want: [warn('spec.selector', 'workload selector specified without labels', 7)],
  },
  {
    name: 'url: unsupported scheme',
    spec: `
  url: ftp://example.com/filter.wasm
`,
    want: [err('spec.url', 'url contains unsupported scheme: ftp', 7)],
  },
  {
    name: 'url: empty',
    spec: `
  url: ""
`,
    want: [err('spec.url', 'url field needs to be set', 7)],
  },
  {
    name: 'sha256: length, then hex',
    spec: `
  url: oci://ghcr.io/org/filter:1.0
  sha256: abc
`,
    want: [err('spec.sha256', 'sha256 field must be 64 characters long', 8)],
  },
  {
    name: 'sha256: uppercase hex is refused',
    spec: `
  url: oci://ghcr.io/org/filter:1.0
  sha256: ${SHA.toUpperCase()}
`,
    want: [err('spec.sha256', 'sha256 field must match [a-f0-9]{64} pattern', 8)],
  },
  {
    name: 'lengths: imagePullSecret and pluginName',
    spec: `
  url: oci://ghcr.io/org/filter:1.0
  imagePullSecret: ${'s'.repeat(254)}
  pluginName: ${'p'.repeat(257)}
`,
    want: [
      err('spec.imagePullSecret', 'imagePullSecret field must be less than 253 characters long', 8),
      err('spec.pluginName', 'pluginName field must be less than 255 characters long', 9),
    ],
  },
  {
    name: 'lengths are UTF-8 bytes, as Go counts them: 128 two-byte characters are 256 bytes',
    spec: `
  url: oci://ghcr.io/org/filter:1.0
  pluginName: ${'é'.repeat(128)}
  imagePullSecret: ${'é'.repeat(127)}
  vmConfig:
    env:
    - {name: ${'é'.repeat(129)}}
`,
    want: [
      err('spec.imagePullSecret', 'imagePullSecret field must be less than 253 characters long', 9),
      err('spec.vmConfig.env[0].name', 'env.name field must be less than 255 characters long', 12),
    ],
  },
  {
    name: 'vmConfig.env: a value with valueFrom HOST (first bad entry only)',
    spec: `
  url: oci://ghcr.io/org/filter:1.0
  vmConfig:
    env:
    - {name: A, valueFrom: INLINE, value: x}
    - {name: B, valueFrom: HOST, value: y}
    - {name: ""}
`,
    want: [err('spec.vmConfig.env[1].value', 'value may only be set when valueFrom is INLINE', 11)],
  },
  {
    name: 'vmConfig.env: duplicate names',
    spec: `
  url: oci://ghcr.io/org/filter:1.0
  vmConfig:
    env:
    - {name: A}
    - {name: A}
`,
    want: [err('spec.vmConfig.env[1].name', 'duplicate env', 11)],
  },
  {
    name: 'vmConfig.env: an empty name',
    spec: `
  url: oci://ghcr.io/org/filter:1.0
  vmConfig:
    env:
    - {name: "", value: x}
`,
    want: [err('spec.vmConfig.env[0]', 'spec.vmConfig.env invalid', 10)],
  },
  {
    name: 'match: port out of range (first bad port only)',
    spec: `
  url: oci://ghcr.io/org/filter:1.0
  match:
  - ports: [{number: 80}]
  - ports: [{number: 70000}, {number: 0}]
`,
    want: [err('spec.match[1].ports[0].number', 'spec.Match[1].Ports[0] is out of range: 70000', 10)],
  },
];

describe('WasmPlugin semantic validation', () => runCases('extensions.istio.io/v1alpha1', 'WasmPlugin', CASES));

describe('WasmPlugin url (strictParseURL)', () => {
  test('accepted forms', () => {
    for (const url of [
      'oci://ghcr.io/org/filter:1.0',
      'OCI://ghcr.io/org/filter:1.0',
      'ghcr.io/org/filter:1.0',
      'file:///opt/filter.wasm',
      '/opt/filter.wasm',
      'http://example.com:8080/filter.wasm',
      'https://example.com/filter.wasm?x=%20',
      'https://example.com?digest=a/b',
      'http://[::1]:8080/filter.wasm',
      // Go refuses these hosts, but Istio retries with "http://" in front, which makes "https:"
      // the host and the rest a path, and that parses: the webhook accepts them.
      'https://exa mple.com/filter.wasm',
      'https://example.com:8o/filter.wasm',
      // Not a request URI, but "http://" + it is: host ":" with an empty port, as Go parses it.
      '://filter.wasm',
    ]) {
      assert.equal(validateWasmPluginURL(url), undefined, url);
    }
  });
  test('refused forms', () => {
    assert.equal(validateWasmPluginURL('s3://bucket/filter.wasm'), 'url contains unsupported scheme: s3');
    assert.equal(validateWasmPluginURL('example.com/f\x01.wasm'), 'failed to parse url: parse "example.com/f\\x01.wasm": net/url: invalid control character in URL');
    assert.equal(validateWasmPluginURL('example.com/f%zz.wasm'), 'failed to parse url: parse "example.com/f%zz.wasm": invalid URL escape "%zz"');
    // Refused as a request URI, and "http://" + it has an invalid host: the first error is reported.
    assert.equal(validateWasmPluginURL('exa mple.com/filter.wasm'), 'failed to parse url: parse "exa mple.com/filter.wasm": invalid URI for request');
    assert.equal(validateWasmPluginURL('example.com:abc/filter.wasm'), 'url contains unsupported scheme: example.com');
  });
});
