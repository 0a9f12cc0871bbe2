import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { compileJsonFormat, compileSubstitutionFormat, formatLiteral } from './substitution-format.js';
import { compileStrftime } from './strftime.js';
import { newStreamInfo } from '../http/stream-info.js';
import type { StreamInfo } from '../http/stream-info.js';
import { ResponseFlag } from '../errors/response-flags.js';
import { ProxyConfigError } from '../config/config-error.js';

function fullInfo(): StreamInfo {
  const info = newStreamInfo();
  Object.assign(info, {
    startTime: Date.UTC(2024, 0, 2, 3, 4, 5, 678),
    protocol: 'HTTP/1.1',
    downstreamRemoteAddress: '10.1.2.3',
    downstreamRemotePort: 5555,
    downstreamLocalAddress: '::1',
    downstreamLocalPort: 8080,
    requestedServerName: 'sni.example',
    requestMethod: 'GET',
    requestPath: '/p?q=1',
    requestAuthority: 'host.example',
    requestScheme: 'https',
    requestHeaders: { 'user-agent': 'curl/8', 'x-multi': ['first', 'second'], 'x-long': 'abcdefgh' },
    responseHeaders: { 'x-envoy-upstream-service-time': '12' },
    responseTrailers: { 'grpc-status': '0' },
    responseCode: 200,
    responseFlags: ResponseFlag.UH | ResponseFlag.UF,
    responseCodeDetails: 'via_upstream',
    routeName: 'r1',
    upstreamCluster: 'outbound|80||svc',
    upstreamClusterRaw: 'outbound|80||svc.raw',
    retryDecisions: ['attempt 1: retry 1 on 5xx (status 503)', 'attempt 2: no retry: limit 1 reached'],
    dynamicMetadata: { 'envoy.filters.http.rbac': { shadow_engine_result: 'allowed', n: 3 } },
    connectionTerminationDetails: 'rbac_access_denied',
    upstreamHost: '10.9.9.9:80',
    upstreamLocalAddress: '10.0.0.2:40000',
    upstreamTransportFailureReason: 'tls',
    bytesReceived: 10,
    bytesSent: 20,
    responseStartMs: 7.9,
    durationMs: 15.2,
    attemptCount: 2,
    requestId: 'rid',
  });
  return info;
}

