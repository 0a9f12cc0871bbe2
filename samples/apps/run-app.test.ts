import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { freePort } from './lib/forward-proxy.fixture.js';

const RUN_APP = fileURLToPath(new URL('./run-app.js', import.meta.url));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function run(args: string[], env: Record<string, string> = {}): { child: ChildProcess; out: () => string; err: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [RUN_APP, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exit };
}

async function waitFor(what: string, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('run-app', () => {
  it('serves the image on HOST and the given port, logs to stdout, exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const p = run(['gcr.io/tetratelabs/customers:2.0.0', String(port)], { HOST: '127.0.0.1', POD_NAME: 'customers-v2-abc' });
    let body = '';
    await waitFor('customers to answer', async () => {
      const r = await fetch(`http://127.0.0.1:${port}/`);
      body = await r.text();
      return r.status === 200;
    });
    assert.match(body, /"city"/);
    await waitFor('the access log line', async () => p.out().includes('GET / 200'));
    p.child.kill('SIGTERM');
    assert.equal(await p.exit, 0, p.err());
    await assert.rejects(fetch(`http://127.0.0.1:${port}/`));
  });

  it('an idle image (sleep) stays up until SIGTERM, then exits 0', async () => {
    const p = run(['curlimages/curl']);
    await waitFor('the idle pod to report itself', async () => p.out().includes('sleep infinity'));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(p.child.exitCode, null, p.err());
    p.child.kill('SIGTERM');
    assert.equal(await p.exit, 0);
  });

  it('unknown image: message on stderr and exit 2; bad port: exit 2', async () => {
    const unknown = run(['nginx:1.27']);
    assert.equal(await unknown.exit, 2);
    assert.match(unknown.err(), /no sample app for image "nginx:1\.27"/);
    const badPort = run(['gcr.io/tetratelabs/hello-world:1.0.0', 'http']);
    assert.equal(await badPort.exit, 2);
    assert.match(badPort.err(), /invalid port "http"/);
  });
});
