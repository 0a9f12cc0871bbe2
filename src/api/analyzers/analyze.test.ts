import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeText, DR_REVIEWS, GW_BOOKINFO, INGRESS, SVC_REVIEWS } from './testing.js';

interface Case {
  readonly name: string;
  readonly yaml: string;
  readonly want: readonly string[];
}

function runCases(cases: readonly Case[]): void {
  for (const c of cases) test(c.name, async () => assert.deepEqual(await analyzeText(c.yaml), c.want));
}

const vs = (body: string, name = 'reviews', ns = 'default'): string =>
  `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n${body}`;

describe('IST0101 ReferencedResourceNotFound: VirtualService destinations', () => {
  runCases([
    {
      name: 'known host and subset: clean',
      yaml: `${SVC_REVIEWS}---\n${DR_REVIEWS}---\n${vs('  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews, subset: v1}\n')}`,
      want: [],
    },
    {
      name: 'unknown host',
      yaml: `${SVC_REVIEWS}---\n${vs('  hosts: [reviews]\n  http:\n  - route:\n    - destination:\n        host: productpage\n')}`,
      want: ['Error [IST0101] (VirtualService default/reviews t.yaml:17) Referenced host not found: "productpage"'],
    },
    {
      name: 'unknown subset',
      yaml: `${SVC_REVIEWS}---\n${DR_REVIEWS}---\n${vs('  hosts: [reviews]\n  http:\n  - route:\n    - destination:\n        host: reviews\n        subset: v3\n')}`,
      want: ['Error [IST0101] (VirtualService default/reviews t.yaml:27) Referenced host+subset in destinationrule not found: "reviews+v3"'],
    },
    {
      name: 'subset with no DestinationRule at all; tcp and mirror destinations are checked too',
      yaml: `${SVC_REVIEWS}---\n${vs('  hosts: [reviews]\n  http:\n  - mirror: {host: ratings}\n    route:\n    - destination: {host: reviews, subset: v1}\n  tcp:\n  - route:\n    - destination: {host: db}\n')}`,
      want: [
        'Error [IST0101] (VirtualService default/reviews t.yaml:15) Referenced mirror host not found: "ratings"',
        'Error [IST0101] (VirtualService default/reviews t.yaml:17) Referenced host+subset in destinationrule not found: "reviews+v1"',
        'Error [IST0101] (VirtualService default/reviews t.yaml:20) Referenced host not found: "db"',
      ],
    },
    {
      name: 'FQDN and name.namespace forms of a Service, and a ServiceEntry wildcard host, resolve',
      yaml: `${SVC_REVIEWS}---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext, namespace: default}
spec:
  hosts: ["*.example.com"]
  ports: [{number: 443, name: tls, protocol: TLS}]
  resolution: NONE
---
${vs('  hosts: [reviews]\n  http:\n  - match: [{uri: {prefix: /a}}]\n    route:\n    - destination: {host: reviews.default.svc.cluster.local}\n  - route:\n    - destination: {host: reviews.default}\n')}---
${vs('  hosts: [api.example.com]\n  tls:\n  - match: [{sniHosts: [api.example.com]}]\n    route:\n    - destination: {host: api.example.com}\n', 'api')}`,
      want: [],
    },
    {
      name: 'a short host resolves in the VirtualService namespace',
      yaml: `${SVC_REVIEWS}---\n${vs('  hosts: [reviews.default.svc.cluster.local]\n  http:\n  - route:\n    - destination: {host: reviews}\n', 'reviews', 'other')}`,
      want: ['Error [IST0101] (VirtualService other/reviews t.yaml:16) Referenced host not found: "reviews"'],
    },
    {
      name: 'a port the service does not have',
      yaml: `${SVC_REVIEWS}---\n${vs('  hosts: [reviews]\n  http:\n  - route:\n    - destination:\n        host: reviews\n        port: {number: 8080}\n')}`,
      want: ['Error [IST0101] (VirtualService default/reviews t.yaml:17) Referenced host:port not found: "reviews:8080"'],
    },
  ]);
});

