import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ingestYaml } from '../ingest.js';
import { formatProblem } from '../problems/problem.js';
import type { LoadedResource } from '../yaml/load-yaml.js';
import { analyze } from './analyze.js';

const seedDir = fileURLToPath(new URL('../../../../src/api/testdata/seed/', import.meta.url));

/**
 * Every whole resource of the seed guide analyzed together, in guide order (a later block of the
 * same name replaces an earlier one, as applying them in order would). Per-resource validation
 * problems are src/api/seed-fixtures.test.ts's business; these are the cross-resource findings,
 * each a true statement about the guide's YAML taken as one configuration:
 */
const EXPECTED = [
  // my-gateway serves dev/test.example.com; these VirtualServices bind it for other hosts.
  'Warning [IST0132] (VirtualService default/customers-route L2091-virtualservice-customers-route.yaml:10) one or more host [customers.default.svc.cluster.local] defined in VirtualService default/customers-route not found in Gateway default/my-gateway.',
  'Warning [IST0132] (VirtualService default/customers-service L3298-virtualservice-customers-service.yaml:11) one or more host [customers.example.com] defined in VirtualService default/customers-service not found in Gateway default/my-gateway.',
  // The guide's Service is `customers`, not `customers-service`.
  'Error [IST0101] (HTTPRoute default/customers-route L3865-httproute-customers-route.yaml:19) Referenced backendRef not found: "customers-service.default.svc.cluster.local"',
  // Two Gateways on the ingress gateway both serve `*` on port 80 (the guide shows them in different sections).
  'Error [IST0145] (Gateway default/istio-gateway L5018-gateway-istio-gateway.yaml:10) Conflict with gateways default/gateway (workload selector istio=ingressgateway, port 80, hosts *).',
  // The guide's Services leave their single port unnamed: protocol sniffing applies.
  "Info [IST0118] (Service default/hello-world L5049-hello-world-deployment-service.yaml:33) Port name  (port: 80, targetPort: 3000) doesn't follow the naming convention of Istio port.",
  'Error [IST0145] (Gateway default/gateway L6314-gateway-gateway.yaml:10) Conflict with gateways default/istio-gateway (workload selector istio=ingressgateway, port 80, hosts *).',
  "Info [IST0118] (Service default/web-frontend L6332-web-frontend-deployment-service-virtualservice.yaml:34) Port name  (port: 80, targetPort: 8080) doesn't follow the naming convention of Istio port.",
  "Info [IST0118] (Service default/customers L6386-customers-v1-v2-deployments-service-virtualservice-destinationrule.yaml:54) Port name  (port: 80, targetPort: 3000) doesn't follow the naming convention of Istio port.",
];

test('the seed guide analyzed as one configuration gives exactly the known findings', async () => {
  const accepted: LoadedResource[] = [];
  for (const file of readdirSync(seedDir).filter((f) => f.endsWith('.yaml')).sort()) {
    accepted.push(...(await ingestYaml(readFileSync(seedDir + file, 'utf8'), { file })).accepted);
  }
  assert.deepEqual(analyze(accepted, { allNamespaces: true }).map(formatProblem), EXPECTED);
});
