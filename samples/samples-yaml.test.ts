import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { ingestYaml } from '../src/api/ingest.js';
import { findAppImage } from './apps/catalog.js';
import { localSampleFor } from './known-urls.js';

/**
 * Every Kubernetes/Istio YAML under samples/ goes through the same ingest `tsmesh apply` uses
 * (syntax, schema, webhook validation) with no problem at all, and every container image in them
 * is one the local platform can run.
 */

// Compiled to dist/samples/; the YAML stays in the source tree.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SAMPLES = join(ROOT, 'samples');

/**
 * Not Kubernetes resources, or not `kubectl apply` input:
 * - samples/envoy/: Envoy bootstrap files for `tsmesh proxy --bootstrap`;
 * - labs/tracing/tracing.yaml: the seed's IstioOperator for `istioctl install -f`, which (as in
 *   the seed) has no metadata.name — istioctl accepts that for install input; apply would not.
 */
const NOT_APPLY_INPUT = new Set(['samples/envoy', 'samples/labs/tracing/tracing.yaml']);

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (NOT_APPLY_INPUT.has(relative(ROOT, p))) continue;
    if (statSync(p).isDirectory()) yamlFiles(p, out);
    else if (/\.ya?ml$/.test(name)) out.push(p);
  }
  return out;
}

describe('sample YAML', () => {
  const files = yamlFiles(SAMPLES);
  it('finds the samples', () => {
    const rel = files.map((f) => relative(ROOT, f));
    for (const must of [
      'samples/bookinfo/platform/kube/bookinfo.yaml',
      'samples/bookinfo/networking/bookinfo-gateway.yaml',
      'samples/bookinfo/gateway-api/bookinfo-gateway.yaml',
      'samples/httpbin/httpbin.yaml',
      'samples/sleep/sleep.yaml',
      'samples/labs/lab3/hello-world.yaml',
      'samples/labs/lab6/customers-vs.yaml',
    ]) {
      assert.ok(rel.includes(must), must);
    }
  });

  for (const file of files) {
    const rel = relative(ROOT, file);
    it(`${rel} ingests with no problems`, async () => {
      const result = await ingestYaml(readFileSync(file, 'utf8'), { file: rel });
      assert.deepEqual(result.problems.map((p) => `${p.code} ${p.message}`), []);
      assert.equal(result.rejected.length, 0);
      assert.ok(result.accepted.length > 0);
      for (const { resource } of result.accepted) {
        if (resource.kind !== 'Deployment') continue;
        const containers = ((resource as unknown as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec.template.spec.containers);
        for (const c of containers) assert.ok(findAppImage(c.image), `${rel}: ${resource.metadata.name} image ${c.image} has a sample app`);
      }
    });
  }

  it('the seed\'s tracing.yaml is an IstioOperator', () => {
    const doc = parse(readFileSync(join(SAMPLES, 'labs/tracing/tracing.yaml'), 'utf8')) as { kind: string; spec: { meshConfig: { enableTracing: boolean } } };
    assert.equal(doc.kind, 'IstioOperator');
    assert.equal(doc.spec.meshConfig.enableTracing, true);
  });
});

describe('localSampleFor', () => {
  const table: readonly [string, string | undefined][] = [
    ['https://raw.githubusercontent.com/istio/istio/release-1.24/samples/bookinfo/platform/kube/bookinfo.yaml', 'samples/bookinfo/platform/kube/bookinfo.yaml'],
    ['https://raw.githubusercontent.com/istio/istio/release-1.22/samples/bookinfo/networking/bookinfo-gateway.yaml', 'samples/bookinfo/networking/bookinfo-gateway.yaml'],
    ['https://raw.githubusercontent.com/istio/istio/release-1.24/samples/bookinfo/gateway-api/bookinfo-gateway.yaml', 'samples/bookinfo/gateway-api/bookinfo-gateway.yaml'],
    ['https://raw.githubusercontent.com/istio/istio/release-1.24/samples/httpbin/httpbin.yaml', 'samples/httpbin/httpbin.yaml'],
    ['https://raw.githubusercontent.com/istio/istio/master/samples/sleep/sleep.yaml', 'samples/sleep/sleep.yaml'],
    ['https://github.com/istio/istio/blob/release-1.24/samples/sleep/sleep.yaml', 'samples/sleep/sleep.yaml'],
    ['samples/bookinfo/networking/bookinfo-gateway.yaml', 'samples/bookinfo/networking/bookinfo-gateway.yaml'],
    ['https://raw.githubusercontent.com/istio/istio/release-1.24/samples/addons/prometheus.yaml', undefined],
    ['https://raw.githubusercontent.com/other/istio/release-1.24/samples/httpbin/httpbin.yaml', undefined],
    ['https://example.com/httpbin.yaml', undefined],
  ];
  for (const [url, want] of table) {
    it(url, () => {
      assert.equal(localSampleFor(url), want);
      if (want !== undefined) assert.ok(statSync(join(ROOT, want)).isFile());
    });
  }
});
