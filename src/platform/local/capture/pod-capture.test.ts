import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appArgv, captureOptionsFromAnnotations, podIpFor, sidecarArgv } from './pod-capture.js';

test('podIpFor: sequential pod addresses on the bridge, never the gateway, .0 or .255', () => {
  assert.equal(podIpFor(1), '10.244.0.2');
  assert.equal(podIpFor(2), '10.244.0.3');
  assert.equal(podIpFor(253), '10.244.0.254');
  assert.equal(podIpFor(254), '10.244.1.1');
  assert.equal(podIpFor(1, { address: '10.250.3.1', prefixLength: 24 }), '10.250.3.2');
  assert.throws(() => podIpFor(254, { address: '10.250.3.1', prefixLength: 24 }), /no pod address 254/);
  assert.throws(() => podIpFor(0), /must be 1 or more/);
});

test('captureOptionsFromAnnotations: Istio injector defaults and overrides', () => {
  assert.deepEqual(captureOptionsFromAnnotations(), {
    inboundPortsInclude: '*',
    inboundPortsExclude: [15090, 15021, 15020],
    outboundIpRangesInclude: '*',
    outboundIpRangesExclude: [],
    outboundPortsExclude: [],
  });
  assert.deepEqual(
    captureOptionsFromAnnotations({
      'traffic.sidecar.istio.io/includeInboundPorts': '8080, 9090',
      'traffic.sidecar.istio.io/excludeInboundPorts': '22',
      'traffic.sidecar.istio.io/includeOutboundIPRanges': '10.96.0.0/12',
      'traffic.sidecar.istio.io/excludeOutboundIPRanges': '169.254.169.254/32',
      'traffic.sidecar.istio.io/excludeOutboundPorts': '5432',
    }),
    {
      inboundPortsInclude: [8080, 9090],
      inboundPortsExclude: [22, 15090, 15021, 15020],
      outboundIpRangesInclude: ['10.96.0.0/12'],
      outboundIpRangesExclude: ['169.254.169.254/32'],
      outboundPortsExclude: [5432],
    },
  );
  assert.throws(() => captureOptionsFromAnnotations({ 'traffic.sidecar.istio.io/excludeOutboundPorts': 'http' }), /excludeOutboundPorts: "http" is not a port number/);
});

test('argv: the sidecar enters the namespace as 1337; the app may not', () => {
  const s = sidecarArgv('pod-a', ['--bootstrap', '/x.yaml']);
  assert.deepEqual(s.slice(0, 9), ['ip', 'netns', 'exec', 'pod-a', 'setpriv', '--reuid=1337', '--regid=1337', '--clear-groups', '--']);
  assert.deepEqual(s.slice(-3), ['proxy', '--bootstrap', '/x.yaml']);
  assert.deepEqual(appArgv('pod-a', ['node', 'app.js']), ['ip', 'netns', 'exec', 'pod-a', 'node', 'app.js']);
  assert.throws(() => appArgv('pod-a', ['x'], { uid: 1337, gid: 1337 }), /may not run as uid\/gid 1337/);
});
