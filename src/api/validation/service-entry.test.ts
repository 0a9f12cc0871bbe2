import { describe } from 'node:test';
import { err, runCases, warn, type Case } from './case-runner.js';

// The spec starts on line 7 of every case document (see case-runner.ts).
const SERVICE_ENTRY: Case[] = [
  {
    name: 'valid: DNS with an FQDN, STATIC with IP endpoints, NONE with a CIDR',
    spec: `
  hosts: [api.external-svc.com]
  ports:
  - {number: 443, name: https, protocol: TLS}
  resolution: DNS
  location: MESH_EXTERNAL
`,
    want: [],
  },
  {
    name: 'valid: STATIC endpoints with named ports',
    spec: `
  hosts: [postgres.internal]
  ports:
  - {number: 5432, name: postgres, protocol: TCP}
  resolution: STATIC
  endpoints:
  - address: 10.0.0.50
    ports: {postgres: 15432}
  - address: unix:///var/run/pg.sock
`,
    want: [],
  },
  {
    name: 'no hosts; * is not a host; partial wildcard',
    spec: `
  hosts: ["*", "foo*.example.com"]
  resolution: NONE
`,
    want: [
      err('spec.hosts[0]', 'invalid host *', 7),
      err('spec.hosts[1]', 'domain name "foo*.example.com" invalid (label "foo*" invalid)', 7),
      warn('spec.hosts[1]', 'partial wildcard "foo*.example.com" not allowed', 7),
    ],
  },
  {
    name: 'wildcard host with DNS resolution and no endpoints',
    spec: `
  hosts: ["*.googleapis.com"]
  ports:
  - {number: 443, name: https, protocol: TLS}
  resolution: DNS
`,
    want: [err('spec.hosts[0]', 'hosts must be FQDN if no endpoints are provided for resolution mode DNS', 7)],
  },
  {
    name: 'NONE resolution with endpoints and a selector',
    spec: `
  hosts: [a.example.com]
  resolution: NONE
  workloadSelector:
    labels: {app: a}
  endpoints:
  - address: 10.0.0.1
`,
    want: [
      warn('spec.workloadSelector', 'workloadSelector should not be set when resolution mode is NONE', 9),
      err('spec.endpoints', 'only one of WorkloadSelector or Endpoints is allowed in Service Entry', 11),
      err('spec.endpoints', 'no endpoints should be provided for resolution type none', 11),
    ],
  },
  {
    name: 'STATIC endpoints must be IPs, with ports the entry defines',
    spec: `
  hosts: [a.example.com]
  ports:
  - {number: 80, name: http, protocol: HTTP}
  resolution: STATIC
  endpoints:
  - address: db.example.com
    ports: {grpc: 9090}
  - {}
`,
    want: [
      err('spec.endpoints[0].address', 'endpoint address "db.example.com" is not a valid IP address', 12),
      err('spec.endpoints[0].ports.grpc', 'endpoint port 9090 is not defined by the service entry', 13),
      err('spec.endpoints[1]', 'address is required', 14),
    ],
  },
  {
    name: 'ports: unique names and numbers, valid names and protocols',
    spec: `
  hosts: [a.example.com]
  addresses: [240.0.0.1]
  ports:
  - {number: 80, name: http, protocol: HTTP}
  - {number: 80, name: http, protocol: HTTP}
  - {number: 0, name: Bad_Name, protocol: QUIC}
  resolution: DNS
`,
    want: [
      err('spec.ports[1].number', 'service entry port 80 already defined', 11),
      err('spec.ports[1].name', 'service entry port name "http" already defined', 11),
      err('spec.ports[2].number', 'port number 0 must be in the range 1..65535', 12),
      err('spec.ports[2].name', 'invalid port name: Bad_Name', 12),
      err('spec.ports[2].protocol', 'unsupported protocol: QUIC', 12),
    ],
  },
  {
    name: 'addresses: IPs or CIDRs, CIDRs only without DNS',
    spec: `
  hosts: [a.example.com]
  addresses: [10.0.0.0/8, 300.1.1.1]
  ports:
  - {number: 443, name: https, protocol: TLS}
  resolution: DNS
`,
    want: [
      err('spec.addresses', 'CIDR addresses are allowed only for NONE/STATIC resolution types', 8),
      err('spec.addresses[1]', '300.1.1.1 is not a valid IP', 8),
    ],
  },
  {
    name: 'several hosts need HTTP or TLS ports',
    spec: `
  hosts: [a.example.com, b.example.com]
  ports:
  - {number: 5432, name: tcp, protocol: TCP}
  resolution: DNS
`,
    want: [err('spec.hosts', 'multiple hosts provided with non-HTTP, non-TLS ports', 7)],
  },
  {
    name: 'TCP port without addresses when auto-allocation is off',
    spec: `
  hosts: [a.example.com]
  ports:
  - {number: 5432, name: tcp, protocol: TCP}
  resolution: DNS
`,
    metadata: '  labels:\n    networking.istio.io/enable-autoallocate-ip: "false"',
    want: [warn('spec.ports[0]', 'addresses are required for ports serving TCP (or unset) protocol when IP Autoallocation is not enabled', 11)],
  },
  {
    name: 'DNS_ROUND_ROBIN takes at most one endpoint',
    spec: `
  hosts: [a.example.com]
  ports:
  - {number: 80, name: http, protocol: HTTP}
  resolution: DNS_ROUND_ROBIN
  endpoints:
  - address: a1.example.com
  - address: bad_name
`,
    want: [
      err('spec.endpoints', 'there must only be 0 or 1 endpoint for resolution mode DNS_ROUND_ROBIN', 11),
      err('spec.endpoints[1].address', 'endpoint address "bad_name" is not a valid FQDN or an IP address', 13),
    ],
  },
  {
    name: 'exportTo ~ is allowed for ServiceEntry, alone',
    spec: `
  hosts: [a.example.com]
  ports:
  - {number: 80, name: http, protocol: HTTP}
  resolution: DNS
  exportTo: ["~", "."]
`,
    want: [err('spec.exportTo', 'cannot export service entry to no one (~) and someone', 11)],
  },
];

