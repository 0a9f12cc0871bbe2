/**
 * HostedContainer and PodHost end to end: a real pod host process (dist/.../pod-host-main.js),
 * real sample apps and proxies in it, real HTTP.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { freePort, until } from '../../../proxy/e2e/wait-fixtures.js';
import { httpBootstrap, startUpstream, staticCluster } from '../../../proxy/testing/proxy-harness.js';
import type { ContainerState } from '../workloads/kube-types.js';
import { HostedContainer } from './hosted-container.js';
import type { HostedSpec, HostToMesh } from './host-protocol.js';
import { PodHost, POD_HOST_MAIN } from './pod-host.js';

const dir = mkdtempSync(join(tmpdir(), 'tsmesh-podhost-'));
const hosts: PodHost[] = [];
const containers: HostedContainer[] = [];
after(async () => {
  await Promise.all(containers.map((c) => c.stop(1_000)));
  await Promise.all(hosts.map((h) => h.close(1_000)));
  rmSync(dir, { recursive: true, force: true });
});

interface Recorded {
  readonly c: HostedContainer;
  readonly logFile: string;
  readonly states: { state: ContainerState; lastState: ContainerState; restartCount: number; at: number }[];
  log(): string;
}

function newHost(): { host: PodHost; lines: string[] } {
  const lines: string[] = [];
  const host = new PodHost({ log: (l) => lines.push(l), pidFile: join(dir, `host-${hosts.length}.pid`) });
  hosts.push(host);
  return { host, lines };
}

let seq = 0;
function hosted(host: PodHost, name: string, spec: HostedSpec, backoffBaseMs = 100): Recorded {
  const logFile = join(dir, `${name}-${++seq}.log`);
  const states: Recorded['states'] = [];
  const c = new HostedContainer({ name, host, spec, logFile, backoffBaseMs, onState: (state, lastState, restartCount) => states.push({ state, lastState, restartCount, at: Date.now() }) });
  containers.push(c);
  return { c, logFile, states, log: () => readFileSync(logFile, 'utf8') };
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const r = await request(url, { headersTimeout: 3_000, bodyTimeout: 3_000 });
  return { status: r.statusCode, body: await r.body.text() };
}

function app(port: number, image = 'gcr.io/tetratelabs/customers:2.0.0'): HostedSpec {
  return { type: 'app', image, ports: [port], env: { POD_NAME: 'customers-v2-abc', HOST: '127.0.0.1' }, host: '127.0.0.1' };
}

test('a hosted app answers HTTP on its address, and its log lines reach the log file', async () => {
  const { host } = newHost();
  const port = await freePort();
  const r = hosted(host, 'svc', app(port));
  r.c.start();
  const res = await until('the hosted app', async () => get(`http://127.0.0.1:${port}/`));
  assert.equal(res.status, 200);
  assert.match(res.body, /"city":"Westmouth"/);
  assert.ok(r.states[0]?.state.running !== undefined, 'running reported');
  assert.equal(r.c.pid, host.pid);
  assert.notEqual(r.c.pid, process.pid);
  await until('the banner and access line in the log', () => (/customers 2\.0\.0 listening on port \d+/.test(r.log()) && / GET \/ 200 /.test(r.log()) ? true : undefined), 5_000);
  await r.c.stop();
  assert.equal(r.c.pid, undefined);
  await assert.rejects(get(`http://127.0.0.1:${port}/`), 'the app closed its port when stopped');
  assert.equal(r.states.length, 1, 'a stop reports no exit and no restart (as ContainerProcess)');
});

test('an app that fails to start exits with its message, restarts with back-off, and leaves the host up', async () => {
  const { host } = newHost();
  const port = await freePort();
  // Holding the port makes the app's listen fail: EADDRINUSE, as when two pods collide.
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
  const r = hosted(host, 'svc', app(port), 100);
  r.c.start();
  await until('three crash-loop restarts', () => (r.states.filter((s) => s.state.waiting !== undefined).length >= 3 ? true : undefined), 10_000);
  const waits = r.states.filter((s) => s.state.waiting !== undefined);
  const first = waits[0]!;
  assert.equal(first.state.waiting?.reason, 'CrashLoopBackOff');
  assert.equal(first.restartCount, 1);
  assert.equal(first.lastState.terminated?.exitCode, 1);
  assert.match(first.lastState.terminated?.message ?? '', /gcr\.io\/tetratelabs\/customers:2\.0\.0: .*EADDRINUSE/);
  assert.equal(waits[2]!.restartCount, 3);
  // Back-off doubles: 100 ms, 200 ms, 400 ms between an exit and the next start.
  const runs = r.states.filter((s) => s.state.running !== undefined);
  assert.ok(runs.length >= 3);
  assert.ok(runs[1]!.at - waits[0]!.at >= 90, `first restart after ≥100 ms (got ${runs[1]!.at - waits[0]!.at})`);
  assert.ok(runs[2]!.at - waits[1]!.at >= 190, `second restart after ≥200 ms (got ${runs[2]!.at - waits[1]!.at})`);
  assert.match(r.log(), /run-app: gcr\.io\/tetratelabs\/customers:2\.0\.0: .*EADDRINUSE/);
  assert.match(r.log(), /tsmesh: container svc exited with code 1; restarting in 0\.1s/);
  const hostPid = host.pid;
  assert.ok(hostPid !== undefined);
  // Once the port is free the next restart comes up, in the same host.
  await new Promise<void>((resolve) => blocker.close(() => resolve()));
  const res = await until('the app after the port was freed', async () => get(`http://127.0.0.1:${port}/`), 10_000);
  assert.equal(res.status, 200);
  assert.equal(host.pid, hostPid, 'the failures did not restart the host');
  await r.c.stop();
});

test('start failures are the container\'s own: unknown image, bad proxy flags', async () => {
  const { host } = newHost();
  const unknown = hosted(host, 'unknown', { type: 'app', image: 'example.com/nothing:1', ports: [], env: {}, host: '127.0.0.1' }, 60_000);
  const badFlags = hosted(host, 'istio-proxy', { type: 'proxy', argv: ['sidecar', '--interception-mode', 'SIDEWAYS'] }, 60_000);
  unknown.c.start();
  badFlags.c.start();
  await until('both exited', () => (unknown.states.length >= 2 && badFlags.states.length >= 2 ? true : undefined), 10_000);
  assert.deepEqual(unknown.states[1]!.lastState.terminated?.exitCode, 2);
  assert.equal(unknown.states[1]!.lastState.terminated?.message, 'no sample app for image "example.com/nothing:1"');
  assert.equal(badFlags.states[1]!.lastState.terminated?.exitCode, 1);
  assert.equal(badFlags.states[1]!.lastState.terminated?.message, 'tsmesh proxy sidecar: --interception-mode must be REDIRECT, TPROXY or NONE, got "SIDEWAYS"');
  assert.match(badFlags.log(), /^tsmesh proxy sidecar: --interception-mode must be REDIRECT, TPROXY or NONE, got "SIDEWAYS"\n/);
  await unknown.c.stop();
  await badFlags.c.stop();
});

/** The admin and "http" listener ports a hosted proxy logged, as `tsmesh proxy` prints them. */
async function proxyPorts(r: Recorded): Promise<{ admin: number; http: number }> {
  return until('the proxy\'s listening lines', () => {
    const text = r.log();
    const admin = /tsmesh proxy: admin address: 127\.0\.0\.1:(\d+)/.exec(text);
    const http = /tsmesh proxy: listener "http" listening on 127\.0\.0\.1:(\d+)/.exec(text);
    return admin && http ? { admin: Number(admin[1]), http: Number(http[1]) } : undefined;
  });
}

