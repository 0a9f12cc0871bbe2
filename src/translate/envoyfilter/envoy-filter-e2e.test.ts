/**
 * EnvoyFilter end to end: the discovery server (config directory → MeshPipeline → ADS), a real
 * `tsmesh proxy sidecar` for a customers pod (INTERCEPTION_MODE NONE on its own loopback address)
 * and the application behind it. Requests go to the sidecar's inbound listener. Then an
 * EnvoyFilter is dropped into the config directory: an HTTP_ROUTE MERGE on SIDECAR_INBOUND that
 * adds a request and a response header, and a CLUSTER MERGE of the inbound cluster's
 * connect_timeout. The proxy is pushed the patched config, the application sees the request
 * header, the client the response header, and the proxy's config_dump the new timeout.
 */
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { until } from '../../proxy/e2e/wait-fixtures.js';
import { ADMIN_PORT, MeshSidecars, serveApp, startControlPlane } from '../testing/mesh-e2e.js';

const APP_PORT = 3000;
// Loopback addresses of our own (other e2e tests use 127.10/127.11).
const X = 20 + Math.floor(Math.random() * 230);
const POD = `127.14.${X}.2`;
const APP = `127.15.${X}.2`;

const MESH_YAML = `apiVersion: v1
kind: Service
metadata: { name: customers, namespace: default }
spec:
  selector: { app: customers }
  ports: [{ name: http, port: 80, targetPort: ${APP_PORT} }]
---
apiVersion: v1
kind: Pod
metadata: { name: customers-v1, namespace: default, labels: { app: customers, version: v1 } }
spec: { containers: [{ name: app, image: x, ports: [{ containerPort: ${APP_PORT} }] }] }
status: { podIP: ${POD} }
`;

const ENVOY_FILTER_YAML = `apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: { name: customers-headers, namespace: default }
spec:
  workloadSelector:
    labels: { app: customers }
  configPatches:
  - applyTo: HTTP_ROUTE
    match:
      context: SIDECAR_INBOUND
      routeConfiguration:
        vhost:
          route: { name: default }
    patch:
      operation: MERGE
      value:
        request_headers_to_add:
        - header: { key: x-envoyfilter, value: request-side }
        response_headers_to_add:
        - header: { key: x-envoyfilter, value: response-side }
  - applyTo: CLUSTER
    match:
      context: SIDECAR_INBOUND
      cluster: { portNumber: ${APP_PORT} }
    patch:
      operation: MERGE
      value: { connect_timeout: 1.5s }
`;

async function get(url: string): Promise<{ status: number; header: string | undefined; body: string }> {
  const r = await request(url, { headersTimeout: 3000, bodyTimeout: 3000 });
  const h = r.headers['x-envoyfilter'];
  return { status: r.statusCode, header: Array.isArray(h) ? h.join(',') : h, body: await r.body.text() };
}

test('EnvoyFilter e2e: an HTTP_ROUTE MERGE and a CLUSTER MERGE applied to a running sidecar change what it does', async (t: TestContext) => {
  await serveApp(t, APP, APP_PORT, (req, res) => {
    req.resume();
    req.on('end', () => res.end(`app saw x-envoyfilter=${String(req.headers['x-envoyfilter'] ?? '')}`));
  });

  const plane = await startControlPlane(t, { meshYaml: MESH_YAML, debounceMs: 50, rescanIntervalMs: 500 });
  const { dir, problems } = plane;
  assert.deepEqual(problems, []);

  const sidecars = new MeshSidecars(t, plane.xds);
  sidecars.start({ name: 'customers-v1', labels: 'app=customers,version=v1', ip: POD, appAddress: APP });

  const url = `http://${POD}:${APP_PORT}/`;
  // Before: through the inbound listener, no header either way; Istio's default connect timeout.
  const plain = await until('the inbound listener to answer', async () => {
    const r = await get(url);
    return r.status === 200 ? r : undefined;
  }, 20_000);
  assert.deepEqual(plain, { status: 200, header: undefined, body: 'app saw x-envoyfilter=' });
  assert.equal(await inboundConnectTimeout(), '10s');

  dir.write('envoyfilter.yaml', ENVOY_FILTER_YAML);
  const patched = await until('the EnvoyFilter to reach the sidecar', async () => {
    const r = await get(url);
    return r.header !== undefined ? r : undefined;
  }, 20_000);
  assert.deepEqual(patched, { status: 200, header: 'response-side', body: 'app saw x-envoyfilter=request-side' });
  assert.equal(await inboundConnectTimeout(), '1.5s');
  assert.deepEqual(problems, []);

  // And back: deleting the EnvoyFilter restores the generated config.
  dir.write('envoyfilter.yaml', '');
  const restored = await until('the EnvoyFilter removal to reach the sidecar', async () => {
    const r = await get(url);
    return r.header === undefined ? r : undefined;
  }, 20_000);
  assert.deepEqual(restored, { status: 200, header: undefined, body: 'app saw x-envoyfilter=' });
  sidecars.passed();
});

/** The inbound cluster's connect_timeout as the proxy's /config_dump shows it. */
async function inboundConnectTimeout(): Promise<string | undefined> {
  const r = await request(`http://${POD}:${ADMIN_PORT}/config_dump`, { headersTimeout: 3000, bodyTimeout: 3000 });
  const dump = (await r.body.json()) as { configs: { dynamic_active_clusters?: { cluster: { name: string; connect_timeout?: string } }[] }[] };
  for (const section of dump.configs) {
    for (const c of section.dynamic_active_clusters ?? []) if (c.cluster.name === `inbound|${APP_PORT}||`) return c.cluster.connect_timeout;
  }
  return undefined;
}
