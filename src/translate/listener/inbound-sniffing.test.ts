/**
 * Inbound chains for ports of unknown protocol (Istio's inboundPlainTextFilterChainMatchOptions
 * for ListenerProtocolAuto): an HTTP chain for what http_inspector reports as HTTP/1.1 or h2c and
 * a TCP chain for the rest, both on the target port and named after it; http_inspector runs on
 * that port and stays off (filter_disabled) on ports that declare their protocol.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EnvoyJson } from '../generated.js';
import { buildListeners } from './build-listeners.js';
import { NONE_MODE, assertEncodes, chains, endpoint, listenerFilterNames, listenerNamed, proxyOf, pushOf, svc, terminal } from './test-fixtures.js';

const CUSTOMERS = 'customers.default.svc.cluster.local';
const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
/** The labs' customers Service: unnamed port 80 to targetPort 3000. */
const customers = svc('customers', [['', 80, 'UNSUPPORTED']], { addresses: ['10.96.1.2'], selector: { app: 'customers' } });
const db = svc('db', [['tcp', 5432, 'TCP']], { addresses: ['10.96.0.30'], selector: { app: 'customers' } });
const endpoints = [endpoint(CUSTOMERS, 80, '10.0.0.1', 3000)];

const chainsNamed = (l: EnvoyJson, name: string): EnvoyJson[] => chains(l).filter((c) => c.name === name);

test('inbound sniffing: capture: an unnamed port gets an HTTP (http/1.1, h2c) and a TCP chain on its target port, in that order', () => {
  const push = pushOf({ services: [customers, db], endpoints });
  const { listeners } = buildListeners(proxyOf({ labels: { app: 'customers' } }), push, []);
  assertEncodes(listeners);
  const vi = listenerNamed(listeners, 'virtualInbound');
  const [http, tcp, ...rest] = chainsNamed(vi, '0.0.0.0_3000');
  assert.equal(rest.length, 0);
  assert.deepEqual(http!.filter_chain_match, { destination_port: 3000, transport_protocol: 'raw_buffer', application_protocols: ['http/1.1', 'h2c'] });
  const hcm = terminal(http!);
  assert.equal(hcm['@type'], HCM_TYPE);
  assert.equal(hcm.stat_prefix, 'inbound_0.0.0.0_3000');
  assert.deepEqual(hcm.route_config, {
    name: 'inbound|3000||',
    virtual_hosts: [{ name: 'inbound|http|80', domains: ['*'], routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster: 'inbound|3000||', timeout: '0s' } }] }],
    validate_clusters: false,
  });
  assert.deepEqual(tcp!.filter_chain_match, { destination_port: 3000, transport_protocol: 'raw_buffer' });
  assert.equal(terminal(tcp!).cluster, 'inbound|3000||');
  assert.equal(terminal(tcp!).stat_prefix, 'inbound|3000||');
  // http_inspector runs for 3000 and the passthrough chains, and is off where the protocol is declared.
  assert.deepEqual(listenerFilterNames(vi), ['envoy.filters.listener.original_dst', 'envoy.filters.listener.http_inspector']);
  assert.deepEqual((vi.listener_filters as EnvoyJson[])[1]!.filter_disabled, {
    or_match: { rules: [5432, 15006].map((p) => ({ destination_port_range: { start: p, end: p + 1 } })) },
  });
});

test('inbound sniffing: NONE with TSMESH_APP_ADDRESS: the bound listener on the pod address has both chains and an unconditional http_inspector', () => {
  const push = pushOf({ services: [customers], endpoints });
  const proxy = proxyOf({ labels: { app: 'customers' }, metadata: { ...NONE_MODE, TSMESH_BIND_ADDRESS: '127.10.0.5', TSMESH_APP_ADDRESS: '127.11.0.5' } });
  const { listeners } = buildListeners(proxy, push, []);
  assertEncodes(listeners);
  const l = listenerNamed(listeners, '127.10.0.5_3000');
  assert.equal(l.bind_to_port, undefined);
  assert.deepEqual(listenerFilterNames(l), ['envoy.filters.listener.http_inspector']);
  assert.equal((l.listener_filters as EnvoyJson[])[0]!.filter_disabled, undefined);
  assert.deepEqual(chains(l).map((c) => [c.name, c.filter_chain_match, terminal(c)['@type']]), [
    ['127.10.0.5_3000', { destination_port: 3000, transport_protocol: 'raw_buffer', application_protocols: ['http/1.1', 'h2c'] }, HCM_TYPE],
    ['127.10.0.5_3000', { destination_port: 3000, transport_protocol: 'raw_buffer' }, 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy'],
  ]);
});
