import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { ISSUE_SCENARIO, endpointSliceYaml, scenarioFiles, sidecarFiles, virtualServiceYaml } from './scenario.js';

interface Doc {
  kind: string;
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  spec?: { ports?: { name: string; port: number }[]; http?: { route: { weight: number }[] }[]; subsets?: { name: string }[]; egress?: { hosts: string[] }[] };
  endpoints?: { addresses: string[] }[];
}

function docs(texts: readonly string[]): Doc[] {
  return texts.flatMap((t) => parseAllDocuments(t).map((d) => d.toJS() as Doc));
}

describe('scenarioFiles (the issue scenario)', () => {
  const all = docs(scenarioFiles(ISSUE_SCENARIO).map((f) => f.text));
  const of = (kind: string) => all.filter((d) => d.kind === kind);

  test('1000 Services with http 8080 and grpc 9090, 4000 endpoints, 100 VirtualServices, 100 DestinationRules', () => {
    assert.equal(of('Service').length, 1000);
    for (const s of of('Service')) assert.deepEqual(s.spec?.ports?.map((p) => [p.name, p.port]), [['http', 8080], ['grpc', 9090]]);
    const slices = of('EndpointSlice');
    assert.equal(slices.length, 1000);
    assert.equal(slices.reduce((n, s) => n + (s.endpoints?.length ?? 0), 0), 4000);
    assert.equal(of('VirtualService').length, 100);
    assert.equal(of('DestinationRule').length, 100);
    for (const dr of of('DestinationRule')) assert.deepEqual(dr.spec?.subsets?.map((s) => s.name), ['v1', 'v2']);
    assert.equal(all.length, 2200);
  });

  test('spread evenly over 10 namespaces; every endpoint address distinct; slices name their Service', () => {
    const perNs = new Map<string, number>();
    for (const s of of('Service')) perNs.set(s.metadata.namespace, (perNs.get(s.metadata.namespace) ?? 0) + 1);
    assert.deepEqual([...perNs.values()], Array(10).fill(100));
    const addresses = of('EndpointSlice').flatMap((s) => s.endpoints!.flatMap((e) => e.addresses));
    assert.equal(new Set(addresses).size, 4000);
    for (const s of of('EndpointSlice')) assert.equal(s.metadata.labels?.['kubernetes.io/service-name'], s.metadata.name.replace(/-abc12$/, ''));
  });

  test('the changes: weights edited, one endpoint moved, the rest of the slice unchanged', () => {
    const [vs] = docs([virtualServiceYaml(0, ISSUE_SCENARIO, 50)]);
    assert.deepEqual(vs!.spec?.http?.[0]?.route.map((r) => r.weight), [50, 50]);
    const [before] = docs([endpointSliceYaml(1, ISSUE_SCENARIO, 0)]);
    const [after] = docs([endpointSliceYaml(1, ISSUE_SCENARIO, 1)]);
    assert.notDeepEqual(after!.endpoints![0], before!.endpoints![0]);
    assert.deepEqual(after!.endpoints!.slice(1), before!.endpoints!.slice(1));
  });

  test('one Sidecar per namespace, egress ./* and istio-system/*', () => {
    const sidecars = docs(sidecarFiles(ISSUE_SCENARIO).map((f) => f.text));
    assert.deepEqual(sidecars.map((s) => s.metadata.namespace), Array.from({ length: 10 }, (_, i) => `ns-${i}`));
    for (const s of sidecars) assert.deepEqual(s.spec?.egress, [{ hosts: ['./*', 'istio-system/*'] }]);
  });
});
