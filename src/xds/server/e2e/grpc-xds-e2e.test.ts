/**
 * Proxyless gRPC against `tsmesh discovery`: a @grpc/grpc-js-xds client (node metadata
 * GENERATOR: grpc, as Istio's proxyless bootstrap) dials `xds:///HOST:PORT`; the control plane
 * answers LDS/RDS `HOST:PORT` with an api_listener and the VirtualService's routes, CDS/EDS with
 * the DestinationRule subsets. Two grpc-js servers on 127.0.0.1 and 127.0.0.2 are pods v1/v2.
 * Calls are routed by the `x-version` header and by weight, and a file edit changes weights.
 */
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';
import { runTsmesh, runToExit, tempDir } from '../../../proxy/e2e/cli-fixtures.js';
import { until } from '../../../proxy/e2e/wait-fixtures.js';

const HOST = 'greeter.default.svc.cluster.local';
const METHOD = '/test.Greeter/Hello';
const identity = (b: Buffer): Buffer => b;

async function portFreeOn(hosts: readonly string[]): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, hosts[0], r));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    let ok = true;
    for (const h of hosts.slice(1)) {
      const t = net.createServer();
      ok = await new Promise<boolean>((r) => {
        t.once('error', () => r(false));
        t.listen(port, h, () => r(true));
      });
      if (!ok) break;
      await new Promise<void>((r) => t.close(() => r()));
    }
    if (ok) return port;
  }
  throw new Error('no free port');
}

/** A gRPC server (generic service, raw bytes) answering every Hello with `name`. */
async function startGreeter(host: string, port: number, name: string): Promise<grpc.Server> {
  const server = new grpc.Server();
  server.addService(
    { Hello: { path: METHOD, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
    { Hello: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.from(name)) },
  );
  await new Promise<void>((resolve, reject) => server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
  return server;
}

function meshYaml(servicePort: number, podPort: number, v1Weight: number): string {
  const pod = (v: string, ip: string): string => `apiVersion: v1
kind: Pod
metadata: { name: greeter-${v}, namespace: default, labels: { app: greeter, version: ${v} } }
spec: { containers: [{ name: app, image: x, ports: [{ containerPort: ${podPort} }] }] }
status: { podIP: ${ip} }
---
`;
  return `apiVersion: v1
kind: Service
metadata: { name: greeter, namespace: default }
spec:
  selector: { app: greeter }
  ports: [{ name: grpc, port: ${servicePort}, targetPort: ${podPort} }]
---
${pod('v1', '127.0.0.1')}${pod('v2', '127.0.0.2')}apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: greeter, namespace: default }
spec:
  host: ${HOST}
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v2, labels: { version: v2 } }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: greeter, namespace: default }
spec:
  hosts: [${HOST}]
  http:
  - match: [{ headers: { x-version: { exact: v2 } } }]
    route: [{ destination: { host: ${HOST}, subset: v2 } }]
  - route:
    - { destination: { host: ${HOST}, subset: v1 }, weight: ${v1Weight} }
    - { destination: { host: ${HOST}, subset: v2 }, weight: ${100 - v1Weight} }
`;
}

function hello(client: grpc.Client, headers: Record<string, string> = {}): Promise<string> {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(headers)) md.set(k, v);
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(METHOD, identity, identity, Buffer.from('hi'), md, { deadline: Date.now() + 3000 }, (err, res) =>
      err ? reject(err) : resolve((res as Buffer).toString()),
    );
  });
}

async function answers(client: grpc.Client, n: number, headers: Record<string, string> = {}): Promise<string> {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) seen.add(await hello(client, headers));
  return [...seen].sort().join();
}

test('proxyless gRPC (grpc-js-xds) routed by tsmesh discovery: header match and weights', async (t: TestContext) => {
  const dir = tempDir();
  t.after(() => dir.remove());
  const servicePort = await portFreeOn(['127.0.0.1']);
  const podPort = await portFreeOn(['127.0.0.1', '127.0.0.2']);
  const v1 = await startGreeter('127.0.0.1', podPort, 'v1');
  const v2 = await startGreeter('127.0.0.2', podPort, 'v2');
  t.after(() => {
    v1.forceShutdown();
    v2.forceShutdown();
  });
  dir.write('mesh.yaml', meshYaml(servicePort, podPort, 100));

  const discovery = runTsmesh(['discovery', '--config-dir', dir.dir, '--grpc-port', '0', '--http-port', '0']);
  t.after(() => discovery.kill());
  const m = await until('the discovery address', async () => /xDS on (127\.0\.0\.1:\d+), debug on http:\/\/(127\.0\.0\.1:\d+)/.exec(discovery.stdout()) ?? undefined);
  let passed = false;
  t.after(() => {
    if (!passed) process.stderr.write(`--- discovery:\n${discovery.stdout()}${discovery.stderr()}\n`);
  });

  // Istio's proxyless bootstrap: the sidecar node id and GENERATOR: grpc.
  process.env['GRPC_XDS_BOOTSTRAP_CONFIG'] = JSON.stringify({
    xds_servers: [{ server_uri: m[1], channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: {
      id: 'sidecar~127.0.0.1~grpc-client.default~default.svc.cluster.local',
      metadata: { GENERATOR: 'grpc', NAMESPACE: 'default', CLUSTER_ID: 'Kubernetes', LABELS: { app: 'grpc-client' } },
      locality: {},
    },
  });
  grpcXds.register();
  const client = new grpc.Client(`xds:///${HOST}:${servicePort}`, grpc.credentials.createInsecure());
  t.after(() => client.close());

  // 100/0: every call to v1; `x-version: v2` to v2 whatever the weights.
  assert.equal(await until('a call through xDS', () => answers(client, 10)), 'v1');
  assert.equal(await answers(client, 5, { 'x-version': 'v2' }), 'v2');

  // 0/100 after a file edit: within a few seconds every call goes to v2.
  dir.write('mesh.yaml', meshYaml(servicePort, podPort, 0));
  await until('the 0/100 split', async () => ((await answers(client, 10)) === 'v2' ? true : undefined), 10_000);
  // 50/50: both answer.
  dir.write('mesh.yaml', meshYaml(servicePort, podPort, 50));
  await until('the 50/50 split', async () => ((await answers(client, 30)) === 'v1,v2' ? true : undefined), 10_000);

  // The client acknowledged every type (a NACK would show here): our resources are valid for gRPC.
  const ps = await until('the gRPC client SYNCED for all four types', async () => {
    const r = await runToExit(['proxy-status', '--discovery-address', m[2]!]);
    return /\ngrpc-client\.default\s+Kubernetes\s+SYNCED \(\d+s\)\s+SYNCED \(\d+s\)\s+SYNCED \(\d+s\)\s+SYNCED \(\d+s\)\s+/.test(r.stdout) ? r : undefined;
  });
  assert.equal(ps.code, 0, ps.stderr);
  passed = true;
});
