import { describe } from 'node:test';
import { err, runCases, warn, type Case } from './case-runner.js';

// The spec starts on line 7 of every case document (see case-runner.ts).
const CASES: Case[] = [
  {
    name: 'valid: ingress with a default endpoint, egress with ns/host entries',
    spec: `
  workloadSelector:
    labels: {app: reviews}
  ingress:
  - port: {number: 3000, protocol: HTTP, name: somename}
    defaultEndpoint: 127.0.0.1:8080
  - port: {number: 3001, protocol: HTTP, name: other}
    defaultEndpoint: unix:///var/run/app.sock
  egress:
  - port: {number: 8080, protocol: HTTP}
    hosts: ["staging/*"]
  - hosts: ["./*", "istio-system/*", "~/*", "*/api.example.com"]
  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
`,
    want: [],
  },
  {
    name: 'empty configuration',
    spec: `
  workloadSelector:
    labels: {app: reviews}
`,
    want: [err('spec', 'sidecar: empty configuration provided', 6)],
  },
  {
    name: 'selector without labels is a warning',
    spec: `
  workloadSelector: {}
  egress:
  - hosts: ["./*"]
`,
    want: [warn('spec.workloadSelector', 'sidecar: workload selector specified without labels, will be applied to all services in namespace', 7)],
  },
  {
    name: 'egress hosts: ns/host form, short names, namespaces',
    spec: `
  egress:
  - hosts:
    - reviews.default.svc.cluster.local
    - production/database
    - "Bad_NS/*"
`,
    want: [
      err('spec.egress[0].hosts[0]', 'host must be of form namespace/dnsName', 9),
      err('spec.egress[0].hosts[1]', 'short names (non FQDN) are not allowed', 10),
      err('spec.egress[0].hosts[2]', 'invalid namespace value "Bad_NS" in sidecar', 11),
    ],
  },
  {
    name: 'egress: one catch-all, last',
    spec: `
  egress:
  - hosts: ["./*"]
  - port: {number: 9080, protocol: HTTP, name: http}
    hosts: ["./*"]
  - hosts: ["istio-system/*"]
`,
    want: [
      err('spec.egress[0]', 'sidecar: the egress listener with empty port should be the last listener in the list', 8),
    ],
  },
  {
    name: 'egress: ports unique, hosts required, duplicates warned',
    spec: `
  egress:
  - port: {number: 9080, protocol: HTTP}
    hosts: ["./*", "./reviews.default.svc.cluster.local"]
  - port: {number: 9080, protocol: HTTP}
    hosts: []
`,
    want: [
      warn('spec.egress[0].hosts[1]', 'duplicated egress host: ./reviews.default.svc.cluster.local', 9),
      err('spec.egress[1].port.number', 'sidecar: ports on IP bound listeners must be unique', 10),
      err('spec.egress[1].hosts', 'sidecar: egress listener must contain at least one host', 11),
    ],
  },
  {
    name: 'ingress: port required, default endpoint form',
    spec: `
  ingress:
  - defaultEndpoint: 127.0.0.1:8080
  - port: {number: 3000, protocol: HTTP, name: http}
    defaultEndpoint: 10.0.0.1:8080
  - port: {number: 3001, protocol: HTTP, name: http2}
    defaultEndpoint: "0.0.0.0:http"
`,
    want: [
      err('spec.ingress[0]', 'sidecar: port is required for ingress listeners', 8),
      err('spec.ingress[1].defaultEndpoint', 'sidecar: defaultEndpoint must be of form 127.0.0.1:<port>,0.0.0.0:<port>,[::1]:port,[::]:port,unix://filepath or unset', 10),
      err('spec.ingress[2].defaultEndpoint', 'sidecar: defaultEndpoint port (http) is not a number', 12),
    ],
  },
  {
    name: 'ingress TLS',
    spec: `
  ingress:
  - port: {number: 3000, protocol: HTTP, name: http}
    defaultEndpoint: 127.0.0.1:8080
    tls:
      mode: ISTIO_MUTUAL
`,
    want: [
      err('spec.ingress[0].tls', 'server cannot have TLS settings for non HTTPS/TLS ports', 10),
      err('spec.ingress[0].tls.mode', 'configuration is invalid: cannot set mode to ISTIO_MUTUAL in sidecar ingress tls', 11),
    ],
  },
  {
    name: 'egress proxy needs ALLOW_ANY',
    spec: `
  outboundTrafficPolicy:
    mode: REGISTRY_ONLY
    egressProxy:
      host: egress.example.com
      port: {number: 443}
`,
    want: [err('spec.outboundTrafficPolicy.egressProxy', 'sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode', 9)],
  },
];

describe('Sidecar semantic validation', () => {
  runCases('networking.istio.io/v1', 'Sidecar', CASES);
});
