import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileAccessLogFilter } from './access-log-filter.js';
import { newStreamInfo } from '../http/stream-info.js';
import type { StreamInfo } from '../http/stream-info.js';
import { ResponseFlag } from '../errors/response-flags.js';
import { ProxyConfigError } from '../config/config-error.js';

function info(fields: Partial<StreamInfo>): StreamInfo {
  return Object.assign(newStreamInfo(), fields);
}

const ok200 = info({ responseCode: 200, durationMs: 5, requestMethod: 'GET', requestPath: '/a', requestHeaders: { 'x-debug': 'yes' } });
const uo503 = info({ responseCode: 503, durationMs: 1, responseFlags: ResponseFlag.UO, requestMethod: 'POST', requestHeaders: {} });
const ut504 = info({ responseCode: 504, durationMs: 1500, responseFlags: ResponseFlag.UT, requestMethod: 'GET', requestHeaders: {} });
const reset0 = info({ responseCode: 0, durationMs: 2, responseFlags: ResponseFlag.DC, requestHeaders: {} });
const all = { ok200, uo503, ut504, reset0 };

const ge = (n: number) => ({ comparison: { op: 'GE', value: { default_value: n, runtime_key: 'k' } } });

describe('access log filters', () => {
  const cases: { name: string; filter: unknown; pass: (keyof typeof all)[] }[] = [
    { name: 'status_code_filter GE 500', filter: { status_code_filter: ge(500) }, pass: ['uo503', 'ut504'] },
    { name: 'status_code_filter EQ (default op)', filter: { status_code_filter: { comparison: { value: { default_value: 200 } } } }, pass: ['ok200'] },
    { name: 'status_code_filter LE 0 (no response)', filter: { status_code_filter: { comparison: { op: 'LE', value: { default_value: 0 } } } }, pass: ['reset0'] },
    { name: 'status_code_filter NE 200', filter: { status_code_filter: { comparison: { op: 'NE', value: { default_value: 200 } } } }, pass: ['uo503', 'ut504', 'reset0'] },
    { name: 'duration_filter GE 1000 ms', filter: { duration_filter: ge(1000) }, pass: ['ut504'] },
    { name: 'not_health_check_filter (no health_check filter: all pass)', filter: { not_health_check_filter: {} }, pass: ['ok200', 'uo503', 'ut504', 'reset0'] },
    { name: 'response_flag_filter listed flags', filter: { response_flag_filter: { flags: ['UO', 'UH'] } }, pass: ['uo503'] },
    { name: 'response_flag_filter empty: any flag', filter: { response_flag_filter: {} }, pass: ['uo503', 'ut504', 'reset0'] },
    { name: 'header_filter present', filter: { header_filter: { header: { name: 'x-debug', present_match: true } } }, pass: ['ok200'] },
    { name: 'header_filter on :method', filter: { header_filter: { header: { name: ':method', string_match: { exact: 'POST' } } } }, pass: ['uo503'] },
    {
      name: 'and_filter',
      filter: { and_filter: { filters: [{ status_code_filter: ge(500) }, { response_flag_filter: { flags: ['UT'] } }] } },
      pass: ['ut504'],
    },
    {
      name: 'or_filter with nested and_filter',
      filter: {
        or_filter: {
          filters: [
            { header_filter: { header: { name: 'x-debug' } } },
            { and_filter: { filters: [{ status_code_filter: ge(500) }, { duration_filter: { comparison: { op: 'LE', value: { default_value: 10 } } } }] } },
          ],
        },
      },
      pass: ['ok200', 'uo503'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const f = compileAccessLogFilter(c.filter);
      const passed = (Object.keys(all) as (keyof typeof all)[]).filter((k) => f(all[k]));
      assert.deepEqual(passed, c.pass);
    });
  }

  const errors: { name: string; filter: unknown; path: string; reason: RegExp }[] = [
    { name: 'unsupported filter named', filter: { traceable_filter: {} }, path: 'traceable_filter', reason: /traceable_filter|not supported by tsmesh/ },
    { name: 'unknown filter named', filter: { bogus_filter: {} }, path: 'bogus_filter', reason: /not an access log filter/ },
    { name: 'two filters in one', filter: { status_code_filter: ge(1), duration_filter: ge(1) }, path: '', reason: /exactly one filter/ },
    { name: 'bad op', filter: { status_code_filter: { comparison: { op: 'GT', value: { default_value: 1 } } } }, path: 'status_code_filter.comparison.op', reason: /unknown comparison "GT"/ },
    { name: 'unknown flag', filter: { response_flag_filter: { flags: ['UX'] } }, path: 'response_flag_filter.flags[0]', reason: /unknown response flag "UX"/ },
    { name: 'and_filter with one', filter: { and_filter: { filters: [{ not_health_check_filter: {} }] } }, path: 'and_filter.filters', reason: /at least two/ },
    {
      name: 'nested unsupported',
      filter: { or_filter: { filters: [{ not_health_check_filter: {} }, { runtime_filter: { runtime_key: 'x' } }] } },
      path: 'or_filter.filters[1].runtime_filter',
      reason: /not supported by tsmesh/,
    },
    { name: 'header_filter without header', filter: { header_filter: {} }, path: 'header_filter.header', reason: /is required/ },
  ];
  for (const e of errors) {
    test(`error: ${e.name}`, () => {
      assert.throws(
        () => compileAccessLogFilter(e.filter),
        (err: unknown) => err instanceof ProxyConfigError && err.path === e.path && e.reason.test(err.reason),
      );
    });
  }
});
