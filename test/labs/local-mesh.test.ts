/**
 * The local mesh's lifecycle and its answers to mistakes, end to end through the CLI: invalid
 * resources, unknown namespaces, a mesh that is not running, a second install, an app that
 * crashes, an image tsmesh cannot run, a killed mesh process, rollouts and scaling.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually, LabShell } from './lab-shell.js';
import { processAlive as alive } from '../../src/platform/local/mesh-info.js';

function manifest(sh: LabShell, name: string, text: string): string {
  const file = join(sh.stateDir, '..', name);
  writeFileSync(file, text);
  return file;
}

const deployment = (name: string, container: string, replicas = 1): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: { app: ${name} }
  template:
    metadata:
      labels: { app: ${name} }
    spec:
      containers:
      - ${container}
`;

describe('local mesh: lifecycle and bad input', { concurrency: false }, () => {
  const sh = new LabShell();
  before(() => sh.install('minimal'));
  after(() => sh.close());

  test('a command against a state directory with no mesh says so and how to start one', async () => {
    const other = new LabShell();
    const r = await other.tsmesh(['get', 'pods']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no mesh is running with state directory .*: start one with `tsmesh install`/);
  });

  test('a second install on the same state directory is refused', async () => {
    const r = await sh.tsmesh(['install', '-y']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /a mesh is already running with state directory .* \(pid \d+, profile minimal\)/);
  });

  test('an invalid resource is refused with file, line, field and rule, and changes nothing; valid ones in the same file apply', async () => {
    const file = manifest(sh, 'mixed.yaml', `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: bad
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: { host: reviews }
    timeout: forever
---
apiVersion: v1
kind: Service
metadata:
  name: good
spec:
  ports: [{ port: 80 }]
`);
    const r = await sh.tsmesh(['apply', '-f', file]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, 'service/good created\n');
    assert.match(r.stderr, /mixed\.yaml:\d+/);
    assert.match(r.stderr, /VirtualService default\/bad/);
    assert.match(r.stderr, /timeout/);
    const get = await sh.tsmesh(['get', 'vs', 'bad']);
    assert.equal(get.code, 1);
    assert.match(get.stderr, /NotFound.*"bad" not found/);
  });

  test('a resource in a namespace that does not exist is refused as the API server refuses it', async () => {
    const file = manifest(sh, 'ns.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n  namespace: nowhere\nspec:\n  ports: [{ port: 80 }]\n');
    const r = await sh.tsmesh(['apply', '-f', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error from server \(NotFound\): error when creating ".*ns\.yaml": namespaces "nowhere" not found/);
  });

  test('an app that crashes: CrashLoopBackOff with restarts, and its output in logs', async () => {
    const file = manifest(sh, 'crash.yaml', deployment('crasher', 'name: app\n        image: busybox\n        command: ["sh", "-c", "echo boom from $POD_NAME; exit 3"]'));
    await sh.ok(['apply', '-f', file]);
    let row = '';
    await eventually('the pod crash-loops', async () => {
      row = (await sh.ok(['get', 'pods'])).split('\n').find((l) => l.startsWith('crasher-')) ?? '';
      return /0\/1 +(CrashLoopBackOff|Error) +[1-9]/.test(row);
    });
    const logs = await sh.ok(['logs', 'deploy/crasher']);
    assert.match(logs, /^boom from crasher-\S+$/m);
    const yaml = await sh.ok(['get', 'pod', row.split(/\s+/)[0] ?? '', '-o', 'yaml']);
    assert.match(yaml, /exitCode: 3/);
  });

  test('an image tsmesh cannot run and no command: ErrImagePull with a message saying how to run your own app', async () => {
    const file = manifest(sh, 'unknown.yaml', deployment('mystery', 'name: app\n        image: example.com/my/app:1.0'));
    await sh.ok(['apply', '-f', file]);
    let name = '';
    await eventually('the pod shows ErrImagePull', async () => {
      const row = (await sh.ok(['get', 'pods'])).split('\n').find((l) => l.startsWith('mystery-')) ?? '';
      name = row.split(/\s+/)[0] ?? '';
      return /ErrImagePull/.test(row);
    });
    const message = await sh.ok(['get', 'pod', name, '-o', 'jsonpath={.status.containerStatuses[0].state.waiting.message}']);
    assert.match(message, /image "example.com\/my\/app:1.0" is not one tsmesh can run locally .* give the container a command/);
  });

  test('scale by replicas, then rollout restart replaces every pod', async () => {
    const file = manifest(sh, 'web.yaml', deployment('web', 'name: web\n        image: gcr.io/tetratelabs/hello-world:1.0.0\n        ports: [{ containerPort: 3000 }]', 2));
    await sh.ok(['apply', '-f', file]);
    const names = async (): Promise<string[]> => (await sh.ok(['get', 'pods', '-l', 'app=web', '-o', 'name'])).trim().split('\n').filter((l) => l !== '').sort();
    await eventually('two web pods ready', async () => (await sh.ok(['get', 'deploy', 'web'])).includes('2/2'));
    const before = await names();
    assert.equal(before.length, 2);
    assert.equal(await sh.ok(['rollout', 'restart', 'deployment/web']), 'deployment.apps/web restarted\n');
    await eventually('two new pods replace the old ones', async () => {
      const now = await names();
      return now.length === 2 && now.every((n) => !before.includes(n)) && (await sh.ok(['get', 'deploy', 'web'])).includes('2/2');
    }, 30_000);
  });

  test('killing the mesh loses nothing: install on the same state directory brings back the resources and pods', async () => {
    const pods = (await sh.ok(['get', 'pods', '-l', 'app=web', '-o', 'name'])).trim();
    const info = JSON.parse(readFileSync(join(sh.stateDir, 'mesh.json'), 'utf8')) as { pid: number };
    process.kill(info.pid, 'SIGKILL');
    await sleep(300);
    const r = await sh.tsmesh(['get', 'pods']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no mesh is running/);
    await sh.install('minimal');
    assert.equal((await sh.ok(['get', 'pods', '-l', 'app=web', '-o', 'name'])).trim(), pods);
    assert.match(await sh.ok(['get', 'svc', 'good']), /^good +ClusterIP /m);
    await eventually('the web pods run again', async () => (await sh.ok(['get', 'deploy', 'web'])).includes('2/2'));
  });

  test('uninstall --purge after the mesh was killed also stops the containers it left running', async () => {
    const runDir = join(sh.stateDir, 'run');
    const pids = readdirSync(runDir).filter((n) => n.endsWith('.pid')).map((n) => Number(readFileSync(join(runDir, n), 'utf8').trim()));
    assert.ok(pids.length > 0, 'the mesh runs containers');
    const info = JSON.parse(readFileSync(join(sh.stateDir, 'mesh.json'), 'utf8')) as { pid: number };
    process.kill(info.pid, 'SIGKILL');
    await sleep(300);
    assert.match(await sh.ok(['uninstall', '--purge']), /Uninstall complete/);
    await eventually('every container process is gone', async () => pids.every((pid) => !alive(pid)), 10_000);
  });
});
