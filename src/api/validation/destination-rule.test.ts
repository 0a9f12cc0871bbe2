import { describe } from 'node:test';
import { err, runCases, warn, type Case } from './case-runner.js';

// The spec starts on line 7 of every case document (see case-runner.ts).
const CASES: Case[] = [
  {
    name: 'valid: subsets, pool, outlier detection with Go durations',
    spec: `
  host: customers.default.svc.cluster.local
  trafficPolicy:
    connectionPool:
      http: {maxRequestsPerConnection: 1, maxRetries: 3}
      tcp: {connectTimeout: 30ms, idleTimeout: 0s}
    outlierDetection:
      consecutive5xxErrors: 5
      interval: 5m
      baseEjectionTime: 1h30m
      maxEjectionPercent: 50
    loadBalancer:
      consistentHash:
        httpCookie: {name: user, ttl: 0s}
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
    trafficPolicy:
      loadBalancer: {simple: ROUND_ROBIN}
`,
    want: [],
  },
  {
    name: 'host required and valid',
    spec: `
  host: ""
  subsets:
  - name: v1
`,
    want: [err('spec.host', 'empty domain name not allowed', 7)],
  },
  {
    name: 'subset names: unique, DNS-1123 labels; labels valid',
    spec: `
  host: reviews
  subsets:
  - name: v1
  - name: v1
  - name: V_2
    labels:
      "bad key!": v2
`,
    want: [
      err('spec.subsets[1].name', 'duplicate subset names: v1', 10),
      err('spec.subsets[2].name', 'subset name is invalid: V_2', 11),
      err('spec.subsets[2].labels', 'invalid tag key: "bad key!"', 12),
    ],
  },
  {
    name: 'empty traffic policy and connection pool',
    spec: `
  host: reviews
  trafficPolicy: {}
  subsets:
  - name: v1
    trafficPolicy:
      connectionPool: {}
`,
    want: [
      err('spec.trafficPolicy', 'traffic policy must have at least one field', 8),
      err('spec.subsets[0].trafficPolicy.connectionPool', 'connection pool must have at least one field', 12),
    ],
  },
  {
    name: 'outlier detection ranges and durations',
    spec: `
  host: reviews
  trafficPolicy:
    outlierDetection:
      consecutiveErrors: 5
      consecutiveLocalOriginFailures: 3
      interval: 0.5ms
      baseEjectionTime: 30
      maxEjectionPercent: 150
      minHealthPercent: -1
`,
    want: [
      warn('spec.trafficPolicy.outlierDetection.consecutiveErrors', 'outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead', 10),
      err('spec.trafficPolicy.outlierDetection.consecutiveLocalOriginFailures', 'outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false', 11),
      err('spec.trafficPolicy.outlierDetection.interval', 'duration must be greater than 1ms', 12),
      err('spec.trafficPolicy.outlierDetection.baseEjectionTime', 'time: invalid duration "30"', 13),
      err('spec.trafficPolicy.outlierDetection.maxEjectionPercent', 'percentage 150 is not in range 0..100', 14),
      err('spec.trafficPolicy.outlierDetection.minHealthPercent', 'percentage -1 is not in range 0..100', 15),
    ],
  },
  {
    name: 'connection pool limits',
    spec: `
  host: reviews
  trafficPolicy:
    connectionPool:
      tcp:
        maxConnections: -1
        connectTimeout: 1500us
      http:
        http2MaxRequests: -5
        h2UpgradePolicy: UPGRADE
        useClientProtocol: true
`,
    want: [
      err('spec.trafficPolicy.connectionPool.tcp.maxConnections', 'max connections must be non-negative', 11),
      err('spec.trafficPolicy.connectionPool.tcp.connectTimeout', 'only durations to ms precision are supported', 12),
      err('spec.trafficPolicy.connectionPool.http.http2MaxRequests', 'http2 max requests must be non-negative', 14),
      err('spec.trafficPolicy.connectionPool.http.useClientProtocol', 'use client protocol must not be true when H2UpgradePolicy is UPGRADE', 16),
    ],
  },
  {
    name: 'consistent hash: cookie name, maglev table size, deprecated ring size',
    spec: `
  host: reviews
  trafficPolicy:
    loadBalancer:
      consistentHash:
        httpCookie: {ttl: 10s}
        minimumRingSize: 1024
        maglev: {tableSize: 1000}
`,
    want: [
      err('spec.trafficPolicy.loadBalancer.consistentHash.httpCookie', 'name required for HttpCookie', 11),
      warn('spec.trafficPolicy.loadBalancer.consistentHash.minimumRingSize', "consistent hash MinimumRingSize is deprecated, use ConsistentHashLB's RingHash configuration instead", 12),
      err('spec.trafficPolicy.loadBalancer.consistentHash.minimumRingSize', 'only one of MinimumRingSize or Maglev/Ringhash can be specified', 12),
      err('spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize', 'tableSize must be a prime number for maglev', 13),
    ],
  },
  {
    name: 'locality load balancing',
    spec: `
  host: reviews
  trafficPolicy:
    loadBalancer:
      localityLbSetting:
        distribute:
        - from: us-west/zone1/*
          to:
            "us-west/zone1/*": 60
            "us-west/zone2/*": 30
`,
    want: [err('spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to', 'total locality weight 90 != 100', 13)],
  },
  {
    name: 'locality failover without outlier detection',
    spec: `
  host: reviews
  trafficPolicy:
    loadBalancer:
      localityLbSetting:
        failover:
        - from: us-east
          to: us-east
`,
    want: [
      warn('spec.trafficPolicy.loadBalancer.localityLbSetting', 'outlier detection policy must be provided for failover', 10),
      err('spec.trafficPolicy.loadBalancer.localityLbSetting.failover[0]', 'locality lb failover settings must specify different regions', 12),
    ],
  },
  {
    name: 'client TLS: MUTUAL needs a certificate and key, or a credential',
    spec: `
  host: reviews
  trafficPolicy:
    tls:
      mode: MUTUAL
      caCertificates: /etc/ca.pem
    portLevelSettings:
    - port: {number: 443}
      tls:
        mode: MUTUAL
        credentialName: client-credential
    - port: {number: 8443}
      tls:
        mode: SIMPLE
        credentialName: client-credential
        caCertificates: /etc/ca.pem
`,
    want: [
      err('spec.trafficPolicy.tls', 'client certificate required for mutual tls', 9),
      err('spec.trafficPolicy.tls', 'private key required for mutual tls', 9),
      err('spec.trafficPolicy.portLevelSettings[1].tls.credentialName', 'cannot specify client certificates or CA certificate or CA CRL If credentialName is set', 20),
    ],
  },
  {
    name: 'client TLS: insecureSkipVerify with a CA',
    spec: `
  host: reviews
  trafficPolicy:
    tls:
      mode: SIMPLE
      insecureSkipVerify: true
      subjectAltNames: [reviews.example.com]
`,
    want: [err('spec.trafficPolicy.tls.insecureSkipVerify', 'cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true', 11)],
  },
  {
    name: 'port-level settings need a port and a policy',
    spec: `
  host: reviews
  trafficPolicy:
    portLevelSettings:
    - loadBalancer: {simple: LEAST_REQUEST}
    - port: {number: 80}
`,
    want: [
      err('spec.trafficPolicy.portLevelSettings[0]', 'portTrafficPolicy must have valid port', 10),
      err('spec.trafficPolicy.portLevelSettings[1]', 'port traffic policy must have at least one field', 11),
    ],
  },
  {
    name: 'workload selector limits exportTo',
    spec: `
  host: reviews
  workloadSelector:
    matchLabels: {app: reviews}
  exportTo: ["*"]
  trafficPolicy:
    tls: {mode: ISTIO_MUTUAL}
`,
    want: [err('spec.exportTo', 'destination rule with workload selector cannot have exportTo beyond current namespace', 10)],
  },
  {
    name: 'tunnel settings',
    spec: `
  host: reviews
  trafficPolicy:
    tunnel:
      protocol: GET
      targetHost: bad_host
      targetPort: 0
`,
    want: [
      err('spec.trafficPolicy.tunnel.protocol', 'tunnel protocol must be "CONNECT" or "POST"', 10),
      err('spec.trafficPolicy.tunnel.targetHost', 'tunnel target host must be valid FQDN or IP address: domain name "bad_host" invalid (label "bad_host" invalid); bad_host is not a valid IP', 11),
      err('spec.trafficPolicy.tunnel.targetPort', 'tunnel target port is invalid: port number 0 must be in the range 1..65535', 12),
    ],
  },
];

describe('DestinationRule semantic validation', () => {
  runCases('networking.istio.io/v1', 'DestinationRule', CASES);
});
