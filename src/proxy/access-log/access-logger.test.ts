import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { compileAccessLogs, emitAccessLogs, FILE_ACCESS_LOG_TYPE, STDERR_ACCESS_LOG_TYPE, STDOUT_ACCESS_LOG_TYPE } from './access-logger.js';
import { AccessLogSinks } from './access-log-sinks.js';
import { newStreamInfo } from '../http/stream-info.js';
import type { StreamInfo } from '../http/stream-info.js';
import { ResponseFlag } from '../errors/response-flags.js';
import { ProxyConfigError } from '../config/config-error.js';
import { StatsStore } from '../../telemetry/stats/stats-store.js';

/** Istio's EnvoyTextLogFormat, as translate/listener/access-log.ts sends it (copied: the proxy does not import the control plane). */
const ISTIO_TEXT_LOG_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% ' +
  '%RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% %BYTES_SENT% ' +
  '%DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" ' +
  '"%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER_RAW% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% ' +
  '%DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n';

function overflowInfo(): StreamInfo {
  return Object.assign(newStreamInfo(), {
    startTime: Date.UTC(2026, 11, 7, 1, 2, 3, 456),
    protocol: 'HTTP/1.1',
    requestMethod: 'GET',
    requestPath: '/status/503',
    requestAuthority: 'httpbin:8000',
    requestHeaders: { 'user-agent': 'curl/8.5.0', 'x-request-id': 'rid-1' },
    responseHeaders: { 'x-envoy-overloaded': 'true' },
    responseCode: 503,
    responseFlags: ResponseFlag.UO,
    responseCodeDetails: 'upstream_reset_before_response_started{overflow}',
    upstreamCluster: 'outbound|8000||httpbin.default.svc.cluster.local',
    upstreamClusterRaw: 'outbound|8000||httpbin.default.svc.cluster.local',
    downstreamLocalAddress: '10.96.0.5',
    downstreamLocalPort: 8000,
    downstreamRemoteAddress: '10.0.0.7',
    downstreamRemotePort: 43210,
    routeName: 'default',
    bytesSent: 81,
    durationMs: 2.7,
  });
}

interface Captured {
  sinks: AccessLogSinks;
  stdout: string[];
  stderr: string[];
  warnings: string[];
  stats: StatsStore;
}

function capture(): Captured {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const warnings: string[] = [];
  const stats = new StatsStore();
  const sinks = new AccessLogSinks({ stats, outputs: { stdout: (c) => stdout.push(c), stderr: (c) => stderr.push(c) }, flushIntervalMs: 5, warn: (l) => warnings.push(l) });
  return { sinks, stdout, stderr, warnings, stats };
}

/** Logs `info` with the compiled list and returns what reached stdout. */
function logLine(accessLog: unknown, info: StreamInfo = overflowInfo()): string {
  const c = capture();
  const loggers = compileAccessLogs(accessLog, c.sinks);
  assert.ok(loggers !== null);
  emitAccessLogs(loggers, info);
  c.sinks.flush();
  return c.stdout.join('');
}

