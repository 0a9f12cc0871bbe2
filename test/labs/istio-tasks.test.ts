/**
 * Istio's own traffic-management tasks on the local mesh, typed as istio.io types them with
 * `tsmesh` in place of kubectl: fault injection on Bookinfo (a 7 s delay and an HTTP abort for the
 * user jason, https://istio.io/latest/docs/tasks/traffic-management/fault-injection/) and request
 * timeouts (a 2 s ratings delay cut short by a 0.5 s reviews timeout,
 * https://istio.io/latest/docs/tasks/traffic-management/request-timeouts/).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { curl, eventually, LabShell } from './lab-shell.js';

/**
 * The tasks' common start: the demo profile, injection on `default`, Bookinfo with its gateway,
 * destination rules and every service on v1 (then `extra`), Ready and answering through the
 * ingress gateway. Resolves with the gateway's URL.
 */
async function deployBookinfo(sh: LabShell, extra: readonly string[] = []): Promise<string> {
  await sh.install('demo');
  await sh.ok(['label', 'namespace', 'default', 'istio-injection=enabled']);
  for (const file of ['platform/kube/bookinfo.yaml', 'networking/bookinfo-gateway.yaml', 'networking/destination-rule-all.yaml', 'networking/virtual-service-all-v1.yaml']) {
    await sh.ok(['apply', '-f', `samples/bookinfo/${file}`]);
  }
  for (const file of extra) await sh.ok(['apply', '-f', file]);
  await sh.waitForPods('default');
  const url = `http://${await sh.gatewayUrl()}`;
  await eventually('productpage through the gateway', async () => (await curl(['-o', '/dev/null', '-w', '%{http_code}', `${url}/productpage`])).stdout === '200');
  return url;
}

describe('Istio task: fault injection on Bookinfo', { concurrency: false }, () => {
  const sh = new LabShell();
  const jar = join(mkdtempSync(join(tmpdir(), 'tsmesh-jar-')), 'cookies');
  let url = '';
  /** The product page as jason (logged in through productpage's /login, as the task does in a browser). */
  const asJason = async (): Promise<{ page: string; ms: number }> => {
    const started = Date.now();
    const r = await curl(['-b', jar, `${url}/productpage`]);
    return { page: r.stdout, ms: Date.now() - started };
  };

  before(async () => {
    url = await deployBookinfo(sh, ['samples/bookinfo/networking/virtual-service-reviews-test-v2.yaml']);
    await curl(['-c', jar, '-o', '/dev/null', '--data', 'username=jason&passwd=jason', `${url}/login`]);
    // reviews-test-v2: jason sees v2's black stars, everyone else v1's none.
    await eventually('jason is routed to reviews v2', async () => (await asJason()).page.includes('reviews-v2'));
    assert.match((await curl([`${url}/productpage`])).stdout, /reviews-v1/);
  });
  after(() => sh.close());

  test('ratings delay 7 s for jason: the page takes about 6 s (productpage gives reviews 3 s, twice) and says reviews are unavailable', async () => {
    await sh.ok(['apply', '-f', 'samples/bookinfo/networking/virtual-service-ratings-test-delay.yaml']);
    let last = { page: '', ms: 0 };
    await eventually('the delay reaches jason', async () => (last = await asJason()).page.includes('Sorry, product reviews are currently unavailable for this book.'), 60_000);
    last = await asJason();
    assert.match(last.page, /Sorry, product reviews are currently unavailable for this book\./);
    assert.ok(last.ms >= 5_500 && last.ms < 9_000, `the page took ${last.ms} ms`);
    // Other users are not delayed.
    const started = Date.now();
    assert.match((await curl([`${url}/productpage`])).stdout, /reviews-v1/);
    assert.ok(Date.now() - started < 2_000);
  });

  test('ratings abort 500 for jason: reviews v2 says the ratings service is unavailable, at once', async () => {
    await sh.ok(['apply', '-f', 'samples/bookinfo/networking/virtual-service-ratings-test-abort.yaml']);
    let last = { page: '', ms: 0 };
    await eventually('the abort reaches jason', async () => (last = await asJason()).page.includes('Ratings service is currently unavailable'), 30_000);
    // The request that first saw the abort may have started under the delay; time a fresh one.
    last = await asJason();
    assert.match(last.page, /Ratings service is currently unavailable/);
    assert.match(last.page, /reviews-v2/);
    assert.ok(last.ms < 2_000, `the page took ${last.ms} ms`);
  });
});

/** The task's inline `kubectl apply -f - <<EOF` documents, as files. */
const REVIEWS_V2 = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts:
    - reviews
  http:
  - route:
    - destination:
        host: reviews
        subset: v2
`;

const RATINGS_DELAY_2S = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ratings
spec:
  hosts:
  - ratings
  http:
  - fault:
      delay:
        percentage:
          value: 100
        fixedDelay: 2s
    route:
    - destination:
        host: ratings
        subset: v1
`;

const REVIEWS_V2_TIMEOUT = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts:
  - reviews
  http:
  - route:
    - destination:
        host: reviews
        subset: v2
    timeout: 0.5s
`;

describe('Istio task: request timeouts on Bookinfo', { concurrency: false }, () => {
  const sh = new LabShell();
  const dir = mkdtempSync(join(tmpdir(), 'tsmesh-timeouts-'));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  let url = '';
  const page = async (): Promise<{ page: string; ms: number }> => {
    const started = Date.now();
    const r = await curl([`${url}/productpage`]);
    return { page: r.stdout, ms: Date.now() - started };
  };

  before(async () => {
    url = await deployBookinfo(sh);
  });
  after(() => sh.close());

  test('reviews v2 with a 2 s ratings delay: the page works, with stars, about 2 s late', async () => {
    await sh.ok(['apply', '-f', file('reviews-v2.yaml', REVIEWS_V2)]);
    await sh.ok(['apply', '-f', file('ratings-delay.yaml', RATINGS_DELAY_2S)]);
    let last = { page: '', ms: 0 };
    await eventually('the delay on ratings', async () => (last = await page()).page.includes('reviews-v2') && last.ms >= 1_900, 60_000);
    last = await page();
    assert.match(last.page, /reviews-v2/);
    assert.doesNotMatch(last.page, /Sorry, product reviews are currently unavailable/);
    assert.doesNotMatch(last.page, /Ratings service is currently unavailable/);
    assert.ok(last.ms >= 1_900 && last.ms < 3_500, `the page took ${last.ms} ms`);
  });

  test('a 0.5 s timeout on reviews: the page returns in about 1 s (productpage tries reviews twice) and reviews are unavailable', async () => {
    await sh.ok(['apply', '-f', file('reviews-timeout.yaml', REVIEWS_V2_TIMEOUT)]);
    let last = { page: '', ms: 0 };
    await eventually('the reviews timeout', async () => (last = await page()).page.includes('Sorry, product reviews are currently unavailable for this book.'), 60_000);
    last = await page();
    assert.match(last.page, /Sorry, product reviews are currently unavailable for this book\./);
    assert.ok(last.ms >= 900 && last.ms < 1_900, `the page took ${last.ms} ms`);
  });
});
