import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRouteConfiguration } from './route-table.js';
import { stripPort } from './domain-index.js';
import { ProxyConfigError } from '../config/config-error.js';

const vh = (name: string, ...domains: string[]) => ({ name, domains, routes: [] });

describe('virtual host selection', () => {
  const table = compileRouteConfiguration({
    name: 'rc',
    virtual_hosts: [
      vh('exact', 'www.example.com', 'Mixed.Case.COM'),
      vh('with-port', 'api.example.com:8080'),
      vh('suffix-long', '*-bar.example.com'),
      vh('suffix', '*.example.com'),
      vh('suffix-short', '*.com'),
      vh('suffix-noDot', '*foo.org'),
      vh('prefix-long', 'api.example.*'),
      vh('prefix', 'api.*'),
      vh('default', '*'),
    ],
  });
  const cases: { authority: string; want: string }[] = [
    { authority: 'www.example.com', want: 'exact' },
    { authority: 'WWW.EXAMPLE.COM', want: 'exact' },
    { authority: 'mixed.case.com', want: 'exact' },
    // The port is part of the authority: portless domains and suffix wildcards do not match it.
    { authority: 'www.example.com:80', want: 'default' },
    { authority: 'api.example.com:8080', want: 'with-port' },
    { authority: 'api.example.com:9090', want: 'prefix-long' },
    { authority: 'api.example.com', want: 'suffix' },
    { authority: 'foo-bar.example.com', want: 'suffix-long' },
    { authority: 'a.b.example.com', want: 'suffix' },
    { authority: '.example.com', want: 'suffix-short' },
    { authority: 'other.com', want: 'suffix-short' },
    { authority: 'xfoo.org', want: 'suffix-noDot' },
    { authority: 'foo.org', want: 'default' },
    { authority: 'api.example.net', want: 'prefix-long' },
    { authority: 'api.other.net', want: 'prefix' },
    { authority: 'api.', want: 'default' },
    { authority: 'unknown.net', want: 'default' },
    { authority: '', want: 'default' },
  ];
  for (const c of cases) {
    test(`${c.authority || '(empty)'} → ${c.want}`, () => assert.equal(table.selectVirtualHost(c.authority)?.name, c.want));
  }

  test('no default: unmatched authority selects nothing', () => {
    const t = compileRouteConfiguration({ virtual_hosts: [vh('a', 'a.com')] });
    assert.equal(t.selectVirtualHost('b.com'), null);
  });

  test('only a default: every authority', () => {
    const t = compileRouteConfiguration({ virtual_hosts: [vh('d', '*')] });
    assert.equal(t.selectVirtualHost('anything:1')?.name, 'd');
  });

  for (const source of ['option', 'route configuration'] as const) {
    test(`ignore_port_in_host_matching (${source})`, () => {
      const json = { ignore_port_in_host_matching: source === 'route configuration', virtual_hosts: [vh('a', 'a.com'), vh('v6', '[::1]'), vh('d', '*')] };
      const t = compileRouteConfiguration(json, { ignorePortInHostMatching: source === 'option' });
      assert.equal(t.selectVirtualHost('a.com:8080')?.name, 'a');
      assert.equal(t.selectVirtualHost('[::1]:80')?.name, 'v6');
      assert.equal(t.selectVirtualHost('[::1]')?.name, 'v6');
    });
  }

  test('stripPort', () => {
    assert.equal(stripPort('a.com:80'), 'a.com');
    assert.equal(stripPort('a.com'), 'a.com');
    assert.equal(stripPort('a.com:'), 'a.com:');
    assert.equal(stripPort('a.com:x'), 'a.com:x');
    assert.equal(stripPort('[::1]:443'), '[::1]');
    assert.equal(stripPort('[::1]'), '[::1]');
  });

  const errors: { name: string; hosts: unknown[]; path: string; reason: RegExp }[] = [
    { name: 'duplicate exact across virtual hosts', hosts: [vh('a', 'x.com'), vh('b', 'X.com')], path: 'virtual_hosts[1].domains[0]', reason: /duplicate entry of domain x\.com in route rc/ },
    { name: 'duplicate suffix wildcard', hosts: [vh('a', '*.x.com'), vh('b', '*.x.com')], path: 'virtual_hosts[1].domains[0]', reason: /only unique values/ },
    { name: 'duplicate prefix wildcard', hosts: [vh('a', 'x.*', 'x.*')], path: 'virtual_hosts[0].domains[1]', reason: /only unique values/ },
    { name: 'two defaults', hosts: [vh('a', '*'), vh('b', '*')], path: 'virtual_hosts[1].domains[0]', reason: /single wildcard/ },
    { name: 'no domains', hosts: [vh('a')], path: 'virtual_hosts[0].domains', reason: /at least one/ },
    { name: 'no name', hosts: [{ domains: ['*'] }], path: 'virtual_hosts[0].name', reason: /required/ },
  ];
  for (const e of errors) {
    test(`error: ${e.name}`, () => {
      assert.throws(
        () => compileRouteConfiguration({ name: 'rc', virtual_hosts: e.hosts }),
        (err: unknown) => err instanceof ProxyConfigError && err.path === e.path && e.reason.test(err.reason),
      );
    });
  }
});
