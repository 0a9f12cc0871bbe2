import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerCommand, type ProxyArgs } from '../workloads/container-command.js';
import { PROXY_CONTAINER, PROXY_IMAGE } from '../workloads/injection.js';
import { parseProxyArgs } from '../../../cli/commands/proxy.js';
import { rmSync } from 'node:fs';
import { hostedSpecFor } from './hosted-spec.js';
import { parseMeshMessage } from './host-protocol.js';

const PROXY: ProxyArgs = {
  discoveryAddress: '127.0.0.1:15010',
  namespace: 'default',
  podName: 'web-frontend-abc',
  labels: { app: 'web-frontend', version: 'v1' },
  serviceAccount: 'default',
  podIP: '127.10.0.5',
  appAddress: '127.11.0.5',
  capture: 'rootless',
};

test('a sidecar runs hosted with exactly the arguments `tsmesh proxy` would get', () => {
  const container = { name: PROXY_CONTAINER, image: PROXY_IMAGE };
  const cmd = containerCommand(container, PROXY, true);
  const spec = hostedSpecFor(cmd, container, { POD_IP: '127.10.0.5' });
  assert.equal(spec?.type, 'proxy');
  const argv = spec.type === 'proxy' ? spec.argv : [];
  assert.deepEqual(argv.slice(0, 3), ['sidecar', '--discovery-address', '127.0.0.1:15010']);
  assert.deepEqual(cmd.args.slice(-argv.length - 1), ['proxy', ...argv]);
  // And the arguments parse as the CLI parses them.
  const launch = parseProxyArgs(argv);
  assert.ok(launch.agentDir !== undefined);
  rmSync(launch.agentDir, { recursive: true, force: true });
});

test('a gateway (proxyv2 with args router) runs hosted as a router', () => {
  const container = { name: PROXY_CONTAINER, image: 'docker.io/istio/proxyv2:1.24.3', args: ['proxy', 'router'] };
  const spec = hostedSpecFor(containerCommand(container, { ...PROXY, appAddress: undefined }, false), container, {});
  assert.equal(spec?.type === 'proxy' && spec.argv[0], 'router');
});

test('a sample app runs hosted with its env, ports and the address run-app would bind', () => {
  const container = { name: 'web', image: 'gcr.io/tetratelabs/web-frontend:1.0.0', ports: [{ containerPort: 8080 }] };
  const env = { HOST: '127.11.0.5', POD_IP: '127.10.0.5', CUSTOMER_SERVICE_URL: 'http://customers' };
  assert.deepEqual(hostedSpecFor(containerCommand(container, PROXY, false), container, env), { type: 'app', image: 'gcr.io/tetratelabs/web-frontend:1.0.0', ports: [8080], env, host: '127.11.0.5' });
  assert.equal(hostedSpecFor(containerCommand(container, PROXY, false), container, { POD_IP: '127.10.0.5' })?.type === 'app' && 'ok', 'ok');
});

test('a container with its own command stays a process', () => {
  const container = { name: 'job', image: 'busybox', command: ['sh', '-c', 'sleep 1'] };
  assert.equal(hostedSpecFor(containerCommand(container, PROXY, false), container, {}), undefined);
});

test('the host rejects malformed messages with what is wrong', () => {
  assert.equal(parseMeshMessage(null), 'message is not an object');
  assert.equal(parseMeshMessage({ type: 'start' }), 'message has no id');
  assert.equal(parseMeshMessage({ type: 'poke', id: 'a' }), 'unknown message type "poke"');
  assert.equal(parseMeshMessage({ type: 'start', id: 'a', spec: { type: 'proxy', argv: [1] } }), 'start a: spec.argv must be a list of strings');
  assert.equal(parseMeshMessage({ type: 'start', id: 'a', spec: { type: 'app', image: 'x', ports: [0], env: {}, host: 'h' } }), 'start a: spec.ports must be port numbers (1-65535)');
  assert.equal(parseMeshMessage({ type: 'start', id: 'a', spec: { type: 'vm' } }), 'start a: spec.type must be "app" or "proxy"');
  assert.deepEqual(parseMeshMessage({ type: 'stop', id: 'a' }), { type: 'stop', id: 'a' });
});