describe('IST0101 / IST0132: VirtualService gateways', () => {
  runCases([
    {
      name: 'a gateway that does not exist: IST0101, and IST0132 since nothing accepts the hosts (as Istio)',
      yaml: `${SVC_REVIEWS}---\n${vs('  hosts: [reviews]\n  gateways:\n  - bogus\n  - mesh\n  http:\n  - route:\n    - destination: {host: reviews}\n')}`,
      want: [
        'Error [IST0101] (VirtualService default/reviews t.yaml:15) Referenced gateway not found: "bogus"',
        'Warning [IST0132] (VirtualService default/reviews t.yaml:15) one or more host [reviews] defined in VirtualService default/reviews not found in Gateway default/bogus.',
      ],
    },
    {
      name: 'a Gateway API Gateway may be named; its listener hostnames bind',
      yaml: `${SVC_REVIEWS}---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: kgw, namespace: default}
spec:
  gatewayClassName: istio
  listeners:
  - {name: http, port: 80, protocol: HTTP, hostname: "*.example.com"}
---
${vs('  hosts: [reviews.example.com]\n  gateways: [kgw]\n  http:\n  - route:\n    - destination: {host: reviews}\n')}---
${vs('  hosts: [reviews.other.org]\n  gateways: [kgw]\n  http:\n  - route:\n    - destination: {host: reviews}\n', 'other')}`,
      want: ['Warning [IST0132] (VirtualService default/other t.yaml:32) one or more host [reviews.other.org] defined in VirtualService default/other not found in Gateway default/kgw.'],
    },
    {
      name: 'bound gateway found, host matches: clean (namespace/name form too)',
      yaml: `${INGRESS}---\n${GW_BOOKINFO}---\n${SVC_REVIEWS}---\n${vs('  hosts: [bookinfo.example.com]\n  gateways: [default/bookinfo-gateway]\n  http:\n  - route:\n    - destination: {host: reviews.default.svc.cluster.local}\n', 'bookinfo', 'other')}`,
      want: [],
    },
    {
      name: 'no VirtualService host is served by the gateway',
      yaml: `${INGRESS}---\n${GW_BOOKINFO}---\n${SVC_REVIEWS}---\n${vs('  hosts: [reviews.example.com, ratings.example.com]\n  gateways: [bookinfo-gateway]\n  http:\n  - route:\n    - destination: {host: reviews}\n', 'bookinfo')}`,
      want: ['Warning [IST0132] (VirtualService default/bookinfo t.yaml:37) one or more host [reviews.example.com ratings.example.com] defined in VirtualService default/bookinfo not found in Gateway default/bookinfo-gateway.'],
    },
    {
      name: 'gateway named in a match',
      yaml: `${SVC_REVIEWS}---\n${vs('  hosts: [reviews]\n  http:\n  - match:\n    - gateways: [missing-gw]\n    route:\n    - destination: {host: reviews}\n')}`,
      want: ['Error [IST0101] (VirtualService default/reviews t.yaml:16) Referenced gateway not found: "missing-gw"'],
    },
  ]);
});

describe('IST0109 ConflictingMeshGatewayVirtualServiceHosts', () => {
  runCases([
    {
      name: 'two mesh VirtualServices for one host (short and FQDN spelling)',
      yaml: `${SVC_REVIEWS}---\n${vs('  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews}\n', 'a')}---\n${vs('  hosts: [reviews.default.svc.cluster.local]\n  http:\n  - route:\n    - destination: {host: reviews}\n', 'b')}`,
      want: [
        'Error [IST0109] (VirtualService default/a t.yaml:11) The VirtualServices default/a,default/b associated with mesh gateway define the same host */reviews.default.svc.cluster.local which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.',
        'Error [IST0109] (VirtualService default/b t.yaml:20) The VirtualServices default/a,default/b associated with mesh gateway define the same host */reviews.default.svc.cluster.local which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.',
      ],
    },
    {
      name: 'bound to a gateway only, or exported to disjoint namespaces: no conflict',
      yaml: `${INGRESS}---\n${GW_BOOKINFO.replace('"bookinfo.example.com"', '"*"')}---\n${SVC_REVIEWS}---
${vs('  hosts: [reviews]\n  exportTo: ["."]\n  http:\n  - route:\n    - destination: {host: reviews}\n', 'a')}---
${vs('  hosts: [reviews.default.svc.cluster.local]\n  exportTo: [foo]\n  http:\n  - route:\n    - destination: {host: reviews}\n', 'b')}---
${vs('  hosts: [reviews]\n  gateways: [bookinfo-gateway]\n  http:\n  - route:\n    - destination: {host: reviews}\n', 'c')}`,
      want: [],
    },
    {
      name: 'exported everywhere conflicts with one exported to a namespace; the host prints with its scope',
      yaml: `${SVC_REVIEWS}---
${vs('  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews}\n', 'a')}---
${vs('  hosts: [reviews]\n  exportTo: [foo]\n  http:\n  - route:\n    - destination: {host: reviews}\n', 'b')}`,
      want: [
        'Error [IST0109] (VirtualService default/a t.yaml:11) The VirtualServices default/a,default/b associated with mesh gateway define the same host foo/reviews.default.svc.cluster.local which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.',
        'Error [IST0109] (VirtualService default/b t.yaml:20) The VirtualServices default/a,default/b associated with mesh gateway define the same host foo/reviews.default.svc.cluster.local which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.',
      ],
    },
  ]);
});