async function stat(admin: number, name: string): Promise<number | undefined> {
  const text = (await get(`http://127.0.0.1:${admin}/stats`)).body;
  const m = new RegExp(`^${name.replace(/[.|]/g, '\\$&')}: (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

test('two hosted proxies with static bootstraps route independently, each with its own stats', async () => {
  const { host } = newHost();
  const upA = await startUpstream('A');
  const upB = await startUpstream('B');
  const routes = `- name: all\n  domains: ["*"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: svc }`;
  const files = [upA, upB].map((up, i) => {
    const file = join(dir, `bootstrap-${i}.yaml`);
    writeFileSync(file, httpBootstrap({ virtualHosts: routes, clusters: staticCluster('svc', [up.port]) }));
    return file;
  });
  const a = hosted(host, 'proxy-a', { type: 'proxy', argv: ['--bootstrap', files[0]!, '--admin-port', '0', '--drain-time-s', '0'] });
  const b = hosted(host, 'proxy-b', { type: 'proxy', argv: ['--bootstrap', files[1]!, '--admin-port', '0', '--drain-time-s', '0'] });
  a.c.start();
  b.c.start();
  const pa = await proxyPorts(a);
  const pb = await proxyPorts(b);
  assert.equal(a.c.pid, b.c.pid, 'one process hosts both');
  for (let i = 0; i < 3; i++) assert.equal((await get(`http://127.0.0.1:${pa.http}/x${i}`)).body, `A GET /x${i}`);
  for (let i = 0; i < 2; i++) assert.equal((await get(`http://127.0.0.1:${pb.http}/y${i}`)).body, `B GET /y${i}`);
  assert.equal(await stat(pa.admin, 'cluster.svc.upstream_rq_total'), 3);
  assert.equal(await stat(pb.admin, 'cluster.svc.upstream_rq_total'), 2);
  // Stopping one leaves the other serving.
  await a.c.stop();
  await assert.rejects(get(`http://127.0.0.1:${pa.http}/`));
  assert.equal((await get(`http://127.0.0.1:${pb.http}/z`)).body, 'B GET /z');
  await b.c.stop();
  await upA.close();
  await upB.close();
});

