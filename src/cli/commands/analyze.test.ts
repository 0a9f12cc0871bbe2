import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../../../bin/tsmesh.js', import.meta.url));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function tsmesh(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: customers
spec:
  selector: {app: customers}
  ports:
  - name: http
    port: 80
`;

const BAD_VS = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: customers
spec:
  hosts: [customers]
  gateways: [bogus, mesh]
  http:
  - route:
    - destination:
        host: foo
`;

const GOOD_VS = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: customers
spec:
  hosts: [customers]
  http:
  - route:
    - destination:
        host: customers
`;

const BAD_TELEMETRY = `apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: mesh-default
  namespace: default
spec:
  metrics:
  - overrides:
    - tagOverrides:
        request_host: {operation: REMOVE, value: request.host}
`;

describe('tsmesh analyze', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tsmesh-analyze-'));
    await writeFile(join(dir, 'bad.yaml'), `${SERVICE}---\n${BAD_VS}`);
    await mkdir(join(dir, 'good', 'nested'), { recursive: true });
    await writeFile(join(dir, 'good', 'svc.yml'), SERVICE);
    await writeFile(join(dir, 'good', 'nested', 'vs.json'), JSON.stringify({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'customers' },
      spec: { hosts: ['customers'], http: [{ route: [{ destination: { host: 'customers' } }] }] },
    }));
    await writeFile(join(dir, 'good', 'README.md'), 'not config');
    await writeFile(join(dir, 'telemetry.yaml'), BAD_TELEMETRY);
    await writeFile(join(dir, 'warn.yaml'), `${SERVICE.replace('name: http', 'name: web')}---\n${GOOD_VS}`);
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  test('errors print as istioctl prints them and exit 79', async () => {
    const file = join(dir, 'bad.yaml');
    const r = await tsmesh(['analyze', '-f', file]);
    assert.equal(r.stdout,
      `Error [IST0101] (VirtualService default/customers ${file}:17) Referenced gateway not found: "bogus"\n` +
      `Warning [IST0132] (VirtualService default/customers ${file}:17) one or more host [customers] defined in VirtualService default/customers not found in Gateway default/bogus.\n` +
      `Error [IST0101] (VirtualService default/customers ${file}:21) Referenced host not found: "foo"\n`);
    assert.equal(r.code, 79);
    assert.match(r.stderr, /^Error: Analyzers found issues when analyzing namespace: default\.\n/);
  });

  test('a Telemetry that breaks a webhook rule: IST0106 at the field\'s line, exit 79', async () => {
    const file = join(dir, 'telemetry.yaml');
    const r = await tsmesh(['analyze', '-f', file]);
    // istioctl's format has no field path; the line is that of spec.metrics[0].overrides[0].tagOverrides.request_host.
    assert.equal(r.stdout,
      `Error [IST0106] (Telemetry default/mesh-default ${file}:10) Schema validation error: tagOverrides.value may only be set when operation is UPSERT\n`);
    assert.equal(r.code, 79);
  });

  test('a clean directory, searched recursively', async () => {
    const r = await tsmesh(['analyze', '-f', join(dir, 'good')]);
    assert.deepEqual(r, { code: 0, stdout: '', stderr: '\u2714 No validation issues found when analyzing namespace: default.\n' });
  });

  test('another namespace: resources without one land there; -A names all namespaces', async () => {
    const r = await tsmesh(['analyze', '-n', 'prod', '-f', join(dir, 'good')]);
    assert.equal(r.stderr, '\u2714 No validation issues found when analyzing namespace: prod.\n');
    const all = await tsmesh(['analyze', '-A', '-f', join(dir, 'good')]);
    assert.equal(all.stderr, '\u2714 No validation issues found when analyzing all namespaces.\n');
  });

  test('below the failure threshold: printed, exit 0; thresholds are flags', async () => {
    const file = join(dir, 'warn.yaml');
    const line = `Info [IST0118] (Service default/customers ${file}:8) Port name web (port: 80, targetPort: 80) doesn't follow the naming convention of Istio port.\n`;
    assert.deepEqual(await tsmesh(['analyze', '-f', file]), { code: 0, stdout: line, stderr: '' });
    const hidden = await tsmesh(['analyze', '--output-threshold', 'Warning', '-f', file]);
    assert.equal(hidden.stdout, '');
    assert.equal(hidden.code, 0);
    const strict = await tsmesh(['analyze', '--failure-threshold', 'info', '-f', file]);
    assert.equal(strict.code, 79);
  });

  test('no files is a usage error', async () => {
    const r = await tsmesh(['analyze']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no files given/);
  });
});
