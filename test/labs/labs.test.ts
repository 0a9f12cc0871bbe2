/**
 * The seed's labs, end to end, typed as the seed types them with `tsmesh` in place of `kubectl`
 * and `istioctl`, against a real local mesh (processes, sockets, real curl). Each lab installs its
 * own mesh in a fresh state directory and purges it afterwards. Labs run one after another: each
 * starts a dozen processes, and the machine has two CPUs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { curl, eventually, LabShell, REPO, type Capture } from './lab-shell.js';
import { captureUnavailable } from '../../src/platform/local/capture/apply-capture.js';
import { originalDstUnavailable } from '../../src/proxy/listener/original-dst.js';

const LABS = join(REPO, 'samples', 'labs');

/** netns capture needs Linux, root, ip, iptables and the original-dst addon; CI has them all. */
const netnsSkip = (await captureUnavailable()) ?? originalDstUnavailable();
if (netnsSkip !== null) process.stderr.write(`labs: netns capture mode skipped: ${netnsSkip}\n`);

for (const capture of ['rootless', 'netns'] as const) {
  const skip = capture === 'netns' && netnsSkip !== null ? `netns capture unavailable: ${netnsSkip}` : false;
  describe(`labs with ${capture} capture`, { concurrency: false, skip }, () => labs(capture));
}

