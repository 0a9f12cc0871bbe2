import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyConfigError } from '../config/config-error.js';
import { NOTHING_DETECTED, compileListenerInspection, inspectInitialBytes } from './listener-inspection.js';

const TLS = { name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector' } };
const HTTP = { name: 'envoy.filters.listener.http_inspector', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector' } };

// A minimal ClientHello with SNI "a.test".
const HELLO = (() => {
  const sni = Buffer.from([0, 0, 0, 11, 0, 9, 0, 0, 6, ...Buffer.from('a.test')]);
  const body = Buffer.concat([Buffer.from([3, 3]), Buffer.alloc(32), Buffer.from([0, 0, 2, 0x13, 0x01, 1, 0, 0, sni.length]), sni]);
  const hs = Buffer.concat([Buffer.from([1, 0, 0, body.length]), body]);
  return Buffer.concat([Buffer.from([0x16, 3, 1, 0, hs.length]), hs]);
})();

describe('compileListenerInspection', () => {
  test('defaults: no inspectors, 15 s timeout, close on timeout', () => {
    const p = compileListenerInspection({});
    assert.equal(p.tlsInspector, null);
    assert.equal(p.httpInspector, false);
    assert.equal(p.timeoutMs, 15_000);
    assert.equal(p.continueOnTimeout, false);
    assert.equal(p.maxPeekBytes, 0);
  });

  test('both inspectors, by type URL and by name; original_dst noted; others passed through', () => {
    const p = compileListenerInspection({
      listener_filters: [
        TLS,
        { name: 'envoy.filters.listener.http_inspector' },
        { name: 'envoy.filters.listener.original_dst', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst' } },
        { name: 'envoy.filters.listener.proxy_protocol', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol' } },
      ],
      listener_filters_timeout: '0.5s',
      continue_on_listener_filters_timeout: true,
    });
    assert.deepEqual(p.tlsInspector, { maxClientHelloSize: 16384, closeOnParseError: false });
    assert.equal(p.httpInspector, true);
    assert.equal(p.timeoutMs, 500);
    assert.equal(p.continueOnTimeout, true);
    assert.equal(p.maxPeekBytes, 64 * 1024);
    assert.equal(p.originalDstIndex, 2);
    assert.deepEqual(p.otherFilters, [{ index: 3, name: 'envoy.filters.listener.proxy_protocol', typeUrl: 'type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol' }]);
  });

  test('a zero timeout disables it', () => {
    assert.equal(compileListenerInspection({ listener_filters_timeout: '0s' }).timeoutMs, 0);
  });

  const bad: { name: string; listener: Record<string, unknown>; path: string }[] = [
    { name: 'max_client_hello_size above 16 KiB', listener: { listener_filters: [{ ...TLS, typed_config: { ...TLS.typed_config, max_client_hello_size: 65536 } }] }, path: 'listener_filters[0].typed_config.max_client_hello_size' },
    { name: 'JA3 fingerprinting', listener: { listener_filters: [{ ...TLS, typed_config: { ...TLS.typed_config, enable_ja3_fingerprinting: true } }] }, path: 'listener_filters[0].typed_config.enable_ja3_fingerprinting' },
    { name: 'filter_disabled without a rule', listener: { listener_filters: [{ ...TLS, filter_disabled: {} }] }, path: 'listener_filters[0].filter_disabled' },
    { name: 'filter_disabled on SNI (not implemented)', listener: { listener_filters: [{ ...TLS, filter_disabled: { requested_server_name: 'a' } }] }, path: 'listener_filters[0].filter_disabled.requested_server_name' },
    { name: 'original_dst with Windows-only config', listener: { listener_filters: [{ name: 'envoy.filters.listener.original_dst', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst', bogus: 1 } }] }, path: 'listener_filters[0].typed_config.bogus' },
    { name: 'bad timeout', listener: { listener_filters_timeout: '5' }, path: 'listener_filters_timeout' },
  ];
  for (const c of bad) {
    test(`rejects ${c.name}`, () => {
      assert.throws(() => compileListenerInspection(c.listener), (err: unknown) => err instanceof ProxyConfigError && err.path === c.path);
    });
  }
});

describe('inspectInitialBytes', () => {
  const both = compileListenerInspection({ listener_filters: [TLS, HTTP] });
  const tlsOnly = compileListenerInspection({ listener_filters: [TLS] });
  const httpOnly = compileListenerInspection({ listener_filters: [HTTP] });
  const strictTls = compileListenerInspection({ listener_filters: [{ ...TLS, typed_config: { ...TLS.typed_config, close_connection_on_client_hello_parsing_errors: true } }] });
  const cases: { name: string; plan: typeof both; input: Buffer; want: unknown }[] = [
    { name: 'TLS with both', plan: both, input: HELLO, want: { state: 'done', transportProtocol: 'tls', serverName: 'a.test', applicationProtocols: [] } },
    { name: 'partial TLS waits', plan: both, input: HELLO.subarray(0, 20), want: { state: 'need-more' } },
    { name: 'HTTP/1.1 with both', plan: both, input: Buffer.from('GET / HTTP/1.1\r\n'), want: { state: 'done', transportProtocol: 'raw_buffer', serverName: '', applicationProtocols: ['http/1.1'] } },
    { name: 'h2c with both', plan: both, input: Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), want: { state: 'done', transportProtocol: 'raw_buffer', serverName: '', applicationProtocols: ['h2c'] } },
    { name: 'garbage with both', plan: both, input: Buffer.from([1, 2, 3]), want: NOTHING_DETECTED },
    { name: 'HTTP with tls_inspector only: nothing detected', plan: tlsOnly, input: Buffer.from('GET / HTTP/1.1\r\n'), want: NOTHING_DETECTED },
    { name: 'TLS with http_inspector only: not HTTP', plan: httpOnly, input: HELLO, want: NOTHING_DETECTED },
    { name: 'close_connection_on_client_hello_parsing_errors', plan: strictTls, input: Buffer.from('GET / HTTP/1.1\r\n'), want: { state: 'close', reason: 'client_hello_parse_error' } },
    { name: 'oversized ClientHello closes', plan: tlsOnly, input: Buffer.from([0x16, 3, 1, 0, 4, 1, 0, 0x80, 0]), want: { state: 'close', reason: 'client_hello_too_large' } },
    { name: 'endless request line closes', plan: httpOnly, input: Buffer.from(`GET /${'a'.repeat(70_000)}`), want: { state: 'close', reason: 'http_request_line_too_large' } },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(inspectInitialBytes(c.input, c.plan), c.want));
  }
});