describe('access loggers', () => {
  const cases: { name: string; accessLog: unknown; want: string }[] = [
    {
      name: "Istio's text format (what the control plane sends)",
      accessLog: [{ name: 'envoy.access_loggers.file', typed_config: { '@type': FILE_ACCESS_LOG_TYPE, path: '/dev/stdout', log_format: { text_format_source: { inline_string: ISTIO_TEXT_LOG_FORMAT } } } }],
      want:
        '[2026-12-07T01:02:03.456Z] "GET /status/503 HTTP/1.1" 503 UO upstream_reset_before_response_started{overflow} - "-" 0 81 2 - "-" "curl/8.5.0" "rid-1" ' +
        '"httpbin:8000" "-" outbound|8000||httpbin.default.svc.cluster.local - 10.96.0.5:8000 10.0.0.7:43210 - default\n',
    },
    {
      name: "Envoy's default format when none is given",
      accessLog: [{ name: 'envoy.access_loggers.file', typed_config: { '@type': FILE_ACCESS_LOG_TYPE, path: '/dev/stdout' } }],
      want: '[2026-12-07T01:02:03.456Z] "GET /status/503 HTTP/1.1" 503 UO 0 81 2 - "-" "curl/8.5.0" "rid-1" "httpbin:8000" "-"\n',
    },
    {
      name: 'legacy format field',
      accessLog: [{ name: 'f', typed_config: { '@type': FILE_ACCESS_LOG_TYPE, path: '/dev/stdout', format: '%RESPONSE_CODE% %RESPONSE_FLAGS% %UPSTREAM_HOST%\n' } }],
      want: '503 UO -\n',
    },
    {
      name: 'log_format.text_format',
      accessLog: [{ name: 'f', typed_config: { '@type': FILE_ACCESS_LOG_TYPE, path: '/dev/stdout', log_format: { text_format: '%REQ(:METHOD)% %RESPONSE_CODE_DETAILS%\n' } } }],
      want: 'GET upstream_reset_before_response_started{overflow}\n',
    },
    {
      name: 'text_format_source inline_bytes',
      accessLog: [{ name: 'f', typed_config: { '@type': FILE_ACCESS_LOG_TYPE, path: '/dev/stdout', log_format: { text_format_source: { inline_bytes: Buffer.from('%RESPONSE_CODE%\n').toString('base64') } } } }],
      want: '503\n',
    },
    {
      name: 'omit_empty_values prints missing values as empty',
      accessLog: [{ name: 'f', typed_config: { '@type': FILE_ACCESS_LOG_TYPE, path: '/dev/stdout', log_format: { text_format: '[%UPSTREAM_HOST%][%RESPONSE_FLAGS%]\n', omit_empty_values: true } } }],
      want: '[][UO]\n',
    },
    {
      name: 'legacy json_format',
      accessLog: [{ name: 'f', typed_config: { '@type': FILE_ACCESS_LOG_TYPE, path: '/dev/stdout', json_format: { code: '%RESPONSE_CODE%', flags: '%RESPONSE_FLAGS%', host: '%UPSTREAM_HOST%' } } }],
      want: '{"code":503,"flags":"UO","host":null}\n',
    },
    {
      name: 'log_format.json_format with omit_empty_values drops missing keys',
      accessLog: [{ name: 'f', typed_config: { '@type': FILE_ACCESS_LOG_TYPE, path: '/dev/stdout', log_format: { json_format: { code: '%RESPONSE_CODE%', host: '%UPSTREAM_HOST%' }, omit_empty_values: true } } }],
      want: '{"code":503}\n',
    },
    {
      name: 'json_format_options.sort_properties sorts keys, nested ones too',
      accessLog: [{ name: 'f', typed_config: { '@type': FILE_ACCESS_LOG_TYPE, path: '/dev/stdout', log_format: { json_format: { z: '%RESPONSE_CODE%', a: { y: '%RESPONSE_FLAGS%', b: 'x' } }, json_format_options: { sort_properties: true } } } }],
      want: '{"a":{"b":"x","y":"UO"},"z":503}\n',
    },
    {
      name: 'stdout logger without typed_config: default format',
      accessLog: [{ name: 'envoy.access_loggers.stdout' }],
      want: '[2026-12-07T01:02:03.456Z] "GET /status/503 HTTP/1.1" 503 UO 0 81 2 - "-" "curl/8.5.0" "rid-1" "httpbin:8000" "-"\n',
    },
    {
      name: 'StdoutAccessLog with log_format',
      accessLog: [{ name: 'out', typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE, log_format: { text_format: '%RESPONSE_CODE%\n' } } }],
      want: '503\n',
    },
    {
      name: 'a filter that passes',
      accessLog: [{ name: 'f', filter: { response_flag_filter: { flags: ['UO'] } }, typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE, log_format: { text_format: 'x\n' } } }],
      want: 'x\n',
    },
    {
      name: 'a filter that does not pass',
      accessLog: [{ name: 'f', filter: { status_code_filter: { comparison: { op: 'LE', value: { default_value: 299 } } } }, typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE, log_format: { text_format: 'x\n' } } }],
      want: '',
    },
    {
      name: 'two loggers to one destination, in order',
      accessLog: [
        { name: 'a', typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE, log_format: { text_format: 'a\n' } } },
        { name: 'b', typed_config: { '@type': FILE_ACCESS_LOG_TYPE, path: '/dev/stdout', format: 'b\n' } },
      ],
      want: 'a\nb\n',
    },
  ];
  for (const c of cases) test(c.name, () => assert.equal(logLine(c.accessLog), c.want));

  test('StderrAccessLog and /dev/stderr go to stderr', () => {
    const c = capture();
    const loggers = compileAccessLogs(
      [
        { name: 'e', typed_config: { '@type': STDERR_ACCESS_LOG_TYPE, log_format: { text_format: '1\n' } } },
        { name: 'f', typed_config: { '@type': FILE_ACCESS_LOG_TYPE, path: '/dev/stderr', format: '2\n' } },
      ],
      c.sinks,
    );
    emitAccessLogs(loggers!, overflowInfo());
    c.sinks.flush();
    assert.deepEqual([c.stdout.join(''), c.stderr.join('')], ['', '1\n2\n']);
  });

  test('absent or empty access_log compiles to null (nothing per stream)', () => {
    const c = capture();
    assert.equal(compileAccessLogs(undefined, c.sinks), null);
    assert.equal(compileAccessLogs([], c.sinks), null);
  });

  const errors: { name: string; accessLog: unknown; path: string; reason: RegExp }[] = [
    { name: 'not a list', accessLog: {}, path: 'access_log', reason: /must be a list/ },
    { name: 'file logger without path', accessLog: [{ name: 'f', typed_config: { '@type': FILE_ACCESS_LOG_TYPE } }], path: 'access_log[0].typed_config.path', reason: /is required/ },
    { name: 'file logger without typed_config', accessLog: [{ name: 'envoy.access_loggers.file' }], path: 'access_log[0].typed_config', reason: /FileAccessLog/ },
    {
      name: 'unsupported logger type',
      accessLog: [{ name: 'otel', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.access_loggers.open_telemetry.v3.OpenTelemetryAccessLogConfig' } }],
      path: 'access_log[0].typed_config.@type',
      reason: /OpenTelemetryAccessLogConfig.*not supported by tsmesh/,
    },
    {
      name: 'two formats',
      accessLog: [{ name: 'f', typed_config: { '@type': FILE_ACCESS_LOG_TYPE, path: '/x', format: 'a', log_format: { text_format: 'b' } } }],
      path: 'access_log[0].typed_config.log_format',
      reason: /only one of/,
    },
    {
      name: 'bad command in the format',
      accessLog: [{ name: 'f', typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE, log_format: { text_format: '%NOPE%' } } }],
      path: 'access_log[0].typed_config.log_format.text_format',
      reason: /%NOPE%/,
    },
    {
      name: 'unsupported filter',
      accessLog: [{ name: 'f', filter: { grpc_status_filter: {} }, typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE } }],
      path: 'access_log[0].filter.grpc_status_filter',
      reason: /not supported by tsmesh/,
    },
    {
      name: 'formatter extensions',
      accessLog: [{ name: 'f', typed_config: { '@type': STDOUT_ACCESS_LOG_TYPE, log_format: { text_format: 'x', formatters: [{ name: 'req_without_query' }] } } }],
      path: 'access_log[0].typed_config.log_format.formatters',
      reason: /not supported/,
    },
  ];
  for (const e of errors) {
    test(`error: ${e.name}`, () => {
      assert.throws(
        () => compileAccessLogs(e.accessLog, capture().sinks),
        (err: unknown) => err instanceof ProxyConfigError && err.path === e.path && e.reason.test(err.reason),
      );
    });
  }
});

