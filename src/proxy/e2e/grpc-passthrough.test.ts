import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { startProxy } from '../testing/proxy-harness.js';
import type { StartedProxy } from '../testing/proxy-harness.js';
import { makeTestPki, opensslMissing } from '../tls/test-certs.js';
import type { TestPki } from '../tls/test-certs.js';
import { EXPLICIT_H2, bootstrap, cluster, downstreamTls, inlineCertificate, listener, routeHcm, stat, stats } from './protocol-fixtures.js';

// gRPC through the proxy, HTTP/2 end to end: a real grpc-js server behind an HTTP/2 cluster and a
// grpc-js client in front, over h2c and over TLS with ALPN h2.

const PROTO = `
syntax = "proto3";
package e2e;
message Msg { string text = 1; int32 count = 2; }
service Echo {
  rpc Unary (Msg) returns (Msg);
  rpc Numbers (Msg) returns (stream Msg);
  rpc Fail (Msg) returns (Msg);
  rpc FailLate (Msg) returns (stream Msg);
}
`;

interface Msg {
  text: string;
  count: number;
}

type EchoClient = grpc.Client & {
  Unary(req: Msg, md: grpc.Metadata, opts: grpc.CallOptions, cb: grpc.requestCallback<Msg>): grpc.ClientUnaryCall;
  Numbers(req: Msg, md?: grpc.Metadata): grpc.ClientReadableStream<Msg>;
  Fail(req: Msg, md: grpc.Metadata, cb: grpc.requestCallback<Msg>): grpc.ClientUnaryCall;
  FailLate(req: Msg): grpc.ClientReadableStream<Msg>;
};

const skip = opensslMissing() ?? false;
let dir: string;
let pki: TestPki;
let server: grpc.Server;
let proxy: StartedProxy;
let EchoCtor: new (address: string, creds: grpc.ChannelCredentials, options?: grpc.ClientOptions) => EchoClient;
const clients: grpc.Client[] = [];

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'tsmesh-grpc-'));
  writeFileSync(join(dir, 'echo.proto'), PROTO);
  const def = protoLoader.loadSync(join(dir, 'echo.proto'), { keepCase: true, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { e2e: { Echo: typeof EchoCtor & { service: grpc.ServiceDefinition } } };
  EchoCtor = pkg.e2e.Echo;
  pki = makeTestPki();

  server = new grpc.Server();
  server.addService(pkg.e2e.Echo.service, {
    Unary(call: grpc.ServerUnaryCall<Msg, Msg>, cb: grpc.sendUnaryData<Msg>) {
      const md = new grpc.Metadata();
      md.set('x-server-echo', String(call.metadata.get('x-client')[0] ?? ''));
      call.sendMetadata(md);
      const trailer = new grpc.Metadata();
      trailer.set('x-trailer', 'bye');
      trailer.set('x-bin', Buffer.from([0, 1, 2, 255]));
      cb(null, { text: `echo:${call.request.text}`, count: call.request.count + 1 }, trailer);
    },
    Numbers(call: grpc.ServerWritableStream<Msg, Msg>) {
      for (let i = 0; i < call.request.count; i++) call.write({ text: `n${i}`, count: i });
      call.end();
    },
    Fail(_call: grpc.ServerUnaryCall<Msg, Msg>, cb: grpc.sendUnaryData<Msg>) {
      const md = new grpc.Metadata();
      md.set('x-error-detail', 'missing');
      cb({ code: grpc.status.NOT_FOUND, details: 'no such thing: héllo', metadata: md });
    },
    FailLate(call: grpc.ServerWritableStream<Msg, Msg>) {
      // Headers and a message first, then an error status in the trailers.
      call.write({ text: 'first', count: 1 });
      call.emit('error', { code: grpc.status.RESOURCE_EXHAUSTED, details: 'quota gone' });
    },
  });
  const grpcPort = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
  );
  proxy = await startProxy(
    bootstrap({
      listeners: [
        listener('grpc', [{ filters: [routeHcm('grpc', 'grpc-backend')] }]),
        listener('grpc-tls', [{
          filters: [routeHcm('grpc_tls', 'grpc-backend')],
          transport_socket: downstreamTls({ tls_certificates: [inlineCertificate(pki.server)], alpn_protocols: ['h2', 'http/1.1'] }),
        }]),
      ],
      clusters: [cluster('grpc-backend', [grpcPort], EXPLICIT_H2)],
    }),
  );
});

