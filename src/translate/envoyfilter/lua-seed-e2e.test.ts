/**
 * The seed guide's EnvoyFilter example end to end ("EnvoyFilter" section): the discovery server
 * (config directory → MeshPipeline → ADS), a real `tsmesh proxy sidecar` for a web-frontend pod
 * (INTERCEPTION_MODE NONE on its own loopback address) and the application behind it. Then the
 * guide's api-header-filter — an HTTP_FILTER INSERT_BEFORE of envoy.filters.http.lua on
 * SIDECAR_INBOUND port 8080 — is dropped into the config directory, and `curl -I` against the
 * sidecar shows `api-version: v1`, as the guide says it should. A broken version of the script
 * is then refused by the sidecar, which keeps the header; removing the EnvoyFilter removes it.
 * Written at v1alpha3: EnvoyFilter
 * is only served there (the guide's `networking.istio.io/v1` is refused, as Istio refuses it).
 */
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import { promisify } from 'node:util';
import { ConfigDirSource } from '../../config/config-dir-source.js';
import { MemoryStore } from '../../config/memory-store.js';
import { DEFAULT_MESH_CONFIG } from '../../model/mesh-config.js';
import { DiscoveryServer } from '../../xds/server/discovery-server.js';
import { MeshPipeline } from '../../xds/server/mesh-pipeline.js';
import { runTsmesh, tempDir } from '../../proxy/e2e/cli-fixtures.js';
import { until } from '../../proxy/e2e/wait-fixtures.js';
import { generateProxyResources } from '../generate.js';

const run = promisify(execFile);
const APP_PORT = 8080;
// Loopback addresses of our own (other e2e tests use 127.10/11/14/15).
const X = 20 + Math.floor(Math.random() * 230);
const POD = `127.18.${X}.2`;
const APP = `127.19.${X}.2`;

const MESH_YAML = `apiVersion: v1
kind: Service
metadata: { name: web-frontend, namespace: default }
spec:
  selector: { app: web-frontend }
  ports: [{ port: 80, targetPort: ${APP_PORT} }]
---
apiVersion: v1
kind: Pod
metadata: { name: web-frontend-1, namespace: default, labels: { app: web-frontend, version: v1 } }
spec: { containers: [{ name: web, image: gcr.io/tetratelabs/web-frontend:1.0.0, ports: [{ containerPort: ${APP_PORT} }] }] }
status: { podIP: ${POD} }
`;

/** The guide's YAML, verbatim but for the apiVersion. */
const SEED_ENVOY_FILTER = `apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata:
  name: api-header-filter
  namespace: default
spec:
  workloadSelector:
    labels:
      app: web-frontend
  configPatches:
  - applyTo: HTTP_FILTER
    match:
      context: SIDECAR_INBOUND
      listener:
        portNumber: 8080
        filterChain:
          filter:
            name: "envoy.filters.network.http_connection_manager"
            subFilter:
              name: "envoy.filters.http.router"
    patch:
      operation: INSERT_BEFORE
      value:
        name: envoy.filters.http.lua
        typed_config:
          "@type": "type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua"
          inlineCode: |
            function envoy_on_response(response_handle)
              response_handle:headers():add("api-version", "v1")
            end
`;

/** `curl -I` as the guide runs it: status line and headers, lower-cased names. */
async function curlHead(url: string): Promise<{ status: number; headers: Record<string, string> }> {
  const { stdout } = await run('curl', ['-sS', '-I', '--max-time', '3', url]);
  const lines = stdout.split('\r\n').filter((l) => l !== '');
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(lines[0]!.split(' ')[1]), headers };
}

