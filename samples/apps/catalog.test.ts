import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { APP_IMAGES, findAppImage } from './catalog.js';
import { parseImageRef } from './image-ref.js';

describe('findAppImage', () => {
  const cases: readonly [string, string | undefined, string | undefined][] = [
    // [reference, expected app image, expected tag]
    ['docker.io/istio/examples-bookinfo-reviews-v2:1.20.2', 'docker.io/istio/examples-bookinfo-reviews-v2', '1.20.2'],
    ['istio/examples-bookinfo-reviews-v2:1.20.2', 'docker.io/istio/examples-bookinfo-reviews-v2', '1.20.2'],
    ['docker.io/istio/examples-bookinfo-productpage-v1:1.20.1', 'docker.io/istio/examples-bookinfo-productpage-v1', '1.20.1'],
    ['docker.io/istio/examples-bookinfo-details-v1:1.20.2', 'docker.io/istio/examples-bookinfo-details-v1', '1.20.2'],
    ['docker.io/istio/examples-bookinfo-ratings-v1:1.20.2', 'docker.io/istio/examples-bookinfo-ratings-v1', '1.20.2'],
    ['docker.io/istio/examples-bookinfo-reviews-v3:1.20.2@sha256:' + 'a'.repeat(64), 'docker.io/istio/examples-bookinfo-reviews-v3', '1.20.2'],
    ['gcr.io/tetratelabs/customers:1.0.0', 'gcr.io/tetratelabs/customers', '1.0.0'],
    ['gcr.io/tetratelabs/customers:2.0.0', 'gcr.io/tetratelabs/customers', '2.0.0'],
    ['gcr.io/tetratelabs/customers:3.0.0', undefined, undefined],
    ['gcr.io/tetratelabs/customers', undefined, undefined], // 'latest' is not a customers version the labs use
    ['gcr.io/tetratelabs/web-frontend:1.0.0', 'gcr.io/tetratelabs/web-frontend', '1.0.0'],
    ['gcr.io/tetratelabs/hello-world:1.0.0', 'gcr.io/tetratelabs/hello-world', '1.0.0'],
    ['GCR.IO/tetratelabs/hello-world:1.0.0', 'gcr.io/tetratelabs/hello-world', '1.0.0'],
    ['docker.io/mccutchen/go-httpbin:v2.15.0', 'docker.io/mccutchen/go-httpbin', 'v2.15.0'],
    ['mccutchen/go-httpbin', 'docker.io/mccutchen/go-httpbin', 'latest'],
    ['docker.io/kennethreitz/httpbin', 'docker.io/kennethreitz/httpbin', 'latest'],
    ['index.docker.io/kennethreitz/httpbin:latest', 'docker.io/kennethreitz/httpbin', 'latest'],
    ['docker.io/kong/httpbin', 'docker.io/kong/httpbin', 'latest'],
    ['curlimages/curl', 'docker.io/curlimages/curl', 'latest'],
    ['docker.io/curlimages/curl:8.16.0', 'docker.io/curlimages/curl', '8.16.0'],
    ['docker.io/istio/examples-helloworld-v1:1.0', 'docker.io/istio/examples-helloworld-v1', '1.0'],
    ['nginx', undefined, undefined],
    ['localhost:5000/customers:1.0.0', undefined, undefined],
    ['', undefined, undefined],
    ['gcr.io/tetratelabs/customers:', undefined, undefined],
    ['has space:1', undefined, undefined],
  ];
  for (const [ref, image, tag] of cases) {
    it(`${JSON.stringify(ref)} → ${image ?? 'none'}`, () => {
      const found = findAppImage(ref);
      assert.equal(found?.app.image, image);
      assert.equal(found?.tag, tag);
    });
  }

  it('every catalog image is found by its own name and is unique', () => {
    const names = new Set<string>();
    for (const app of APP_IMAGES) {
      assert.ok(!names.has(app.image), `duplicate ${app.image}`);
      names.add(app.image);
      const tag = app.tags?.[0] ?? 'latest';
      assert.equal(findAppImage(`${app.image}:${tag}`)?.app, app);
      assert.ok(app.describe.length > 0);
    }
  });
});

describe('parseImageRef', () => {
  it('keeps a registry port apart from the tag', () => {
    assert.deepEqual(parseImageRef('localhost:5000/team/app'), { repository: 'localhost:5000/team/app', tag: 'latest' });
    assert.deepEqual(parseImageRef('localhost:5000/team/app:v1'), { repository: 'localhost:5000/team/app', tag: 'v1' });
  });
  it('puts single names under docker.io/library', () => {
    assert.deepEqual(parseImageRef('busybox:1.36'), { repository: 'docker.io/library/busybox', tag: '1.36' });
  });
});
