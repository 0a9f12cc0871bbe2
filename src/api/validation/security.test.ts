import { describe } from 'node:test';
import { err, runCases, warn, type Case } from './case-runner.js';

// The spec starts on line 7 of every case document (see case-runner.ts).
const P = 'invalid policy test.default: ';

const AUTHORIZATION_POLICY: Case[] = [
  {
    name: 'valid ALLOW with from, to and when',
    spec: `
  selector:
    matchLabels: {app: httpbin}
  action: ALLOW
  rules:
  - from:
    - source:
        principals: [cluster.local/ns/default/sa/sleep]
        ipBlocks: [10.0.0.0/8]
    to:
    - operation:
        methods: [GET]
        paths: ["/api/{*}/items/{**}"]
        ports: ["8080"]
    when:
    - key: request.headers[x-token]
      values: ["abc"]
    - key: source.ip
      notValues: [10.1.2.3]
`,
    want: [],
  },
  {
    name: 'DENY without rules; provider without CUSTOM',
    spec: `
  action: DENY
  provider: {name: ext-authz}
`,
    want: [
      err('spec', `${P}DENY action without \`rules\` is meaningless`, 6),
      err('spec.provider', `${P}\`provider\` must not be with non CUSTOM action, found DENY`, 8),
    ],
  },
  {
    name: 'CUSTOM needs a provider name and no identity conditions',
    spec: `
  action: CUSTOM
  rules:
  - from:
    - source:
        principals: [cluster.local/ns/default/sa/sleep]
`,
    want: [
      err('spec.provider', `${P}\`provider.name\` must not be empty`, 6),
      err('spec.rules[0].from[0].source.principals', `${P}From.Principals is currently not supported with CUSTOM action`, 11),
    ],
  },
  {
    name: 'empty from, empty source, empty operation',
    spec: `
  rules:
  - from: []
  - from:
    - source: {}
    to:
    - operation: {}
`,
    want: [
      err('spec.rules[0].from', `${P}\`from\` must not be empty, found at rule 0`, 8),
      err('spec.rules[1].from[0].source', `${P}\`from.source\` must not be empty, found at rule 1`, 10),
      err('spec.rules[1].to[0].operation', `${P}\`to.operation\` must not be empty, found at rule 1`, 12),
    ],
  },
  {
    name: 'bad values: IPs, ports, service accounts mixed with namespaces, empty strings',
    spec: `
  rules:
  - from:
    - source:
        ipBlocks: [10.0.0.300]
        namespaces: [default]
        serviceAccounts: [default/sleep]
    to:
    - operation:
        ports: ["http"]
        hosts: [""]
`,
    want: [
      err('spec.rules[0].from[0].source', `${P}cannot set serviceAccounts with namespaces or principals, found at rule 0`, 9),
      err('spec.rules[0].from[0].source.ipBlocks', `${P}bad IP address (10.0.0.300)`, 10),
      err('spec.rules[0].to[0].operation.ports', `${P}bad port (http): strconv.ParseUint: parsing "http": invalid syntax`, 15),
      err('spec.rules[0].to[0].operation.hosts', `${P}empty value not allowed, found in Hosts`, 16),
    ],
  },
  {
    name: 'when: keys and values',
    spec: `
  rules:
  - when:
    - key: source.ip
      values: [not-an-ip]
    - key: destination.labels[app]
      values: [x]
    - key: request.auth.claims
      values: [x]
    - key: request.auth.principal
    - key: foo.bar
      values: [x]
`,
    want: [
      err('spec.rules[0].when[0].values', `${P}invalid \`value\` for \`key\` source.ip: 1 error occurred:\n\t* bad IP address (not-an-ip)`, 10),
      // Istio checks notValues too, even when there are none, so a bad key is reported twice.
      err('spec.rules[0].when[1].notValues', `${P}invalid \`notValue\` for \`key\` destination.labels[app]: attribute destination.labels[app] is replaced by the workload selector`, 11),
      err('spec.rules[0].when[1].values', `${P}invalid \`value\` for \`key\` destination.labels[app]: attribute destination.labels[app] is replaced by the workload selector`, 12),
      err('spec.rules[0].when[2].notValues', `${P}invalid \`notValue\` for \`key\` request.auth.claims: bad key (request.auth.claims): should have format a[b]`, 13),
      err('spec.rules[0].when[2].values', `${P}invalid \`value\` for \`key\` request.auth.claims: bad key (request.auth.claims): should have format a[b]`, 14),
      err('spec.rules[0].when[3]', `${P}at least one of \`values\` or \`notValues\` must be set for key request.auth.principal`, 15),
      err('spec.rules[0].when[4].notValues', `${P}invalid \`notValue\` for \`key\` foo.bar: unknown attribute: foo.bar`, 16),
      err('spec.rules[0].when[4].values', `${P}invalid \`value\` for \`key\` foo.bar: unknown attribute: foo.bar`, 17),
    ],
  },
  {
    name: 'DENY with only HTTP attributes warns about TCP traffic',
    spec: `
  action: DENY
  rules:
  - to:
    - operation:
        methods: [POST]
`,
    want: [warn('spec.rules[0]', 'configured AuthorizationPolicy will deny all traffic to TCP ports under its scope due to the use of only HTTP attributes in a DENY rule', 9)],
  },
  {
    name: 'selector and targetRef together; targetRef kind',
    spec: `
  selector:
    matchLabels: {app: a}
  targetRef:
    kind: Deployment
    name: a
`,
    want: [
      err('spec', `${P}only one of targetRefs or workloadSelector can be set`, 6),
      err('spec.targetRef', `${P}targetRef must be to one of [core/v1/Service networking.istio.io/v1/ServiceEntry gateway.networking.k8s.io/v1/Gateway gateway.networking.k8s.io/v1/GatewayClass] but was /Deployment`, 9),
    ],
  },
  {
    name: 'dry-run annotation value',
    metadata: '  annotations:\n    istio.io/dry-run: "maybe"',
    spec: `
  action: ALLOW
`,
    want: [err('metadata.annotations[istio.io/dry-run]', 'default/test has annotation istio.io/dry-run with invalid value (maybe): strconv.ParseBool: parsing "maybe": invalid syntax', 7)],
  },
  {
    name: 'selector without labels; wildcard in a label',
    spec: `
  selector:
    matchLabels: {app: "web-*"}
`,
    want: [err('spec.selector.matchLabels.app', `${P}wildcard is not supported in selector: "app=web-*"`, 8)],
  },
];