describe('access log sinks', () => {
  test('a file gets every line, buffered until the flush interval', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tsmesh-al-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const c = capture();
    const file = join(dir, 'access.log');
    const loggers = compileAccessLogs([{ name: 'f', typed_config: { '@type': FILE_ACCESS_LOG_TYPE, path: file, format: '%RESPONSE_CODE%\n' } }], c.sinks)!;
    for (let i = 0; i < 3; i++) emitAccessLogs(loggers, overflowInfo());
    // Nothing written synchronously: the request path only appends to a buffer.
    assert.equal(c.stats.counter('filesystem.write_buffered').value, 3);
    assert.equal(c.stats.counter('filesystem.write_completed').value, 0);
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline && c.stats.counter('filesystem.write_completed').value < 1) await sleep(5);
    assert.equal(readFileSync(file, 'utf8'), '503\n503\n503\n');
    assert.equal(c.stats.counter('filesystem.flushed_by_timer').value, 1);
    await c.sinks.close();
  });

  test('loggers naming the same path share one writer', () => {
    const c = capture();
    assert.equal(c.sinks.file('/tmp/x.log'), c.sinks.file('/tmp/x.log'));
    assert.equal(c.sinks.file('/dev/stdout'), c.sinks.stream('stdout'));
  });

  test('a file that cannot be opened drops lines, warns once, never throws', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tsmesh-al-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const c = capture();
    const file = join(dir, 'missing-dir', 'access.log');
    const loggers = compileAccessLogs([{ name: 'f', typed_config: { '@type': FILE_ACCESS_LOG_TYPE, path: file, format: 'x\n' } }], c.sinks)!;
    emitAccessLogs(loggers, overflowInfo());
    c.sinks.flush();
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline && c.warnings.length === 0) await sleep(5);
    // Later lines while failing: dropped and counted, no new warning.
    emitAccessLogs(loggers, overflowInfo());
    c.sinks.flush();
    assert.equal(c.warnings.length, 1);
    assert.match(c.warnings[0]!, /access log .*missing-dir\/access.log: ENOENT.*lines are dropped/);
    assert.equal(c.stats.counter('filesystem.write_failed').value >= 1, true);
    await c.sinks.close();
  });
});