after(async () => {
  if (skip) return;
  for (const c of clients) c.close();
  await proxy.close();
  server.forceShutdown();
  pki.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function plainClient(): EchoClient {
  const c = new EchoCtor(`127.0.0.1:${proxy.port('grpc')}`, grpc.credentials.createInsecure());
  clients.push(c);
  return c;
}

function unary(client: EchoClient, req: Msg, md = new grpc.Metadata()): Promise<{ reply: Msg; headers: grpc.Metadata; status: grpc.StatusObject }> {
  return new Promise((resolve, reject) => {
    let headers = new grpc.Metadata();
    let reply: Msg | undefined;
    let err: grpc.ServiceError | null = null;
    const call = client.Unary(req, md, { deadline: Date.now() + 5000 }, (e, r) => {
      err = e;
      reply = r;
    });
    call.on('metadata', (m) => (headers = m));
    call.on('status', (status) => (err ? reject(err) : resolve({ reply: reply!, headers, status })));
  });
}

test('unary call through the proxy: reply, metadata both ways, trailers', { skip }, async () => {
  const md = new grpc.Metadata();
  md.set('x-client', 'hello-from-client');
  const { reply, headers, status } = await unary(plainClient(), { text: 'ping', count: 41 }, md);
  assert.deepEqual(reply, { text: 'echo:ping', count: 42 });
  assert.equal(headers.get('x-server-echo')[0], 'hello-from-client');
  assert.equal(status.code, grpc.status.OK);
  assert.equal(status.metadata.get('x-trailer')[0], 'bye');
  assert.deepEqual(status.metadata.get('x-bin')[0], Buffer.from([0, 1, 2, 255]));
  const s = await stats(proxy.adminPort);
  assert.ok((stat(s, 'cluster.grpc-backend.upstream_rq_200') ?? 0) >= 1);
  assert.ok((stat(s, 'http.grpc.downstream_rq_http2_total') ?? 0) >= 1);
});

test('server-streaming call: every message arrives, then OK', { skip }, async () => {
  const call = plainClient().Numbers({ text: '', count: 25 });
  const got: Msg[] = [];
  const status = await new Promise<grpc.StatusObject>((resolve, reject) => {
    call.on('data', (m: Msg) => got.push(m));
    call.on('error', reject);
    call.on('status', resolve);
  });
  assert.equal(status.code, grpc.status.OK);
  assert.deepEqual(got.map((m) => m.text), Array.from({ length: 25 }, (_, i) => `n${i}`));
});

test('an error status (trailers-only response) arrives with its message and metadata', { skip }, async () => {
  const err = await new Promise<grpc.ServiceError>((resolve, reject) => {
    plainClient().Fail({ text: 'x', count: 0 }, new grpc.Metadata(), (e) => (e ? resolve(e) : reject(new Error('expected an error'))));
  });
  assert.equal(err.code, grpc.status.NOT_FOUND);
  assert.equal(err.details, 'no such thing: héllo');
  assert.equal(err.metadata.get('x-error-detail')[0], 'missing');
});

test('an error status after messages arrives in the trailers', { skip }, async () => {
  const call = plainClient().FailLate({ text: '', count: 0 });
  const got: Msg[] = [];
  call.on('data', (m: Msg) => got.push(m));
  const err = await new Promise<grpc.ServiceError>((resolve) => call.on('error', resolve));
  assert.deepEqual(got.map((m) => m.text), ['first']);
  assert.equal(err.code, grpc.status.RESOURCE_EXHAUSTED);
  assert.equal(err.details, 'quota gone');
});

test('gRPC over downstream TLS (ALPN h2) through the proxy', { skip }, async () => {
  const creds = grpc.credentials.createSsl(Buffer.from(pki.ca.cert));
  const client = new EchoCtor(`127.0.0.1:${proxy.port('grpc-tls')}`, creds, { 'grpc.ssl_target_name_override': 'example.com', 'grpc.default_authority': 'example.com' });
  clients.push(client);
  const { reply, status } = await unary(client, { text: 'secure', count: 1 });
  assert.deepEqual(reply, { text: 'echo:secure', count: 2 });
  assert.equal(status.code, grpc.status.OK);
});