test('hosted proxies write /dev/stdout access logs to their own container log, not the shared host\'s stdout', async () => {
  const { host, lines } = newHost();
  const upA = await startUpstream('A');
  const upB = await startUpstream('B');
  const routes = `- name: all\n  domains: ["*"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: svc }`;
  const accessLog = `access_log:
- name: envoy.access_loggers.file
  typed_config:
    "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
    path: /dev/stdout
    log_format: { text_format_source: { inline_string: "access %REQ(:PATH)% %RESPONSE_CODE% %RESPONSE_FLAGS%\\n" } }`;
  const files = [upA, upB].map((up, i) => {
    const file = join(dir, `bootstrap-al-${i}.yaml`);
    writeFileSync(file, httpBootstrap({ virtualHosts: routes, clusters: staticCluster('svc', [up.port]), hcmExtra: accessLog }));
    return file;
  });
  const a = hosted(host, 'proxy-a', { type: 'proxy', argv: ['--bootstrap', files[0]!, '--admin-port', '0', '--drain-time-s', '0'] });
  const b = hosted(host, 'proxy-b', { type: 'proxy', argv: ['--bootstrap', files[1]!, '--admin-port', '0', '--drain-time-s', '0'] });
  a.c.start();
  b.c.start();
  const pa = await proxyPorts(a);
  const pb = await proxyPorts(b);
  assert.equal(a.c.pid, b.c.pid, 'one process hosts both');
  assert.equal((await get(`http://127.0.0.1:${pa.http}/from-a`)).status, 200);
  assert.equal((await get(`http://127.0.0.1:${pb.http}/from-b`)).status, 200);
  const accessLines = (r: Recorded): string[] => r.log().split('\n').filter((l) => l.startsWith('access '));
  // Lines are flushed within the proxy's 1 s flush interval.
  await until('proxy-a\'s access log line', () => (accessLines(a).length > 0 ? true : undefined), 5_000);
  await until('proxy-b\'s access log line', () => (accessLines(b).length > 0 ? true : undefined), 5_000);
  assert.deepEqual(accessLines(a), ['access /from-a 200 -']);
  assert.deepEqual(accessLines(b), ['access /from-b 200 -']);
  assert.deepEqual(lines.filter((l) => l.includes('access /from')), [], 'nothing reached the host process\'s own stdout');
  await a.c.stop();
  await b.c.stop();
  await upA.close();
  await upB.close();
});

