import { describe } from 'node:test';
import { err, runCases, warn, type Case } from './case-runner.js';

// The spec starts on line 7 of every case document (see case-runner.ts).
const CASES: Case[] = [
  {
    name: 'valid: HTTP with httpsRedirect, HTTPS with a credential, passthrough TLS',
    spec: `
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
    tls: {httpsRedirect: true}
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [default/bookinfo.example.com]
    tls: {mode: SIMPLE, credentialName: bookinfo-cert}
  - port: {number: 8443, name: tls, protocol: TLS}
    hosts: ["*/*.example.com"]
    tls: {mode: PASSTHROUGH}
  - port: {number: 15443, name: tls-auto, protocol: TLS}
    hosts: ["*.local"]
    tls: {mode: AUTO_PASSTHROUGH}
  - port: {number: 8080, name: mtls, protocol: HTTPS}
    hosts: [reviews.example.com]
    tls: {mode: ISTIO_MUTUAL}
`,
    want: [],
  },
  {
    name: 'no servers',
    spec: `
  servers: []
`,
    want: [err('spec.servers', 'gateway must have at least one server', 7)],
  },
  {
    name: 'HTTPS without TLS settings',
    spec: `
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [external-service.com]
`,
    want: [err('spec.servers[0]', 'server must have TLS settings for HTTPS/TLS protocols', 8)],
  },
  {
    name: 'SIMPLE and MUTUAL need certificates unless a credential is named',
    spec: `
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [a.example.com]
    tls:
      mode: SIMPLE
      serverCertificate: /etc/cert.pem
  - port: {number: 8443, name: mtls, protocol: HTTPS}
    hosts: [b.example.com]
    tls:
      mode: MUTUAL
      credentialName: b-cert
  - port: {number: 9443, name: mtls2, protocol: HTTPS}
    hosts: [c.example.com]
    tls:
      mode: MUTUAL
      serverCertificate: /etc/cert.pem
      privateKey: /etc/key.pem
`,
    want: [
      err('spec.servers[0].tls', 'SIMPLE TLS requires a private key', 10),
      err('spec.servers[2].tls.caCertificates', 'MUTUAL TLS requires a client CA bundle', 20),
    ],
  },
  {
    name: 'ISTIO_MUTUAL with certificates; passthrough with a credential',
    spec: `
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [a.example.com]
    tls:
      mode: ISTIO_MUTUAL
      credentialName: a-cert
  - port: {number: 8443, name: tls, protocol: TLS}
    hosts: [b.example.com]
    tls:
      mode: PASSTHROUGH
      credentialName: b-cert
`,
    want: [
      err('spec.servers[0].tls.credentialName', 'ISTIO_MUTUAL TLS cannot have associated credentialName', 12),
      warn('spec.servers[1].tls', 'PASSTHROUGH mode does not use certificates, they will be ignored', 15),
    ],
  },
  {
    name: 'TLS settings on plain ports; httpsRedirect off HTTP',
    spec: `
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [a.example.com]
    tls: {mode: SIMPLE, credentialName: a-cert}
  - port: {number: 3306, name: mysql, protocol: MYSQL}
    hosts: [b.example.com]
    tls: {httpsRedirect: true}
`,
    want: [
      err('spec.servers[0].tls', 'server cannot have TLS settings for plain text HTTP ports', 10),
      err('spec.servers[1].tls', 'server cannot have TLS settings for non HTTPS/TLS ports', 13),
      warn('spec.servers[1].tls.httpsRedirect', 'tls.httpsRedirect should only be used with http servers', 13),
    ],
  },
  {
    name: 'ports: protocol, number, name, uniqueness',
    spec: `
  servers:
  - port: {number: 70000, name: web, protocol: HTTP3}
    hosts: [a.example.com]
  - port: {number: 81, protocol: HTTP}
    hosts: [b.example.com]
  - port: {number: 82, name: web, protocol: HTTP}
    hosts: [c.example.com]
`,
    want: [
      err('spec.servers[0].port.number', 'port number 70000 must be in the range 1..65535', 8),
      err('spec.servers[0].port.protocol', 'invalid protocol "HTTP3", supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP', 8),
      err('spec.servers[1].port', 'port name must be set: number:81 protocol:"HTTP"', 10),
      err('spec.servers[2].port.name', 'port names in servers must be unique: duplicate name web', 12),
    ],
  },
  {
    name: 'hosts: namespace/host form, short names, partial wildcards',
    spec: `
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts:
    - reviews
    - Bad_NS/a.example.com
    - "./foo*.example.com"
    - 10.0.0.1
`,
    want: [
      err('spec.servers[0].hosts[0]', 'short names (non FQDN) are not allowed', 10),
      err('spec.servers[0].hosts[1]', 'invalid namespace value "Bad_NS" in gateway', 11),
      err('spec.servers[0].hosts[2]', 'domain name "foo*.example.com" invalid (label "foo*" invalid)', 12),
      err('spec.servers[0].hosts[2]', 'partial wildcard "foo*.example.com" not allowed', 12),
    ],
  },
  {
    name: 'extra metadata does not matter',
    spec: `
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
`,
    metadata: '  labels: {app: gw}',
    want: [],
  },
];

describe('Gateway semantic validation', () => {
  runCases('networking.istio.io/v1', 'Gateway', CASES);
});