describe('substitution format', () => {
  const cases: { format: string; want: string }[] = [
    { format: 'plain text', want: 'plain text' },
    { format: '100%% sure', want: '100% sure' },
    { format: '%REQ(:METHOD)% %REQ(:PATH)% %PROTOCOL%', want: 'GET /p?q=1 HTTP/1.1' },
    { format: '%REQ(:AUTHORITY)% %REQ(:SCHEME)%', want: 'host.example https' },
    { format: '%REQ(User-Agent)%', want: 'curl/8' },
    { format: '%REQ(X-MISSING?USER-AGENT)%', want: 'curl/8' },
    { format: '%REQ(x-multi)%', want: 'first' },
    { format: '%REQ(x-long):3%', want: 'abc' },
    { format: '%REQ_WITHOUT_QUERY(:PATH)%', want: '/p' },
    { format: '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%', want: '12' },
    { format: '%TRAILER(grpc-status)%', want: '0' },
    { format: '%START_TIME%', want: '2024-01-02T03:04:05.678Z' },
    { format: '%START_TIME(%Y/%m/%d %H:%M:%S)%', want: '2024/01/02 03:04:05' },
    { format: '%START_TIME(%s.%3f)%', want: '1704164645.678' },
    { format: '%START_TIME(%E6S|%f)%', want: '05.678000|678000000' },
    { format: '%RESPONSE_CODE% %RESPONSE_CODE_DETAILS% %RESPONSE_FLAGS%', want: '200 via_upstream UH,UF' },
    { format: '%BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESPONSE_DURATION%', want: '10 20 15 7' },
    { format: '%UPSTREAM_HOST% %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %UPSTREAM_TRANSPORT_FAILURE_REASON%', want: '10.9.9.9:80 outbound|80||svc 10.0.0.2:40000 tls' },
    { format: '%DOWNSTREAM_REMOTE_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% %DOWNSTREAM_PEER_ADDRESS%', want: '10.1.2.3:5555 10.1.2.3 10.1.2.3:5555' },
    { format: '%DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT%', want: '[::1]:8080 ::1' },
    { format: '%REQUESTED_SERVER_NAME% %ROUTE_NAME% %UPSTREAM_REQUEST_ATTEMPT_COUNT% %STREAM_ID%', want: 'sni.example r1 2 rid' },
    { format: '%HOSTNAME%', want: hostname() },
    { format: '%REQUEST_DURATION% %CONNECTION_TERMINATION_DETAILS%', want: '- rbac_access_denied' },
    { format: '%UPSTREAM_CLUSTER% %UPSTREAM_CLUSTER_RAW%', want: 'outbound|80||svc outbound|80||svc.raw' },
    // Envoy's metadata formatting: strings as they are, anything else as JSON; absent is "-".
    {
      format: '%DYNAMIC_METADATA(tsmesh.router:retry_decisions)%',
      want: '["attempt 1: retry 1 on 5xx (status 503)","attempt 2: no retry: limit 1 reached"]',
    },
    { format: '%DYNAMIC_METADATA(tsmesh.router:retry_decisions):20%', want: '["attempt 1: retry 1' },
    { format: '%DYNAMIC_METADATA(tsmesh.router:nope)% %DYNAMIC_METADATA(other)%', want: '- -' },
    { format: '%DYNAMIC_METADATA(envoy.filters.http.rbac:shadow_engine_result)%', want: 'allowed' },
    { format: '%DYNAMIC_METADATA(envoy.filters.http.rbac:n)%', want: '3' },
    { format: '%DYNAMIC_METADATA(envoy.filters.http.rbac)%', want: '{"shadow_engine_result":"allowed","n":3}' },
  ];
  for (const c of cases) {
    test(c.format, () => assert.equal(compileSubstitutionFormat(c.format)(fullInfo()), c.want));
  }

  test('missing values print "-" for access logs and "" for headers', () => {
    const info = newStreamInfo();
    const fmt = '[%REQ(x-none)%][%UPSTREAM_HOST%][%ROUTE_NAME%][%RESPONSE_FLAGS%][%RESPONSE_DURATION%]';
    assert.equal(compileSubstitutionFormat(fmt)(info), '[-][-][-][-][-]');
    assert.equal(compileSubstitutionFormat(fmt, { missing: '' })(info), '[][][][][]');
  });

  test('tsmesh.router metadata is absent when the router judged no attempt', () => {
    assert.equal(compileSubstitutionFormat('%DYNAMIC_METADATA(tsmesh.router:retry_decisions)%')(newStreamInfo()), '-');
    assert.equal(compileSubstitutionFormat('%DYNAMIC_METADATA(tsmesh.router)%')(newStreamInfo()), '-');
  });

  test('json_format prints metadata with its own JSON type', () => {
    const fmt = compileJsonFormat({ why: '%DYNAMIC_METADATA(tsmesh.router:retry_decisions)%', none: '%DYNAMIC_METADATA(x:y)%', n: '%DYNAMIC_METADATA(envoy.filters.http.rbac:n)%' });
    assert.deepEqual(JSON.parse(fmt(fullInfo())), {
      why: ['attempt 1: retry 1 on 5xx (status 503)', 'attempt 2: no retry: limit 1 reached'],
      none: null,
      n: 3,
    });
  });

  test('RESPONSE_CODE is 0 before a response', () => {
    assert.equal(compileSubstitutionFormat('%RESPONSE_CODE%')(newStreamInfo()), '0');
  });

  test('DURATION of a stream in flight is the time so far', () => {
    const info = newStreamInfo();
    info.startMono = performance.now() - 50;
    const d = Number(compileSubstitutionFormat('%DURATION%')(info));
    assert.ok(d >= 50 && d < 5000, String(d));
  });

  test('formatLiteral', () => {
    assert.equal(formatLiteral('abc%%'), 'abc%');
    assert.equal(formatLiteral(''), '');
    assert.equal(formatLiteral('a%PROTOCOL%'), null);
  });

  const errors: { format: string; reason: RegExp }[] = [
    { format: '%NOPE%', reason: /%NOPE%/ },
    // DYNAMIC_METADATA is supported now (below); FILTER_STATE is not.
    { format: '%FILTER_STATE(istio.x)%', reason: /%FILTER_STATE%/ },
    { format: '%DYNAMIC_METADATA%', reason: /namespace and optional keys/ },
    { format: '%DYNAMIC_METADATA(a::b)%', reason: /namespace and optional keys/ },
    { format: '100% sure', reason: /position 3/ },
    { format: '%REQ%', reason: /requires a header name/ },
    { format: '%REQ(a?b?c)%', reason: /NAME\?ALTERNATIVE/ },
    { format: '%PROTOCOL(x)%', reason: /does not take an argument/ },
    { format: '%lower%', reason: /position 0/ },
  ];
  for (const e of errors) {
    test(`error: ${e.format}`, () => {
      assert.throws(() => compileSubstitutionFormat(e.format, { path: 'f' }), (err: unknown) => err instanceof ProxyConfigError && err.path === 'f' && e.reason.test(err.reason));
    });
  }

  test('json_format keeps types of single commands', () => {
    const fmt = compileJsonFormat({ code: '%RESPONSE_CODE%', method: '%REQ(:METHOD)%', none: '%REQ(x-none)%', mixed: 'a %REQ(x-none)% b', lit: 7, nested: { host: '%UPSTREAM_HOST%' } });
    const line = fmt(fullInfo());
    assert.ok(line.endsWith('\n'));
    assert.deepEqual(JSON.parse(line), { code: 200, method: 'GET', none: null, mixed: 'a - b', lit: 7, nested: { host: '10.9.9.9:80' } });
  });

  test('json_format errors name the field', () => {
    assert.throws(() => compileJsonFormat({ a: { b: '%NOPE%' } }), (err: unknown) => err instanceof ProxyConfigError && err.path === 'json_format.a.b');
  });

  test('strftime specifiers', () => {
    const t = Date.UTC(2024, 1, 29, 13, 5, 9, 45);
    assert.equal(compileStrftime('%a %A %b %B %e %j %y %I%p %T %F %z %Z %Q %%')(t), 'Thu Thursday Feb February 29 060 24 01PM 13:05:09 2024-02-29 +0000 UTC %Q %');
  });
});
