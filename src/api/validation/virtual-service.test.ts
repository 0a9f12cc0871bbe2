import { describe } from 'node:test';
import { err, runCases, warn, type Case } from './case-runner.js';

// The spec starts on line 7 of every case document (see case-runner.ts).
const CASES: Case[] = [
  {
    name: 'valid weighted split',
    spec: `
  hosts:
  - reviews.default.svc.cluster.local
  http:
  - route:
    - destination:
        host: reviews
        subset: v1
      weight: 70
    - destination:
        host: reviews
        subset: v2
      weight: 30
`,
    want: [],
  },
  {
    // Current Istio treats weights as proportions: only negative weights and an all-zero split are errors.
    name: 'weights need not add up to 100',
    spec: `
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 50
    - destination: {host: reviews, subset: v2}
      weight: 20
`,
    want: [],
  },
  {
    name: 'negative weight',
    spec: `
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 110
    - destination: {host: reviews, subset: v2}
      weight: -10
`,
    want: [err('spec.http[0].route[1].weight', 'weight -10 < 0', 13)],
  },
  {
    name: 'all weights zero',
    spec: `
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 0
    - destination: {host: reviews, subset: v2}
`,
    want: [err('spec.http[0].route', 'total destination weight = 0', 9)],
  },
  {
    name: 'redirect with a route',
    spec: `
  hosts: [reviews]
  http:
  - redirect:
      uri: /v2
    route:
    - destination: {host: reviews}
`,
    want: [err('spec.http[0].redirect', 'HTTP route cannot contain both route and redirect', 9)],
  },
  {
    name: 'redirect with a direct response and a rewrite',
    spec: `
  hosts: [reviews]
  http:
  - redirect:
      uri: /v2
    rewrite:
      uri: /v3
    directResponse:
      status: 200
`,
    want: [
      err('spec.http[0].rewrite', 'HTTP route rule cannot contain both rewrite and redirect', 11),
      err('spec.http[0].directResponse', 'HTTP route rule cannot contain both direct_response and redirect', 13),
    ],
  },
  {
    name: 'a route with nothing to do',
    spec: `
  hosts: [reviews]
  http:
  - match:
    - uri: {prefix: /v1}
`,
    want: [err('spec.http[0]', 'Schema validation error: HTTP route, redirect or direct_response is required', 9)],
  },
  {
    name: 'no routes at all',
    spec: `
  hosts: [reviews]
`,
    want: [err('spec', 'http, tcp or tls must be provided in virtual service', 6)],
  },
  {
    name: 'destination without a host, and a route without a destination',
    spec: `
  hosts: [reviews]
  http:
  - route:
    - destination:
        subset: v1
      weight: 50
    - weight: 50
`,
    want: [
      err('spec.http[0].route[0].destination.host', 'empty domain name not allowed', 10),
      err('spec.http[0].route[1]', 'destination is required', 13),
    ],
  },
  {
    name: 'destination host *, bad subset name, port out of range',
    spec: `
  hosts: [reviews]
  http:
  - route:
    - destination:
        host: "*"
        subset: V1_beta
        port:
          number: 70000
`,
    want: [
      err('spec.http[0].route[0].destination.host', 'invalid destination host *', 11),
      err('spec.http[0].route[0].destination.subset', 'subset name is invalid: V1_beta', 12),
      err('spec.http[0].route[0].destination.port.number', 'port number 70000 must be in the range 1..65535', 14),
    ],
  },
  {
    name: 'invalid RE2 regexes',
    spec: `
  hosts: [reviews]
  http:
  - match:
    - uri:
        regex: "[a"
      headers:
        x-user:
          regex: "a(?=b)"
    route:
    - destination: {host: reviews}
`,
    want: [
      err('spec.http[0].match[0].uri', '"uri": error parsing regexp: missing closing ]: `[a`; Istio uses RE2 style regex-based match', 10),
      err('spec.http[0].match[0].headers.x-user', '"headers": error parsing regexp: invalid or unsupported Perl syntax: `(?=`', 13),
    ],
  },
  {
    name: 'empty prefix on a header match, allowed on the URI',
    spec: `
  hosts: [reviews]
  http:
  - match:
    - uri: {prefix: ""}
      headers:
        x-user: {prefix: ""}
    route:
    - destination: {host: reviews}
`,
    want: [err('spec.http[0].match[0].headers.x-user', '"headers": prefix string match should not be empty', 12)],
  },
  {
    name: 'retries',
    spec: `
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
    retries:
      attempts: -1
      perTryTimeout: 500us
      retryOn: 5xx,bogus,503
`,
    want: [
      err('spec.http[0].retries.attempts', 'attempts cannot be negative', 12),
      err('spec.http[0].retries.perTryTimeout', 'duration must be greater than 1ms', 13),
      err('spec.http[0].retries.retryOn', '"bogus" is not a valid retryOn policy', 14),
    ],
  },
  {
    name: 'retry policy with attempts 0',
    spec: `
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
    retries:
      attempts: 0
      retryOn: gateway-error
`,
    want: [err('spec.http[0].retries.attempts', 'http retry policy configured when attempts are set to 0 (disabled)', 12)],
  },
  {
    name: 'fault percentages and status',
    spec: `
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
    fault:
      abort:
        percentage: {value: 150}
        httpStatus: 700
      delay:
        percentage: {value: 0.00001}
        fixedDelay: 5s
`,
    want: [
      err('spec.http[0].fault.abort.percentage', 'percentage 150 is neither 0.0, nor in range [0.0001, 100.0]', 13),
      err('spec.http[0].fault.abort.httpStatus', 'HTTP status 700 is not in range 200-599', 14),
      err('spec.http[0].fault.delay.percentage', 'percentage 1e-05 is neither 0.0, nor in range [0.0001, 100.0]', 16),
    ],
  },
  {
    name: 'fault without abort or delay, abort without an error type',
    spec: `
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
    fault: {}
  - route:
    - destination: {host: reviews}
    fault:
      abort:
        percentage: {value: 10}
`,
    want: [
      err('spec.http[0].fault', 'HTTP fault injection must have an abort and/or a delay', 11),
      { code: 'IST0130', path: 'spec.http[1]', message: 'VirtualService rule #1 not used (only the last rule can have no matches).', line: 12 },
      warn('spec.http[1].fault.abort', 'Schema validation warning: abort configured, but error type not set', 15),
    ],
  },
  {
    name: 'header operations',
    spec: `
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
      headers:
        response:
          add:
            Host: x
    headers:
      request:
        set:
          ":path": /x
          x-trace: "abc%"
        remove: [host]
`,
    want: [
      err('spec.http[0].route[0].headers.response.add.Host', 'invalid header "Host": cannot set Host header', 14),
      err('spec.http[0].headers.request.set[:path]', 'invalid header ":path": header cannot have ":" prefix', 18),
      err('spec.http[0].headers.request.set.x-trace', 'header value configuration: invalid header configuration. Un-escaped %', 19),
      err('spec.http[0].headers.request.remove[0]', 'invalid header "host": cannot set Host header', 20),
    ],
  },
  {
    name: 'authority rewritten twice',
    spec: `
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
    rewrite:
      authority: a.example.com
    headers:
      request:
        set:
          ":authority": b.example.com
`,
    want: [err('spec.http[0].headers.request.set[:authority]', 'authority header cannot be set multiple times: have "a.example.com", attempting to set "b.example.com"', 16)],
  },
  {
    name: 'timeouts',
    spec: `
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
    timeout: 10x
  - route:
    - destination: {host: reviews}
    timeout: 1500us
    match:
    - uri: {prefix: /a}
`,
    want: [
      err('spec.http[0].timeout', 'time: unknown unit "x" in duration "10x"', 11),
      { code: 'IST0130', path: 'spec.http[1]', message: 'VirtualService rule #1 not used (route without matches defined before).', line: 12 },
      err('spec.http[1].timeout', 'only durations to ms precision are supported', 14),
    ],
  },
  {
    name: 'mirror percentage and mirror with mirrors',
    spec: `
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
    mirror: {host: reviews-shadow}
    mirrors:
    - destination: {host: reviews-shadow}
      percentage: {value: 101}
    mirrorPercentage: {value: 150}
`,
    want: [
      err('spec.http[0].mirrors', 'HTTP route cannot contain both mirror and mirrors', 12),
      err('spec.http[0].mirrors[0].percentage', 'mirror percentage must have a max value of 100 (it has 101.000000)', 14),
      err('spec.http[0].mirrorPercentage', 'mirror_percentage must have a max value of 100 (it has 150.000000)', 15),
    ],
  },
  {
    name: 'redirect details',
    spec: `
  hosts: [reviews]
  http:
  - redirect:
      uri: /x
      redirectCode: 200
  - redirect: {}
`,
    want: [
      err('spec.http[0].redirect', '200 is not a valid redirect code, must be 3xx', 9),
      err('spec.http[1].redirect', 'redirect must specify URI, authority, scheme, or port', 12),
      { code: 'IST0130', path: 'spec.http[1]', message: 'only the last rule can have no matches', line: 12 },
    ],
  },
  {
    name: 'rewrite needs something to rewrite',
    spec: `
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
    rewrite: {}
`,
    want: [err('spec.http[0].rewrite', 'rewrite must specify at least one of URI, UriRegexRewrite, or authority', 11)],
  },
  {
    name: 'CORS',
    spec: `
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
    corsPolicy:
      allowOrigins:
      - exact: ""
      allowMethods: [GET, FETCH]
      maxAge: 1500ms
`,
    want: [
      err('spec.http[0].corsPolicy.allowOrigins[0]', "'' is not a valid match type for CORS allow origins", 13),
      err('spec.http[0].corsPolicy.allowMethods[1]', '"FETCH" is not a supported HTTP method', 14),
      err('spec.http[0].corsPolicy.maxAge', 'max_age duration is accurate only to seconds precision', 15),
    ],
  },
  {
    name: 'hosts: * for the mesh, invalid names, overlapping wildcards',
    spec: `
  hosts:
  - "*"
  - bad_host
  http:
  - route:
    - destination: {host: reviews}
`,
    want: [
      err('spec.hosts[0]', 'wildcard host * is not allowed for virtual services bound to the mesh gateway', 8),
      err('spec.hosts[1]', 'domain name "bad_host" invalid (label "bad_host" invalid)', 9),
    ],
  },
  {
    name: 'hosts: * at a gateway is fine, duplicates are not',
    spec: `
  hosts:
  - "*.example.com"
  - "a.example.com"
  gateways: [istio-system/ingress]
  http:
  - route:
    - destination: {host: reviews}
`,
    want: [err('spec.hosts[1]', 'duplicate hosts in virtual service: *.example.com & a.example.com', 9)],
  },
  {
    name: 'gateway names',
    spec: `
  hosts: [reviews.example.com]
  gateways:
  - Bad_NS/gw
  - gw.istio-system
  http:
  - route:
    - destination: {host: reviews}
`,
    want: [
      err('spec.gateways[0]', 'invalid value for namespace: "Bad_NS"', 9),
      warn('spec.gateways[1]', 'using legacy gatewayName format "gw.istio-system"; prefer the <namespace>/<name> format: "istio-system/gw"', 10),
    ],
  },
  {
    name: 'JWT claim routing needs a gateway',
    spec: `
  hosts: [reviews]
  http:
  - match:
    - headers:
        "@request.auth.claims.group": {exact: admin}
    route:
    - destination: {host: reviews}
`,
    want: [err('spec.http[0].match[0].headers[@request.auth.claims.group]', 'JWT claim based routing (key: @request.auth.claims.group) is only supported for gateway, found no gateways: []', 11)],
  },
  {
    name: 'delegate VirtualService: no gateways, no tcp',
    spec: `
  gateways: [istio-system/ingress]
  http:
  - route:
    - destination: {host: reviews}
  tcp:
  - route:
    - destination: {host: reviews}
`,
    want: [
      err('spec.gateways', 'delegate virtual service must have no gateways specified', 7),
      err('spec.tcp', 'delegate virtual service must have no tcp route specified', 11),
    ],
  },
  {
    name: 'root route with a delegate may not also route',
    spec: `
  hosts: [reviews]
  http:
  - name: root
    delegate: {name: reviews-delegate, namespace: team-a}
    route:
    - destination: {host: reviews}
`,
    want: [err('spec.http[0].route', 'root HTTP route root must not specify route', 11)],
  },
  {
    name: 'TLS route: SNI host outside the hosts, missing route',
    spec: `
  hosts: [a.example.com]
  gateways: [mesh]
  tls:
  - match:
    - sniHosts: [b.example.com]
`,
    want: [
      err('spec.tls[0]', 'TLS route is required', 10),
      err('spec.tls[0].match[0].sniHosts[0]', 'SNI host "b.example.com" is not a compatible subset of any of the virtual service hosts: [a.example.com]', 11),
    ],
  },
  {
    name: 'TCP route: bad subnet and port',
    spec: `
  hosts: [db.example.com]
  tcp:
  - match:
    - destinationSubnets: [10.0.0.0/33]
      port: 0
    - port: 99999
    route:
    - destination: {host: db.example.com}
`,
    want: [
      err('spec.tcp[0].match[0].destinationSubnets[0]', '10.0.0.0/33 is not a valid CIDR block', 10),
      err('spec.tcp[0].match[1].port', 'port number 99999 must be in the range 1..65535', 12),
    ],
  },
  {
    name: 'duplicate and covered matches',
    spec: `
  hosts: [reviews]
  http:
  - name: api
    match:
    - uri: {prefix: /api}
    route:
    - destination: {host: reviews}
  - name: api-v1
    match:
    - uri: {prefix: /api/v1}
    route:
    - destination: {host: reviews}
  - match:
    - name: again
      uri: {prefix: /api}
    route:
    - destination: {host: reviews}
`,
    want: [
      { code: 'IST0131', path: 'spec.http[1].match[0]', message: 'VirtualService rule "api-v1" match #0 of prefix /api/v1 is not used (duplicate/overlapping match in rule #0 of prefix /api on "api").', line: 16 },
      { code: 'IST0130', path: 'spec.http[2]', message: 'VirtualService rule #2 not used (all matches used by prior rules).', line: 19 },
      { code: 'IST0131', path: 'spec.http[2].match[0]', message: 'VirtualService rule #2 match "again" is not used (duplicate/overlapping match in rule "api").', line: 20 },
    ],
  },
  {
    name: 'exportTo',
    spec: `
  hosts: [reviews]
  exportTo: [default, ".", "*"]
  http:
  - route:
    - destination: {host: reviews}
`,
    want: [
      err('spec.exportTo', 'cannot have both public (*) and non-public exportTo values for a resource', 8),
      err('spec.exportTo[1]', 'duplicate entries in exportTo: . and current namespace default', 8),
    ],
  },
];

describe('VirtualService semantic validation', () => {
  runCases('networking.istio.io/v1', 'VirtualService', CASES);
});
