import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningApp } from '../catalog.js';
import { startApp } from '../lib/app-fixture.js';
import { startForwardProxy, type ForwardProxy } from '../lib/forward-proxy.fixture.js';

/**
 * Bookinfo end to end over real sockets: productpage → details, productpage → reviews → ratings,
 * every hop through a real forward proxy (standing in for the sidecar) that maps the service
 * names to the apps' ports. Swapping the proxy's `reviews` route changes which version answers.
 */

const apps: RunningApp[] = [];
let proxy: ForwardProxy;
const routes: Record<string, { host: string; port: number }> = {};
const reviewsPorts: Record<string, number> = {};
let productpage: string;
let productpageLogs: string[];

async function start(image: string, env: Record<string, string> = {}): Promise<{ base: string; port: number; logs: string[] }> {
  const s = await startApp(image, env);
  apps.push(s.app);
  return { base: s.base, port: s.app.ports[0]!, logs: s.logs };
}

before(async () => {
  proxy = await startForwardProxy(routes);
  const env = { http_proxy: proxy.url };
  routes['details'] = { host: '127.0.0.1', port: (await start('docker.io/istio/examples-bookinfo-details-v1:1.20.2', env)).port };
  routes['ratings'] = { host: '127.0.0.1', port: (await start('docker.io/istio/examples-bookinfo-ratings-v1:1.20.2', env)).port };
  for (const v of ['v1', 'v2', 'v3']) {
    reviewsPorts[v] = (await start(`docker.io/istio/examples-bookinfo-reviews-${v}:1.20.2`, { ...env, POD_NAME: `reviews-${v}-5b5d6494f4-wsrwp` })).port;
  }
  const pp = await start('docker.io/istio/examples-bookinfo-productpage-v1:1.20.2', env);
  productpage = pp.base;
  productpageLogs = pp.logs;
});

after(async () => {
  await Promise.all(apps.map((a) => a.close()));
  await proxy.close();
});

function useReviews(version: 'v1' | 'v2' | 'v3' | 'none'): void {
  if (version === 'none') delete routes['reviews'];
  else routes['reviews'] = { host: '127.0.0.1', port: reviewsPorts[version]! };
}

const count = (s: string, re: RegExp): number => s.match(re)?.length ?? 0;