const PEER_AUTHENTICATION: Case[] = [
  { name: 'valid namespace-wide STRICT', spec: '  mtls: {mode: STRICT}\n', want: [] },
  {
    name: 'valid port-level with a selector',
    spec: '  selector:\n    matchLabels: {app: db}\n  mtls: {mode: STRICT}\n  portLevelMtls:\n    "5432": {mode: PERMISSIVE}\n',
    want: [],
  },
  {
    name: 'port-level mTLS needs a selector; ports in range',
    spec: '  portLevelMtls:\n    "0": {mode: DISABLE}\n',
    want: [
      err('spec.portLevelMtls', 'mesh/namespace peer authentication cannot have port level mTLS', 7),
      err('spec.portLevelMtls[0]', 'port must be in range 1..65535', 8),
    ],
  },
  {
    name: 'empty port-level map',
    spec: '  selector:\n    matchLabels: {app: db}\n  portLevelMtls: {}\n',
    want: [err('spec.portLevelMtls', 'port level mTLS, if defined, must have at least one element', 9)],
  },
  {
    name: 'selector without labels is a warning',
    spec: '  selector: {}\n  mtls: {mode: STRICT}\n',
    want: [warn('spec.selector', 'workload selector specified without labels', 7)],
  },
];

const REQUEST_AUTHENTICATION: Case[] = [
  {
    name: 'valid',
    spec: `
  selector:
    matchLabels: {app: httpbin}
  jwtRules:
  - issuer: https://auth.example.com
    jwksUri: https://auth.example.com/.well-known/jwks.json
    fromHeaders:
    - name: Authorization
      prefix: "Bearer "
    outputClaimToHeaders:
    - {header: x-jwt-sub, claim: sub}
    timeout: 5s
`,
    want: [],
  },
  {
    name: 'issuer or jwksUri; URI scheme; inline JWKS; empty names',
    spec: `
  jwtRules:
  - audiences: [""]
  - issuer: a
    jwksUri: ftp://auth.example.com/jwks
    jwks: "not json"
    fromParams: [""]
    outputClaimToHeaders:
    - {header: "x_sub", claim: sub}
`,
    want: [
      err('spec.jwtRules[0]', 'issuer or jwksUri must be non-empty string', 8),
      err('spec.jwtRules[0].audiences[0]', 'audience must be non-empty string', 8),
      err('spec.jwtRules[1].jwksUri', 'URI scheme "ftp" is not supported', 10),
      err('spec.jwtRules[1].jwks', 'jwks parse error:', 11),
      err('spec.jwtRules[1].fromParams[0]', 'location query must be non-empty string', 12),
      err('spec.jwtRules[1].outputClaimToHeaders[0].header', 'header name x_sub is not a valid header name', 14),
    ],
  },
];

describe('AuthorizationPolicy semantic validation', () => runCases('security.istio.io/v1', 'AuthorizationPolicy', AUTHORIZATION_POLICY));
describe('PeerAuthentication semantic validation', () => runCases('security.istio.io/v1', 'PeerAuthentication', PEER_AUTHENTICATION));
describe('RequestAuthentication semantic validation', () => runCases('security.istio.io/v1', 'RequestAuthentication', REQUEST_AUTHENTICATION));
