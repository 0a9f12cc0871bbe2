// Test helper: YAML text → analyzer messages as istioctl prints them (file `t.yaml`).
import { ingestYaml } from '../ingest.js';
import { formatProblem } from '../problems/problem.js';
import { analyze, type AnalyzeOptions } from './analyze.js';

export async function analyzeText(yaml: string, options: AnalyzeOptions = { allNamespaces: true }): Promise<string[]> {
  const ingested = await ingestYaml(yaml, { file: 't.yaml' });
  const rejected = ingested.problems.map(formatProblem);
  if (rejected.length > 0) throw new Error(`test YAML does not ingest cleanly:\n${rejected.join('\n')}`);
  return analyze(ingested.accepted, options).map(formatProblem);
}
export const SVC_REVIEWS = `apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec:
  selector: {app: reviews}
  ports:
  - {name: http, port: 9080}
`;

export const DR_REVIEWS = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
`;

export const INGRESS = `apiVersion: v1
kind: Pod
metadata: {name: ingress-1, namespace: istio-system, labels: {istio: ingressgateway}}
spec: {containers: [{name: istio-proxy, image: proxy}]}
---
apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  ports:
  - {name: http2, port: 80, targetPort: 8080}
  - {name: https, port: 443, targetPort: 8443}
`;

export const GW_BOOKINFO = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: bookinfo-gateway, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["bookinfo.example.com"]
`;