test('killing the host ends every hosted container; each restarts with its back-off in a new host', async () => {
  const { host, lines } = newHost();
  const port = await freePort();
  const up = await startUpstream('U');
  const file = join(dir, 'bootstrap-kill.yaml');
  writeFileSync(file, httpBootstrap({ virtualHosts: `- name: all\n  domains: ["*"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: svc }`, clusters: staticCluster('svc', [up.port]) }));
  const appC = hosted(host, 'svc', app(port), 100);
  const proxyC = hosted(host, 'istio-proxy', { type: 'proxy', argv: ['--bootstrap', file, '--admin-port', '0'] }, 100);
  appC.c.start();
  proxyC.c.start();
  await until('the app', async () => get(`http://127.0.0.1:${port}/`));
  await proxyPorts(proxyC);
  const oldPid = host.pid;
  assert.ok(oldPid !== undefined);
  process.kill(oldPid, 'SIGKILL');
  for (const r of [appC, proxyC]) {
    await until(`${r.logFile}: exited and waiting`, () => (r.states.some((s) => s.state.waiting !== undefined) ? true : undefined), 5_000);
    const w = r.states.find((s) => s.state.waiting !== undefined)!;
    assert.equal(w.state.waiting?.reason, 'CrashLoopBackOff');
    assert.equal(w.lastState.terminated?.signal, 9);
    assert.equal(w.lastState.terminated?.reason, 'Error');
    assert.match(w.lastState.terminated?.message ?? '', new RegExp(`^pod host \\(pid ${oldPid}\\) was killed by SIGKILL`));
    assert.match(r.log(), new RegExp(`tsmesh: pod host \\(pid ${oldPid}\\) was killed by SIGKILL`));
  }
  // Both come back, in one new host.
  const res = await until('the app in the new host', async () => get(`http://127.0.0.1:${port}/`), 10_000);
  assert.equal(res.status, 200);
  await until('the proxy restarted', () => ((proxyC.log().match(/tsmesh proxy: admin address/g) ?? []).length >= 2 ? true : undefined), 10_000);
  assert.ok(host.pid !== undefined && host.pid !== oldPid);
  assert.equal(appC.c.pid, host.pid);
  assert.equal(proxyC.c.pid, host.pid);
  assert.ok(lines.some((l) => l.includes(`pod host (pid ${oldPid}) was killed by SIGKILL; 2 container(s) ended with it`)), lines.join('\n'));
  await appC.c.stop();
  await proxyC.c.stop();
  await up.close();
  // Closing the host ends its process and removes its pid file.
  const pid = host.pid;
  await host.close();
  assert.throws(() => process.kill(pid!, 0));
});

test('the host exits, and its containers with it, when its IPC channel closes (the mesh is gone)', async () => {
  const port = await freePort();
  // No execArgv of ours: under `node --test` the child would inherit the runner's flags.
  const child = fork(POD_HOST_MAIN, [], { execArgv: [], stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = new Promise<HostToMesh>((resolve) => child.on('message', (m: HostToMesh) => m.type !== 'log' && resolve(m)));
  child.send({ type: 'start', id: 'svc#1', spec: app(port) });
  assert.deepEqual(await started, { type: 'started', id: 'svc#1' });
  assert.equal((await get(`http://127.0.0.1:${port}/`)).status, 200);
  child.disconnect();
  assert.equal(await exited, 0);
  await assert.rejects(get(`http://127.0.0.1:${port}/`));
});

test('a host that cannot start ends the container with the host\'s error, and the container keeps retrying', async () => {
  const main = join(dir, 'broken-host.mjs');
  writeFileSync(main, "throw new Error('broken build');\n");
  const lines: string[] = [];
  const host = new PodHost({ log: (l) => lines.push(l), main });
  hosts.push(host);
  const r = hosted(host, 'svc', app(1), 50);
  r.c.start();
  await until('two failed runs', () => (r.states.filter((s) => s.state.waiting !== undefined).length >= 2 ? true : undefined), 10_000);
  const w = r.states.find((s) => s.state.waiting !== undefined)!;
  assert.equal(w.lastState.terminated?.exitCode, 1);
  assert.match(w.lastState.terminated?.message ?? '', /^pod host \(pid \d+\) exited with code 1: Error: broken build$/);
  await r.c.stop();
  const missing = new PodHost({ log: () => {}, main: join(dir, 'no-such-host.js') });
  hosts.push(missing);
  const m = hosted(missing, 'svc', app(1), 60_000);
  m.c.start();
  await until('the missing-host exit', () => (m.states.length >= 2 ? true : undefined));
  assert.match(m.states[1]!.lastState.terminated?.message ?? '', /the pod host is not built \(.*no-such-host\.js is missing\): run `npm run build`/);
  await m.c.stop();
});