/** Every lab, in one capture mode. */
function labs(capture: Capture): void {
  describe('Lab 1: install the demo profile, Bookinfo with sidecars, reach it through the ingress gateway', { concurrency: false }, () => {
    const sh = new LabShell(capture);
    after(() => sh.close());

    test('istioctl install --set profile=demo; the control plane and both gateways run', async () => {
      const out = await sh.install('demo');
      assert.match(out, /Installation complete/);
      const pods = await sh.waitForPods('istio-system');
      for (const name of ['istiod-', 'istio-ingressgateway-', 'istio-egressgateway-']) assert.match(pods, new RegExp(`^${name}\\S+ +1/1 +Running `, 'm'));
    });

    test('kubectl label namespace default istio-injection=enabled; get namespace -L istio-injection', async () => {
      assert.equal(await sh.ok(['label', 'namespace', 'default', 'istio-injection=enabled']), 'namespace/default labeled\n');
      assert.match(await sh.ok(['get', 'namespace', '-L', 'istio-injection']), /^default +Active +\S+ +enabled$/m);
    });

    test('kubectl apply -f <bookinfo.yaml URL>: every pod 2/2 Running', async () => {
      const out = await sh.ok(['apply', '-f', 'https://raw.githubusercontent.com/istio/istio/release-1.24/samples/bookinfo/platform/kube/bookinfo.yaml']);
      assert.match(out, /^deployment\.apps\/reviews-v3 created$/m);
      const pods = await sh.waitForPods('default');
      for (const app of ['details-v1', 'productpage-v1', 'ratings-v1', 'reviews-v1', 'reviews-v2', 'reviews-v3']) assert.match(pods, new RegExp(`^${app}-\\S+ +2/2 +Running `, 'm'));
    });

    test('kubectl apply -f samples/bookinfo/networking/bookinfo-gateway.yaml; productpage through the gateway shows changing reviews', async () => {
      await sh.ok(['apply', '-f', 'samples/bookinfo/networking/bookinfo-gateway.yaml']);
      const url = `http://${await sh.gatewayUrl()}/productpage`;
      const seen = new Set<string>();
      await eventually('productpage answers 200 through the gateway', async () => (await curl(['-o', '/dev/null', '-w', '%{http_code}', url])).stdout === '200');
      for (let i = 0; i < 30 && seen.size < 3; i++) {
        const page = (await curl([url])).stdout;
        assert.match(page, /Simple Bookstore App/);
        const version = /reviews-(v\d)/.exec(page)?.[1];
        if (version !== undefined) seen.add(version);
      }
      assert.ok(seen.size >= 2, `expected several reviews versions over 30 requests, saw ${[...seen].join(', ')}`);
    });

    test('istioctl uninstall --purge', async () => {
      assert.match(await sh.ok(['uninstall', '--purge']), /Uninstall complete/);
    });
  });

  describe('Lab 3: ingress with an Istio Gateway and with the Gateway API reaches hello-world', { concurrency: false }, () => {
    const sh = new LabShell(capture);
    const dir = join(LABS, 'lab3');
    before(async () => {
      await sh.install('default');
      await sh.ok(['label', 'namespace', 'default', 'istio-injection=enabled']);
    });
    after(() => sh.close());

    test('Option 1: Gateway + hello-world + VirtualService; curl http://$GATEWAY_URL/', async () => {
      await sh.ok(['apply', '-f', 'istio-gateway.yaml'], dir);
      assert.match(await sh.ok(['get', 'svc', '-n', 'istio-system', 'istio-ingressgateway']), /^istio-ingressgateway +LoadBalancer +10\.96\.\S+ +127\.\S+ +15021\/TCP,80\/TCP,443\/TCP /m);
      await sh.ok(['apply', '-f', 'hello-world.yaml'], dir);
      await sh.ok(['apply', '-f', 'vs-hello-world.yaml'], dir);
      await sh.waitForPods('default');
      const url = `http://${await sh.gatewayUrl()}/`;
      await eventually('hello-world through the Istio gateway', async () => (await curl([url])).stdout.includes('Hello World'));
    });

    test('Option 2: Gateway API Gateway (class istio, deployed automatically) + HTTPRoute', async () => {
      await sh.ok(['apply', '-f', 'gateway-api.yaml'], dir);
      await sh.ok(['apply', '-f', 'http-route.yaml'], dir);
      await sh.waitForPods('default');
      const url = `http://${await sh.gatewayUrl('http-gateway-istio', 'default')}/`;
      await eventually('hello-world through the Gateway API gateway', async () => (await curl([url])).stdout.includes('Hello World'));
      const gateways = await sh.ok(['get', 'gateways.gateway.networking.k8s.io']);
      assert.match(gateways, /^http-gateway +istio +127\.\S+ +True /m);
    });

    test('Cleanup, as the seed types it', async () => {
      for (const args of [
        ['delete', 'deploy', 'hello-world'],
        ['delete', 'service', 'hello-world'],
        ['delete', 'vs', 'hello-world'],
        ['delete', 'gateway', 'istio-gateway'],
        ['delete', 'gateway', 'http-gateway'],
        ['delete', 'httproute', 'hello-world-route'],
      ]) {
        assert.match(await sh.ok(args), / deleted\n$/);
      }
    });
  });

  /** `curl -s http://$GATEWAY_URL/ | grep -o "city"`: v2's page lists cities, v1's does not. */
  async function customersVersion(url: string, headers: readonly string[] = []): Promise<'v1' | 'v2' | 'error'> {
    const r = await curl([...headers.flatMap((h) => ['-H', h]), '-w', '\n%{http_code}', url]);
    const status = r.stdout.slice(r.stdout.lastIndexOf('\n') + 1);
    if (r.code !== 0 || status !== '200') return 'error';
    return r.stdout.includes('city') ? 'v2' : 'v1';
  }

  describe('Lab 5: simple traffic routing, v1 only then a 50/50 split', { concurrency: false }, () => {
    const sh = new LabShell(capture);
    const dir = join(LABS, 'lab5');
    let url = '';
    before(async () => {
      await sh.install('demo');
      await sh.ok(['label', 'namespace', 'default', 'istio-injection=enabled']);
    });
    after(() => sh.close());

    test('gateway, web-frontend, customers v1, web-frontend VirtualService: the page lists customers (v1)', async () => {
      for (const f of ['gateway.yaml', 'web-frontend.yaml', 'customers-v1.yaml', 'web-frontend-vs.yaml']) await sh.ok(['apply', '-f', f], dir);
      await sh.waitForPods('default');
      url = `http://${await sh.gatewayUrl()}/`;
      await eventually('web-frontend through the gateway', async () => (await customersVersion(url)) === 'v1');
    });

    test('DestinationRule, customers VirtualService → v1, then customers v2 deployed: still only v1', async () => {
      for (const f of ['customers-dr.yaml', 'customers-vs.yaml', 'customers-v2.yaml']) await sh.ok(['apply', '-f', f], dir);
      await sh.waitForPods('default');
      for (let i = 0; i < 20; i++) assert.equal(await customersVersion(url), 'v1');
    });

    test('customers-50-50.yaml: 200 requests split 50/50 within ±10%', async () => {
      await sh.ok(['apply', '-f', 'customers-50-50.yaml'], dir);
      await eventually('the split is in effect', async () => (await customersVersion(url)) === 'v2');
      const counts = { v1: 0, v2: 0, error: 0 };
      for (let i = 0; i < 200; i++) counts[await customersVersion(url)]++;
      assert.equal(counts.error, 0);
      assert.ok(counts.v2 >= 80 && counts.v2 <= 120, `v2 answered ${counts.v2} of 200`);
    });
  });

  describe('Lab 4: failure injection, a 5 s delay on half the requests, then a 500 on half', { concurrency: false }, () => {
    const sh = new LabShell(capture);
    const dir = join(LABS, 'lab4');
    let url = '';
    before(async () => {
      await sh.install('demo');
      await sh.ok(['label', 'namespace', 'default', 'istio-injection=enabled']);
      for (const f of ['gateway.yaml', 'web-frontend.yaml', 'customers.yaml']) await sh.ok(['apply', '-f', f], dir);
      await sh.waitForPods('default');
      url = `http://${await sh.gatewayUrl()}/`;
      await eventually('web-frontend through the gateway', async () => (await customersVersion(url)) === 'v1');
    });
    after(() => sh.close());

    test('customers-delay.yaml: some requests take 5 s more, the others do not', async () => {
      await sh.ok(['apply', '-f', 'customers-delay.yaml'], dir);
      let times: number[] = [];
      await eventually('the delay is in effect', async () => {
        times = await Promise.all(Array.from({ length: 12 }, async () => {
          const started = Date.now();
          await curl([url]);
          return Date.now() - started;
        }));
        return times.some((t) => t >= 5_000);
      }, 40_000);
      assert.ok(times.some((t) => t < 2_000), `every request was delayed: ${times.join(', ')} ms`);
      for (const t of times.filter((t) => t >= 5_000)) assert.ok(t < 9_000, `a delayed request took ${t} ms`);
    });

    test('customers-fault.yaml: half the customers calls are aborted with 500 (35-65% over 200 requests)', async () => {
      await sh.ok(['apply', '-f', 'customers-fault.yaml'], dir);
      await eventually('the abort is in effect', async () => (await customersVersion(url)) === 'error');
      let failed = 0;
      for (let i = 0; i < 200; i++) if ((await customersVersion(url)) === 'error') failed++;
      assert.ok(failed >= 70 && failed <= 130, `${failed} of 200 failed`);
    });
  });

  describe('Lab 6: header-based routing, user: debug reaches v2', { concurrency: false }, () => {
    const sh = new LabShell(capture);
    const dir = join(LABS, 'lab6');
    before(async () => {
      await sh.install('demo');
      await sh.ok(['label', 'namespace', 'default', 'istio-injection=enabled']);
    });
    after(() => sh.close());

    test('user: debug → v2, everything else → v1', async () => {
      for (const f of ['gateway.yaml', 'web-frontend.yaml', 'customers.yaml']) await sh.ok(['apply', '-f', f], dir);
      await sh.waitForPods('default');
      const url = `http://${await sh.gatewayUrl()}/`;
      await eventually('web-frontend through the gateway', async () => (await customersVersion(url)) === 'v1');
      await sh.ok(['apply', '-f', 'customers-vs.yaml'], dir);
      await eventually('header routing in effect', async () => (await customersVersion(url, ['user: debug'])) === 'v2');
      for (let i = 0; i < 10; i++) {
        assert.equal(await customersVersion(url, ['user: debug']), 'v2');
        assert.equal(await customersVersion(url), 'v1');
        assert.equal(await customersVersion(url, ['user: someone-else']), 'v1');
      }
    });
  });

  describe('Observability: sleep → httpbin inside the mesh', { concurrency: false }, () => {
    const sh = new LabShell(capture);
    before(async () => {
      await sh.install('demo');
      await sh.ok(['label', 'namespace', 'default', 'istio-injection=enabled']);
    });
    after(() => sh.close());

    test('kubectl exec deploy/sleep -c sleep -- curl -sS http://httpbin:8000/get', async () => {
      await sh.ok(['apply', '-f', 'https://raw.githubusercontent.com/istio/istio/release-1.24/samples/httpbin/httpbin.yaml']);
      await sh.ok(['apply', '-f', 'https://raw.githubusercontent.com/istio/istio/release-1.24/samples/sleep/sleep.yaml']);
      const pods = await sh.waitForPods('default');
      assert.match(pods, /^httpbin-\S+ +2\/2 +Running /m);
      assert.match(pods, /^sleep-\S+ +2\/2 +Running /m);
      let body = '';
      await eventually('httpbin answers sleep', async () => {
        const r = await sh.tsmesh(['exec', 'deploy/sleep', '-c', 'sleep', '--', 'curl', '-sS', 'http://httpbin:8000/get']);
        body = r.stdout;
        return r.code === 0 && body.includes('"url"');
      });
      const json = JSON.parse(body) as { url: string; headers: Record<string, string[]> };
      assert.equal(json.url, 'http://httpbin:8000/get');
      // The request went through both sidecars: the server's sidecar adds Envoy's request headers.
      assert.ok(json.headers['X-Request-Id'] !== undefined || json.headers['x-request-id'] !== undefined, JSON.stringify(json.headers));
      for (let i = 0; i < 20; i++) assert.equal((await sh.tsmesh(['exec', 'deploy/sleep', '-c', 'sleep', '--', 'curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}', 'http://httpbin:8000/get'])).stdout, '200');
    });

    test('the demo profile turns access logs on: kubectl logs deploy/sleep -c istio-proxy shows the request, as Istio does', async () => {
      // Istio's demo profile sets meshConfig.accessLogFile=/dev/stdout; each sidecar's lines are in
      // its own container log, also when it runs in the shared pod host.
      const line = (text: string): string | undefined => text.split('\n').find((l) => l.includes('"GET /get HTTP/1.1" 200 - via_upstream'));
      let out = '';
      await eventually('the sleep sidecar\'s access log line', async () => {
        out = await sh.ok(['logs', 'deploy/sleep', '-c', 'istio-proxy']);
        return line(out) !== undefined;
      });
      assert.match(line(out)!, / "curl\/[\d.]+" "[0-9a-f-]+" "httpbin:8000" "[\d.]+:\d+" outbound\|8000\|\|httpbin\.default\.svc\.cluster\.local /);
      await eventually('the httpbin sidecar\'s access log line', async () => {
        out = await sh.ok(['logs', 'deploy/httpbin', '-c', 'istio-proxy']);
        return line(out) !== undefined;
      });
      assert.match(line(out)!, / "httpbin:8000" "[\d.]+:\d+" inbound\|8080\|\| /);
    });
  });
}
