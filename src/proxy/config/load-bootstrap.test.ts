import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BootstrapError, loadBootstrap, parseBootstrap } from './load-bootstrap.js';

const dir = mkdtempSync(join(tmpdir(), 'tsmesh-bootstrap-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const GOOD = `
node:
  id: sidecar~10.0.0.1~app.default~default.svc.cluster.local
  cluster: app
admin:
  address:
    socket_address: { address: 127.0.0.1, port_value: 15000 }
static_resources:
  listeners:
  - name: listener_0
    address:
      socket_address: { address: 0.0.0.0, port_value: 10000 }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          statPrefix: ingress_http
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: { prefix: "/" }
                route: { cluster: backend, timeout: 2.50s }
          http_filters:
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
  - name: backend
    connect_timeout: 1s
    type: STATIC
    health_checks: [{ timeout: 1s }]
    load_assignment:
      cluster_name: backend
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 8080 } } }
`;

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof BootstrapError, String(err));
    return err.message.split('\n');
  }
  assert.fail('expected a BootstrapError');
}

describe('loadBootstrap', () => {
  test('a valid YAML bootstrap loads as canonical proto3 JSON', () => {
    const { bootstrap, warnings } = loadBootstrap(write('good.yaml', GOOD));
    const sr = bootstrap.static_resources as { listeners: Record<string, any>[]; clusters: Record<string, any>[] };
    const hcm = sr.listeners[0]!.filter_chains[0].filters[0].typed_config;
    assert.equal(hcm.stat_prefix, 'ingress_http'); // camelCase input, snake_case output
    assert.equal(hcm.route_config.virtual_hosts[0].routes[0].route.timeout, '2.5s');
    assert.equal(sr.clusters[0]!.type, 'STATIC');
    assert.deepEqual((bootstrap.node as Record<string, unknown>).cluster, 'app');
    // Unsupported fields are warned about by name with their position, never dropped silently.
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /good\.yaml:34:5: static_resources\.clusters\[0\]\.health_checks: field "health_checks" of envoy\.config\.cluster\.v3\.Cluster is not supported by tsmesh and is ignored$/);
  });

  test('JSON bootstraps load too, with positions', () => {
    const file = write('b.json', '{\n  "admin": {\n    "address": {"socket_address": {"address": "127.0.0.1", "port_value": "x"}}\n  }\n}\n');
    assert.deepEqual(problemsOf(() => loadBootstrap(file)), [
      `${file}:3:60: admin.address.socket_address.port_value: expected an integer, got string "x"`,
    ]);
  });

  test('every schema problem is listed as FILE:LINE:COL: PATH: reason', () => {
    const text = GOOD
      .replace('port_value: 10000', 'prot: 10000')
      .replace('type: STATIC', 'type: STATICK')
      .replace('connect_timeout: 1s', 'connect_timeout: 1');
    const problems = problemsOf(() => parseBootstrap(text, 'envoy.yaml'));
    assert.deepEqual(problems, [
      'envoy.yaml:12:43: static_resources.listeners[0].address.socket_address.prot: unknown field "prot" in envoy.config.core.v3.SocketAddress',
      'envoy.yaml:32:5: static_resources.clusters[0].connect_timeout: invalid duration 1: expected a number of seconds with suffix "s", such as "1.5s"',
      'envoy.yaml:33:5: static_resources.clusters[0].type: unknown enum value "STATICK" for envoy.config.cluster.v3.Cluster.DiscoveryType (expected one of STATIC, STRICT_DNS, LOGICAL_DNS, EDS, ORIGINAL_DST)',
    ]);
  });

  test('problems inside an Any are located in the file', () => {
    const text = GOOD.replace('domains: ["*"]', 'domain: ["*"]');
    assert.deepEqual(problemsOf(() => parseBootstrap(text, 'f.yaml')), [
      'f.yaml:22:15: static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].domain: unknown field "domain" in envoy.config.route.v3.VirtualHost',
    ]);
  });

  test('a missing @type points at the Any', () => {
    const text = GOOD.replace(/\n\s+"@type": type.googleapis.com\/envoy.extensions.filters.http.router.v3.Router/, '\n              {}');
    const problems = problemsOf(() => parseBootstrap(text.replace('typed_config:\n              {}', 'typed_config: {}'), 'f.yaml'));
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^f\.yaml:28:13: static_resources\.listeners\[0\]\.filter_chains\[0\]\.filters\[0\]\.typed_config\.http_filters\[0\]\.typed_config\["@type"\]: missing "@type"/);
  });

  test('YAML syntax errors carry their line', () => {
    const problems = problemsOf(() => parseBootstrap('admin:\n  address: [1, 2\nnode: {}\n', 'bad.yaml'));
    assert.equal(problems.length, 1, 'the first syntax error only, not its echoes');
    assert.match(problems[0]!, /^bad\.yaml:\d+:\d+: YAML syntax error: /);
    const dup = problemsOf(() => parseBootstrap('node: {}\nnode: {}\n', 'dup.yaml'));
    assert.match(dup[0]!, /^dup\.yaml:2:1: YAML syntax error: Map keys must be unique/);
  });

  test('an unreadable file is a BootstrapError naming it', () => {
    const missing = join(dir, 'missing.yaml');
    const problems = problemsOf(() => loadBootstrap(missing));
    assert.match(problems[0]!, new RegExp(`^${missing.replace(/[.]/g, '\\.')}:1:1: cannot read bootstrap: ENOENT`));
  });

  test('an empty file is an empty bootstrap', () => {
    assert.deepEqual(parseBootstrap('', 'empty.yaml').bootstrap, {});
  });

  test('locate maps later compile errors to positions', () => {
    const loaded = parseBootstrap(GOOD, 'g.yaml');
    const p = loaded.locate('static_resources.clusters[0].load_assignment.endpoints[0]', 'bad endpoint');
    assert.deepEqual([p.line, p.col], [38, 9]);
  });
});
