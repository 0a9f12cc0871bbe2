import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoint } from '../model/service.js';
import { ipv4Value, sortEndpoints } from './registry-order.js';

test('ipv4Value: four parts of one to three digits, else -1', () => {
  assert.equal(ipv4Value('10.0.0.9'), 10 * 2 ** 24 + 9);
  assert.equal(ipv4Value('0.0.0.0'), 0);
  assert.equal(ipv4Value('255.255.255.255'), 2 ** 32 - 1);
  assert.equal(ipv4Value('010.0.0.1'), ipv4Value('10.0.0.1'));
  assert.equal(ipv4Value('999.0.0.0'), 999 * 2 ** 24, 'not refused: the value only orders');
  for (const text of ['', '1.2.3', '1.2.3.4.5', '1..2.3', '.1.2.3', '1.2.3.', '1.2.3.4444', '1.2.3.a', 'fd00::1', 'db.example.com', ' 1.2.3.4']) {
    assert.equal(ipv4Value(text), -1, text);
  }
});

test('sortEndpoints: hostname, namespace, service port, address (IPv4 numerically, then text), port, workload; stable for ties', () => {
  const e = (hostname: string, address: string, extra: Partial<Endpoint> = {}): Endpoint => ({
    hostname,
    namespace: 'default',
    servicePortName: 'http',
    servicePort: 80,
    address,
    port: 8080,
    labels: {},
    weight: 1,
    healthy: true,
    ...extra,
  });
  const input = [
    e('b', '10.0.0.10'),
    e('b', 'fd00::1'),
    e('b', '10.0.0.9'),
    e('b', 'a.example.com'),
    e('a', '10.0.0.1', { servicePort: 90 }),
    e('a', '10.0.0.1', { namespace: 'z' }),
    e('a', '10.0.0.1'),
    e('b', '10.0.0.9', { port: 7 }),
    e('b', '10.0.0.9', { workloadName: 'w', labels: { first: 'y' } }),
    e('b', '10.0.0.9', { workloadName: 'w', labels: { second: 'y' } }),
  ];
  const sorted = sortEndpoints(input);
  assert.deepEqual(
    sorted.map((x) => `${x.hostname} ${x.namespace} ${x.servicePort} ${x.address} ${x.port} ${x.workloadName ?? ''} ${Object.keys(x.labels).join()}`),
    [
      'a default 80 10.0.0.1 8080  ',
      'a default 90 10.0.0.1 8080  ',
      'a z 80 10.0.0.1 8080  ',
      'b default 80 10.0.0.9 7  ',
      'b default 80 10.0.0.9 8080  ',
      'b default 80 10.0.0.9 8080 w first',
      'b default 80 10.0.0.9 8080 w second',
      'b default 80 10.0.0.10 8080  ',
      'b default 80 a.example.com 8080  ',
      'b default 80 fd00::1 8080  ',
    ],
  );
  assert.equal(input[0]!.address, '10.0.0.10', 'the input is not sorted in place');
});