test('seed guide EnvoyFilter: the Lua filter adds api-version: v1 to responses of a running web-frontend sidecar', async (t: TestContext) => {
  const app = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'text/html');
      res.end('<html>web-frontend</html>');
    });
  });
  await new Promise<void>((resolve, reject) => {
    app.once('error', reject);
    app.listen(APP_PORT, APP, resolve);
  });
  t.after(() => {
    app.closeAllConnections();
    app.close();
  });

  const dir = tempDir();
  t.after(() => dir.remove());
  dir.write('mesh.yaml', MESH_YAML);
  const store = new MemoryStore();
  const problems: string[] = [];
  const source = new ConfigDirSource({ dir: dir.dir, store, debounceMs: 50, rescanIntervalMs: 500, onProblems: (p) => problems.push(...p.map((x) => x.message)) });
  await source.start();
  t.after(() => source.close());
  assert.deepEqual(problems, []);
  const server = new DiscoveryServer({ generator: generateProxyResources });
  const ports = await server.start({ grpcPort: 0, httpPort: 0, host: '127.0.0.1' });
  t.after(() => server.stop());
  const pipeline = new MeshPipeline({ store, update: (push, change) => server.update(push, change), mesh: DEFAULT_MESH_CONFIG });
  pipeline.start();
  t.after(() => pipeline.stop());

  const sidecar = runTsmesh([
    'proxy', 'sidecar', '--discovery-address', `127.0.0.1:${ports.grpcPort}`, '--namespace', 'default', '--interception-mode', 'NONE',
    '--labels', 'app=web-frontend,version=v1', '--name', 'web-frontend-1', '--ip', POD, '--bind-address', POD, '--admin-address', POD, '--app-address', APP,
  ]);
  t.after(() => sidecar.kill());
  let passed = false;
  t.after(() => {
    if (!passed) process.stderr.write(`--- sidecar:\n${sidecar.stderr()}\n`);
  });

  const url = `http://${POD}:${APP_PORT}/`;
  const plain = await until('the inbound listener to answer', async () => {
    const r = await curlHead(url).catch(() => undefined);
    return r?.status === 200 ? r : undefined;
  }, 20_000);
  assert.equal(plain.headers['api-version'], undefined);

  dir.write('envoyfilter.yaml', SEED_ENVOY_FILTER);
  const patched = await until('the EnvoyFilter to reach the sidecar', async () => {
    const r = await curlHead(url).catch(() => undefined);
    return r?.headers['api-version'] !== undefined ? r : undefined;
  }, 20_000);
  // "curl -I http://your-service  # Should see: api-version: v1"
  assert.equal(patched.status, 200);
  assert.equal(patched.headers['api-version'], 'v1');
  assert.equal(patched.headers['content-type'], 'text/html');
  assert.equal(patched.headers['server'], 'istio-envoy');
  assert.deepEqual(problems, []);
  assert.doesNotMatch(sidecar.stderr(), /rejected|lua \[error\]/);

  // A broken script is refused by the sidecar (NACK, naming the filter and the Lua error); it
  // keeps serving its last good config, header included.
  dir.write('envoyfilter.yaml', SEED_ENVOY_FILTER.replace('            end\n', ''));
  await until('the sidecar to refuse the broken script', async () => (/script load error/.test(sidecar.stderr()) ? true : undefined), 20_000);
  assert.match(
    sidecar.stderr(),
    new RegExp(`rejected Listener update version "\\d+": Listener "${POD.replace(/\./g, '\\.')}_8080": filter_chains\\[0\\]\\.filters\\[0\\]\\.typed_config\\.http_filters\\[2\\]\\.typed_config\\.inline_code: script load error: inline_code:3: 'end' expected \\(to close 'function' at line 1\\) near <eof>`),
  );
  const kept = await curlHead(url);
  assert.equal(kept.headers['api-version'], 'v1');

  // Removing the EnvoyFilter takes the header away again.
  dir.write('envoyfilter.yaml', '');
  const restored = await until('the EnvoyFilter removal to reach the sidecar', async () => {
    const r = await curlHead(url).catch(() => undefined);
    return r !== undefined && r.headers['api-version'] === undefined ? r : undefined;
  }, 20_000);
  assert.equal(restored.status, 200);
  passed = true;
});