const WORKLOAD_ENTRY: Case[] = [
  { name: 'valid', spec: '  address: 1.0.0.0\n  labels: {app: customers}\n  serviceAccount: customers\n', want: [] },
  { name: 'address is required', spec: '  labels: {app: customers}\n', want: [err('spec', 'address is required', 6)] },
  { name: 'network without address is a warning', spec: '  network: vm-net\n', want: [warn('spec.network', 'address is unset with network "vm-net"', 7)] },
  {
    name: 'ports and unix sockets',
    spec: '  address: unix:///var/run/app.sock\n  ports: {http: 80}\n',
    want: [err('spec.ports', 'unix endpoint unix:///var/run/app.sock must not include ports', 8)],
  },
  {
    name: 'port numbers',
    spec: '  address: vm1.example.com\n  ports: {http: 0}\n',
    want: [err('spec.ports.http', 'port number 0 must be in the range 1..65535', 8)],
  },
];

const WORKLOAD_GROUP: Case[] = [
  { name: 'valid', spec: '  metadata:\n    labels: {app: vm}\n  template:\n    serviceAccount: vm\n  probe:\n    httpGet: {port: 8080, path: /ready}\n', want: [] },
  { name: 'template is required', spec: '  metadata:\n    labels: {app: vm}\n', want: [err('spec.template', 'template is required', 6)] },
  {
    name: 'probe',
    spec: '  template: {}\n  probe:\n    periodSeconds: -1\n    tcpSocket: {port: 0}\n',
    want: [
      err('spec.probe.periodSeconds', 'periodSeconds must be non-negative', 9),
      err('spec.probe.tcpSocket.port', 'port number 0 must be in the range 1..65535', 10),
    ],
  },
];

describe('ServiceEntry semantic validation', () => runCases('networking.istio.io/v1', 'ServiceEntry', SERVICE_ENTRY));
describe('WorkloadEntry semantic validation', () => runCases('networking.istio.io/v1', 'WorkloadEntry', WORKLOAD_ENTRY));
describe('WorkloadGroup semantic validation', () => runCases('networking.istio.io/v1', 'WorkloadGroup', WORKLOAD_GROUP));