describe('IST0104 / IST0101 selector / IST0145: Gateways', () => {
  const gw = (name: string, port: number, hosts: string): string =>
    `apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: ${name}, namespace: default}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n  - port: {number: ${port}, name: p${port}, protocol: HTTP}\n    hosts: [${hosts}]\n`;
  runCases([
    {
      name: 'ports on the workload service: clean',
      yaml: `${INGRESS}---\n${GW_BOOKINFO}`,
      want: [],
    },
    {
      name: 'no pod matches the selector',
      yaml: GW_BOOKINFO.replace('{istio: ingressgateway}', '{app: my-gw}'),
      want: ['Error [IST0101] (Gateway default/bookinfo-gateway t.yaml:5) Referenced selector not found: "app=my-gw"'],
    },
    {
      name: 'istio=ingressgateway with no pod stands for the system ingress and its default ports (as Istio)',
      yaml: `${GW_BOOKINFO}---\n${gw('gw443', 443, '"*"')}---\n${gw('gw8443', 8443, '"*"')}`,
      want: ['Warning [IST0104] (Gateway default/gw8443 t.yaml:25) The gateway refers to a port that is not exposed on the workload (pod selector istio=ingressgateway; port 8443)'],
    },
    {
      name: 'a port the gateway workload does not expose',
      yaml: `${INGRESS}---\n${gw('gw8080', 8080, '"*"')}`,
      want: ['Warning [IST0104] (Gateway default/gw8080 t.yaml:21) The gateway refers to a port that is not exposed on the workload (pod selector istio=ingressgateway; port 8080)'],
    },
    {
      name: 'same selector, port and host: one message per server naming every other gateway',
      yaml: `${INGRESS}---\n${gw('a', 80, 'a.example.com')}---\n${gw('b', 80, '"*.example.com", a.example.com')}---\n${gw('c', 443, 'a.example.com')}---\n${gw('d', 80, 'a.example.com')}`,
      want: [
        'Error [IST0145] (Gateway default/a t.yaml:21) Conflict with gateways default/b,default/d (workload selector istio=ingressgateway, port 80, hosts a.example.com).',
        'Error [IST0145] (Gateway default/b t.yaml:30) Conflict with gateways default/a,default/d (workload selector istio=ingressgateway, port 80, hosts *.example.com,a.example.com).',
        'Error [IST0145] (Gateway default/d t.yaml:48) Conflict with gateways default/a,default/b (workload selector istio=ingressgateway, port 80, hosts a.example.com).',
      ],
    },
    {
      name: 'overlapping but differently written hosts do not conflict (Istio compares host strings)',
      yaml: `${INGRESS}---\n${gw('a', 80, 'a.example.com')}---\n${gw('b', 80, '"*.example.com"')}`,
      want: [],
    },
  ]);
});

