import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyHeaderMutations, applyRequestMutations, applyResponseMutations, compileHeaderMutationLevel } from './header-mutation.js';
import type { HeaderMutations } from './header-mutation.js';
import { compileRouteConfiguration } from './route-table.js';
import { makeRequest } from './test-support.js';
import { newStreamInfo } from '../http/stream-info.js';
import type { HeaderMap } from '../http/header-map.js';
import { ProxyConfigError } from '../config/config-error.js';

function level(add: unknown[], remove: string[] = []): HeaderMutations {
  const l = compileHeaderMutationLevel(add, remove, 'add', 'remove');
  return l === null ? [] : [l];
}

function h(key: string, value: string, extra: Record<string, unknown> = {}): unknown {
  return { header: { key, value }, ...extra };
}

describe('header mutations: one level', () => {
  const cases: { name: string; add: unknown[]; remove?: string[]; before: HeaderMap; want: HeaderMap }[] = [
    { name: 'default appends to an existing header', add: [h('x-a', '2')], before: { 'x-a': '1' }, want: { 'x-a': ['1', '2'] } },
    { name: 'default adds when absent', add: [h('x-a', '2')], before: {}, want: { 'x-a': '2' } },
    { name: 'APPEND_IF_EXISTS_OR_ADD', add: [h('x-a', '2', { append_action: 'APPEND_IF_EXISTS_OR_ADD' })], before: { 'x-a': ['1', '0'] }, want: { 'x-a': ['1', '0', '2'] } },
    { name: 'ADD_IF_ABSENT keeps existing', add: [h('x-a', '2', { append_action: 'ADD_IF_ABSENT' })], before: { 'x-a': '1' }, want: { 'x-a': '1' } },
    { name: 'ADD_IF_ABSENT adds', add: [h('x-a', '2', { append_action: 'ADD_IF_ABSENT' })], before: {}, want: { 'x-a': '2' } },
    { name: 'OVERWRITE_IF_EXISTS_OR_ADD', add: [h('x-a', '2', { append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' })], before: { 'x-a': '1' }, want: { 'x-a': '2' } },
    { name: 'OVERWRITE_IF_EXISTS_OR_ADD adds', add: [h('x-a', '2', { appendAction: 2 })], before: {}, want: { 'x-a': '2' } },
    { name: 'OVERWRITE_IF_EXISTS overwrites', add: [h('x-a', '2', { append_action: 'OVERWRITE_IF_EXISTS' })], before: { 'x-a': '1' }, want: { 'x-a': '2' } },
    { name: 'OVERWRITE_IF_EXISTS skips absent', add: [h('x-a', '2', { append_action: 'OVERWRITE_IF_EXISTS' })], before: {}, want: {} },
    { name: 'append: false overwrites', add: [h('x-a', '2', { append: false })], before: { 'x-a': '1' }, want: { 'x-a': '2' } },
    { name: 'append: {value: true} appends', add: [h('x-a', '2', { append: { value: true } })], before: { 'x-a': '1' }, want: { 'x-a': ['1', '2'] } },
    { name: 'empty value dropped', add: [h('x-a', '')], before: {}, want: {} },
    { name: 'keep_empty_value', add: [h('x-a', '', { keep_empty_value: true })], before: {}, want: { 'x-a': '' } },
    { name: 'empty formatted value dropped', add: [h('x-a', '%REQ(x-none)%')], before: {}, want: {} },
    { name: 'remove before add', add: [h('x-a', 'new')], remove: ['x-a'], before: { 'x-a': 'old' }, want: { 'x-a': 'new' } },
    { name: 'remove is case-insensitive', add: [], remove: ['X-Gone'], before: { 'x-gone': '1', 'x-kept': '2' }, want: { 'x-kept': '2' } },
    { name: 'overwrites before appends within a level', add: [h('x-a', 'app'), h('x-a', 'over', { append: false })], before: {}, want: { 'x-a': ['over', 'app'] } },
    { name: 'presence checks see the level\'s input', add: [h('x-a', 'one'), h('x-a', 'two', { append_action: 'OVERWRITE_IF_EXISTS' })], before: {}, want: { 'x-a': 'one' } },
    { name: 'formatters see the level\'s input', add: [h('x-a', 'set', { append: false }), h('x-copy', '%REQ(x-a)%')], before: { 'x-a': 'orig' }, want: { 'x-a': 'set', 'x-copy': 'orig' } },
    { name: 'key is lower-cased', add: [h('X-Up', 'v')], before: {}, want: { 'x-up': 'v' } },
    { name: 'raw_value is base64 bytes', add: [{ header: { key: 'x-r', raw_value: Buffer.from('bytes').toString('base64') } }], before: {}, want: { 'x-r': 'bytes' } },
    { name: '%% escapes a percent', add: [h('x-p', '100%%')], before: {}, want: { 'x-p': '100%' } },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const headers = structuredClone(c.before);
      const info = newStreamInfo();
      info.requestHeaders = headers;
      applyHeaderMutations(level(c.add, c.remove), headers, info);
      assert.deepEqual(headers, c.want);
    });
  }

  const errors: { name: string; add: unknown[]; remove?: string[]; path: string }[] = [
    { name: 'host may not be modified', add: [h('Host', 'x')], path: 'add[0].header.key' },
    { name: 'pseudo-headers may not be modified', add: [h(':path', 'x')], path: 'add[0].header.key' },
    { name: 'remove host', add: [], remove: ['host'], path: 'remove[0]' },
    { name: 'append and append_action', add: [h('x', 'y', { append: true, append_action: 'ADD_IF_ABSENT' })], path: 'add[0].append' },
    { name: 'unknown append_action', add: [h('x', 'y', { append_action: 'PREPEND' })], path: 'add[0].append_action' },
    { name: 'unknown formatter', add: [h('x', '%NOPE%')], path: 'add[0].header.value' },
    { name: 'CRLF in value', add: [h('x', 'a\r\nb: c')], path: 'add[0].header.value' },
    { name: 'bad name', add: [h('a b', 'c')], path: 'add[0].header.key' },
    { name: 'missing header', add: [{ append: true }], path: 'add[0].header' },
  ];
  for (const e of errors) {
    test(`error: ${e.name}`, () => {
      assert.throws(() => compileHeaderMutationLevel(e.add, e.remove ?? [], 'add', 'remove'), (err: unknown) => err instanceof ProxyConfigError && err.path === e.path);
    });
  }
});

describe('header mutations across levels', () => {
  // Each level overwrites x-winner with its own name and appends its name to x-order.
  const mark = (name: string) => ({
    request_headers_to_add: [
      { header: { key: 'x-winner', value: name }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
      { header: { key: 'x-order', value: name } },
    ],
    response_headers_to_add: [{ header: { key: 'x-resp', value: name } }],
  });
  const config = (mostSpecificWins: boolean) => ({
    name: 'rc',
    most_specific_header_mutations_wins: mostSpecificWins,
    ...mark('global'),
    virtual_hosts: [
      {
        name: 'vh',
        domains: ['*'],
        ...mark('vhost'),
        routes: [
          { match: { prefix: '/wc' }, ...mark('route'), route: { weighted_clusters: { clusters: [{ name: 'c1', weight: 1, ...mark('cluster') }] } } },
          { match: { prefix: '/' }, ...mark('route'), route: { cluster: 'c1' } },
        ],
      },
    ],
  });

  const cases = [
    { name: 'default: most specific first, so the global level wins overwrites', wins: false, path: '/', order: ['route', 'vhost', 'global'], winner: 'global' },
    { name: 'default with a weighted cluster', wins: false, path: '/wc', order: ['cluster', 'route', 'vhost', 'global'], winner: 'global' },
    { name: 'most_specific_header_mutations_wins: the route wins', wins: true, path: '/', order: ['global', 'vhost', 'route'], winner: 'route' },
    { name: 'most_specific_header_mutations_wins: weighted cluster still first (as Envoy)', wins: true, path: '/wc', order: ['cluster', 'global', 'vhost', 'route'], winner: 'route' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const table = compileRouteConfiguration(config(c.wins));
      const sel = table.route(makeRequest({ path: c.path }))!;
      const headers: HeaderMap = {};
      const info = newStreamInfo();
      applyRequestMutations(sel, headers, info);
      assert.deepEqual(headers['x-order'], c.order);
      assert.equal(headers['x-winner'], c.winner);
      const resp: HeaderMap = {};
      applyResponseMutations(sel, resp, info);
      assert.deepEqual(resp['x-resp'], c.order);
      assert.equal(info.responseHeaders, resp);
    });
  }

  test('routes without mutations carry no levels', () => {
    const table = compileRouteConfiguration({ virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c' } }] }] });
    const sel = table.route(makeRequest())!;
    assert.equal(sel.requestMutations.length, 0);
    assert.equal(sel.responseMutations.length, 0);
  });

  test('response formatters read the response being mutated', () => {
    const table = compileRouteConfiguration({
      virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c' }, response_headers_to_add: [{ header: { key: 'x-echo', value: '%RESP(x-up)%/%REQ(x-in)%' } }] }] }],
    });
    const info = newStreamInfo();
    info.requestHeaders = { 'x-in': 'req' };
    const resp: HeaderMap = { 'x-up': 'upstream' };
    applyResponseMutations(table.route(makeRequest())!, resp, info);
    assert.equal(resp['x-echo'], 'upstream/req');
  });
});