describe('Bookinfo', () => {
  it('productpage with reviews v2 shows black stars from ratings and names the reviews pod', async () => {
    useReviews('v2');
    const res = await fetch(`${productpage}/productpage`);
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /<title>Simple Bookstore App<\/title>/);
    assert.match(html, /The Comedy of Errors/);
    assert.match(html, /Book Details/);
    assert.match(html, /<dt>Publisher:<\/dt>PublisherA/);
    assert.match(html, /Book Reviews/);
    assert.match(html, /An extremely entertaining play by Shakespeare/);
    assert.equal(count(html, /<font color="black">/g), 2);
    assert.equal(count(html, /glyphicon glyphicon-star"/g), 9, 'Reviewer1 5 stars + Reviewer2 4 stars');
    assert.equal(count(html, /glyphicon-star-empty/g), 1);
    assert.match(html, /Reviews served by:<\/dt>\s*<u>reviews-v2-5b5d6494f4-wsrwp<\/u>/);
    assert.ok(productpageLogs.some((l) => /"GET \/productpage HTTP\/1\.1" 200 -$/.test(l)), productpageLogs.join('\n'));
  });

  it('reviews v3 shows red stars, v1 none', async () => {
    useReviews('v3');
    const v3 = await (await fetch(`${productpage}/productpage`)).text();
    assert.equal(count(v3, /<font color="red">/g), 2);
    assert.match(v3, /reviews-v3-/);
    useReviews('v1');
    const v1 = await (await fetch(`${productpage}/productpage`)).text();
    assert.equal(count(v1, /glyphicon-star/g), 0);
    assert.match(v1, /reviews-v1-/);
  });

  it('forwards trace headers productpage → reviews → ratings, and end-user after sign-in', async () => {
    useReviews('v2');
    const login = await fetch(`${productpage}/login`, {
      method: 'POST',
      body: 'username=jason&passwd=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded', referer: `${productpage}/productpage` },
      redirect: 'manual',
    });
    assert.equal(login.status, 302);
    assert.equal(login.headers.get('location'), `${productpage}/productpage`);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    assert.match(cookie, /^session=/);
    const before = proxy.seen.length;
    const page = await (await fetch(`${productpage}/productpage`, { headers: { cookie, 'x-b3-traceid': 'aaaa', 'x-request-id': 'rid-7', b3: 'aaaa-bbbb-1' } })).text();
    assert.match(page, /jason/);
    const hops = proxy.seen.slice(before);
    const byHost = (h: string) => hops.find((s) => s.headers.host === `${h}:9080`);
    for (const host of ['details', 'reviews', 'ratings']) {
      const hop = byHost(host);
      assert.ok(hop, `${host} was called through the proxy`);
      assert.equal(hop.target, `http://${host}:9080/${host}/0`);
      assert.equal(hop.headers['x-request-id'], 'rid-7', host);
      assert.equal(hop.headers['x-b3-traceid'], 'aaaa', host);
      assert.equal(hop.headers['b3'], 'aaaa-bbbb-1', host);
    }
    assert.equal(byHost('reviews')!.headers['end-user'], 'jason');
    assert.equal(byHost('ratings')!.headers['end-user'], 'jason');
    const out = await fetch(`${productpage}/logout`, { headers: { cookie, referer: `${productpage}/productpage` }, redirect: 'manual' });
    assert.equal(out.status, 302);
    assert.match(out.headers.get('set-cookie') ?? '', /^session=;/);
  });

  it('ratings unavailable: reviews v2 says so per review', async () => {
    useReviews('v2');
    const saved = routes['ratings']!;
    delete routes['ratings'];
    try {
      const html = await (await fetch(`${productpage}/productpage`)).text();
      assert.equal(count(html, /Ratings service is currently unavailable/g), 2);
      const api = (await (await fetch(`${productpage}/api/v1/products/0/reviews`)).json()) as { reviews: { rating: { error?: string } }[] };
      assert.equal(api.reviews[0]!.rating.error, 'Ratings service is currently unavailable');
    } finally {
      routes['ratings'] = saved;
    }
  });

  it('reviews unavailable: the error heading, after two attempts; the API returns the status', async () => {
    useReviews('none');
    const before = proxy.seen.length;
    const html = await (await fetch(`${productpage}/productpage`)).text();
    assert.match(html, /Error fetching product reviews!/);
    assert.match(html, /Sorry, product reviews are currently unavailable for this book\./);
    assert.match(html, /Book Details/);
    assert.equal(proxy.seen.slice(before).filter((s) => s.headers.host === 'reviews:9080').length, 2);
    const api = await fetch(`${productpage}/api/v1/products/0/reviews`);
    assert.equal(api.status, 502);
    assert.deepEqual(await api.json(), { error: 'Sorry, product reviews are currently unavailable for this book.' });
  });

  it('JSON API, health and index', async () => {
    useReviews('v1');
    const products = (await (await fetch(`${productpage}/api/v1/products`)).json()) as { id: number; title: string }[];
    assert.equal(products[0]!.title, 'The Comedy of Errors');
    assert.deepEqual(await (await fetch(`${productpage}/api/v1/products/0`)).json(), {
      id: 0,
      author: 'William Shakespeare',
      year: 1595,
      type: 'paperback',
      pages: 200,
      publisher: 'PublisherA',
      language: 'English',
      'ISBN-10': '1234567890',
      'ISBN-13': '123-1234567890',
    });
    const reviews = (await (await fetch(`${productpage}/api/v1/products/0/reviews`)).json()) as Record<string, unknown>;
    assert.equal(reviews['id'], '0');
    assert.equal(reviews['podname'], 'reviews-v1-5b5d6494f4-wsrwp');
    assert.deepEqual((reviews['reviews'] as unknown[])[1], {
      reviewer: 'Reviewer2',
      text: 'Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare.',
    });
    assert.deepEqual(await (await fetch(`${productpage}/api/v1/products/0/ratings`)).json(), { id: 0, ratings: { Reviewer1: 5, Reviewer2: 4 } });
    assert.equal(await (await fetch(`${productpage}/health`)).text(), 'Product page is healthy');
    assert.match(await (await fetch(`${productpage}/`)).text(), /Normal user/);
    assert.equal((await fetch(`${productpage}/static/missing.css`)).status, 404);
  });

  it('details and ratings reject non-numeric ids as the real services do', async () => {
    const details = `http://127.0.0.1:${routes['details']!.port}`;
    const ratings = `http://127.0.0.1:${routes['ratings']!.port}`;
    const d = await fetch(`${details}/details/abc`);
    assert.equal(d.status, 400);
    assert.deepEqual(await d.json(), { error: 'please provide numeric product id' });
    const r = await fetch(`${ratings}/ratings/abc`);
    assert.equal(r.status, 400);
    assert.deepEqual(await r.json(), { error: 'please provide numeric product ID' });
    assert.deepEqual(await (await fetch(`${ratings}/health`)).json(), { status: 'Ratings is healthy' });
    assert.deepEqual(await (await fetch(`${details}/health`)).json(), { status: 'Details is healthy' });
  });
});