describe('IST0108 UnknownAnnotation', () => {
  runCases([
    {
      name: 'known annotations pass, an unknown istio.io one is reported at its key',
      yaml: `apiVersion: v1
kind: Service
metadata:
  name: reviews
  namespace: default
  annotations:
    networking.istio.io/exportTo: "."
    sidecar.istio.io/inject: "true"
    sidecar.istio.io/injectt: "true"
    example.com/anything: x
    istio.io/rev: canary
spec:
  ports: [{name: http, port: 80}]
`,
      want: ['Warning [IST0108] (Service default/reviews t.yaml:9) Unknown annotation: sidecar.istio.io/injectt'],
    },
  ]);
});

describe('IST0118 PortNameIsNotUnderNamingConvention', () => {
  runCases([
    {
      name: 'unnamed and badly named ports; appProtocol, UDP and well-named ports pass',
      yaml: `apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  ports:
  - {port: 80, targetPort: 8080}
  - {name: foo-http, port: 81}
  - {name: web, port: 82, appProtocol: http}
  - {name: dns, port: 53, protocol: UDP}
  - {name: grpc-web, port: 83}
  - {name: http2-api, port: 84}
`,
      want: [
        "Info [IST0118] (Service default/web t.yaml:6) Port name  (port: 80, targetPort: 8080) doesn't follow the naming convention of Istio port.",
        "Info [IST0118] (Service default/web t.yaml:7) Port name foo-http (port: 81, targetPort: 81) doesn't follow the naming convention of Istio port.",
      ],
    },
  ]);
});

describe('IST0128 / IST0129 DestinationRule TLS without caCertificates', () => {
  runCases([
    {
      name: 'SIMPLE at destination level and MUTUAL at port level; ISTIO_MUTUAL passes; credentialName passes only with a workloadSelector',
      yaml: `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ext, namespace: default}
spec:
  host: api.example.com
  trafficPolicy:
    tls:
      mode: SIMPLE
    portLevelSettings:
    - port: {number: 8443}
      tls:
        mode: MUTUAL
        clientCertificate: /c.pem
        privateKey: /k.pem
    - port: {number: 9443}
      tls: {mode: SIMPLE, credentialName: ext-ca}
    - port: {number: 15443}
      tls: {mode: ISTIO_MUTUAL}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: selected, namespace: default}
spec:
  host: api.example.com
  workloadSelector: {matchLabels: {app: egress}}
  trafficPolicy:
    tls: {mode: SIMPLE, credentialName: ext-ca}
`,
      want: [
        'Warning [IST0128] (DestinationRule default/ext t.yaml:8) DestinationRule default/ext in namespace default has TLS mode set to SIMPLE but no caCertificates are set to validate server identity for host: api.example.com',
        'Warning [IST0129] (DestinationRule default/ext t.yaml:12) DestinationRule default/ext in namespace default has TLS mode set to MUTUAL but no caCertificates are set to validate server identity for host: api.example.com at port number:8443',
        'Warning [IST0129] (DestinationRule default/ext t.yaml:16) DestinationRule default/ext in namespace default has TLS mode set to SIMPLE but no caCertificates are set to validate server identity for host: api.example.com at port number:9443',
      ],
    },
  ]);
});

describe('IST0101: Gateway API backendRefs', () => {
  runCases([
    {
      name: 'a backendRef naming no Service',
      yaml: `${SVC_REVIEWS}---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
  - backendRefs:
    - {name: reviews, port: 9080}
    - name: nope
      port: 80
`,
      want: ['Error [IST0101] (HTTPRoute default/r t.yaml:17) Referenced backendRef not found: "nope.default.svc.cluster.local"'],
    },
  ]);
});

describe('namespace scope', () => {
  test('only the analyzed namespace is reported unless all namespaces', async () => {
    const yaml = vs('  hosts: [x]\n  http:\n  - route:\n    - destination: {host: x}\n', 'x', 'other');
    assert.deepEqual(await analyzeText(yaml, { namespace: 'default' }), []);
    assert.equal((await analyzeText(yaml, { namespace: 'other' })).length, 1);
  });

  test('a later document replaces an earlier one of the same name', async () => {
    const yaml = `${SVC_REVIEWS}---\n${vs('  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: nope}\n')}---\n${vs('  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews}\n')}`;
    assert.deepEqual(await analyzeText(yaml), []);
  });
});
