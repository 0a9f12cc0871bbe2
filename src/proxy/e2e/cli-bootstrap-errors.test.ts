import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { runToExit, tempDir } from './cli-fixtures.js';

/**
 * `tsmesh proxy --bootstrap FILE` with a bootstrap or flags it cannot use: the real binary exits
 * non-zero before serving, prints nothing on stdout, and its stderr says which file, where in
 * it (line:col and the field path), and what is wrong — enough to fix it without reading code.
 */

/** A valid bootstrap; cases break one thing in it. Line numbers below refer to this text. */
const GOOD = `admin:
  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
static_resources:
  listeners:
  - name: http
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress_http
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: { prefix: "/" }
                route: { cluster: backend }
          http_filters:
          - name: envoy.filters.http.router
            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
  clusters:
  - name: backend
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: backend
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 1 } } }
`;

function edit(from: string, to: string): string {
  assert.ok(GOOD.includes(from), from);
  return GOOD.replace(from, to);
}

interface ErrorCase {
  readonly name: string;
  /** Bootstrap text, or null for a file that does not exist. */
  readonly yaml: string | null;
  readonly extraArgs?: readonly string[];
  /** The whole of stderr, line by line; FILE stands for the bootstrap's path. */
  readonly stderr: readonly (string | RegExp)[];
}

const CASES: readonly ErrorCase[] = [
  {
    // Reported where the parser notices (the line after the unclosed "["), and only once.
    name: 'YAML syntax error: one line, with its position',
    yaml: edit('  clusters:\n', '  clusters: [\n'),
    stderr: ['tsmesh proxy: invalid bootstrap:', /^FILE:24:3: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a \]$/],
  },
  {
    name: 'unknown field',
    yaml: edit('    connect_timeout: 1s\n', '    connect_timeout: 1s\n    bogus_field: 3\n'),
    stderr: ['tsmesh proxy: invalid bootstrap:', 'FILE:27:5: static_resources.clusters[0].bogus_field: unknown field "bogus_field" in envoy.config.cluster.v3.Cluster'],
  },
  {
    name: 'wrong type: a string for an integer',
    yaml: edit('port_value: 1 }', 'port_value: "one" }'),
    stderr: [
      'tsmesh proxy: invalid bootstrap:',
      'FILE:31:72: static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value: expected an integer, got string "one"',
    ],
  },
  {
    name: 'unknown enum value',
    yaml: edit('type: STATIC\n', 'type: STATICC\n'),
    stderr: [
      'tsmesh proxy: invalid bootstrap:',
      'FILE:25:5: static_resources.clusters[0].type: unknown enum value "STATICC" for envoy.config.cluster.v3.Cluster.DiscoveryType (expected one of STATIC, STRICT_DNS, LOGICAL_DNS, EDS, ORIGINAL_DST)',
    ],
  },
  {
    // Envoy validates the clusters of an inline route_config by default (validate_clusters
    // unset): the route table does not load, with this message. (RDS and validate_clusters:
    // false load it and answer 503 NC at request time: see cli-lifecycle.test.ts.)
    name: 'inline route to a cluster that does not exist',
    yaml: edit('route: { cluster: backend }', 'route: { cluster: nosuch }'),
    stderr: [
      'tsmesh proxy: invalid bootstrap:',
      "FILE:19:26: static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].route.cluster: route: unknown cluster 'nosuch'",
    ],
  },
  {
    name: 'missing file',
    yaml: null,
    stderr: ['tsmesh proxy: invalid bootstrap:', /^FILE:1:1: cannot read bootstrap: ENOENT: no such file or directory/],
  },
  {
    name: '--admin-port that is not a number',
    yaml: GOOD,
    extraArgs: ['--admin-port', 'abc'],
    stderr: ['tsmesh proxy: flag --admin-port must be a number, got "abc"'],
  },
  {
    name: '--admin-port out of range',
    yaml: GOOD,
    extraArgs: ['--admin-port', '70000'],
    stderr: ['tsmesh proxy: --admin-port must be a port number from 0 to 65535 (0: any free port), got 70000'],
  },
];

const tmp = tempDir();
after(() => tmp.remove());

test('invalid bootstraps and flags: exit 1, one message naming file, position, field and reason', { concurrency: 3 }, async (t) => {
  await Promise.all(
    CASES.map((c, i) =>
      t.test(c.name, async () => {
        const file = c.yaml === null ? join(tmp.dir, `missing-${i}.yaml`) : tmp.write(`case-${i}.yaml`, c.yaml);
        const r = await runToExit(['proxy', '--bootstrap', file, ...(c.extraArgs ?? [])]);
        assert.equal(r.code, 1, r.stderr);
        assert.equal(r.stdout, '');
        const lines = r.stderr.replace(/\n$/, '').split('\n');
        const expected = c.stderr.map((e) => (typeof e === 'string' ? e.replaceAll('FILE', file) : new RegExp(e.source.replace('FILE', escapeRegExp(file)))));
        assert.equal(lines.length, expected.length, r.stderr);
        expected.forEach((e, j) => (typeof e === 'string' ? assert.equal(lines[j], e) : assert.match(lines[j]!, e)));
      }),
    ),
  );
});

test('--admin-port on a port already in use names the flag, not the bootstrap', async (t) => {
  const squatter = net.createServer();
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => squatter.close(() => resolve())));
  const port = (squatter.address() as AddressInfo).port;
  const r = await runToExit(['proxy', '--bootstrap', tmp.write('busy.yaml', GOOD), '--admin-port', String(port)]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `tsmesh proxy: --admin-port ${port}: cannot bind admin 127.0.0.1:${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port}\n`);
});

test('a listener port already in use: the listener\'s address in the file, and the OS reason', async (t) => {
  const squatter = net.createServer();
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => squatter.close(() => resolve())));
  const port = (squatter.address() as AddressInfo).port;
  const file = tmp.write('listener-busy.yaml', edit('    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }\n    filter_chains', `    address: { socket_address: { address: 127.0.0.1, port_value: ${port} } }\n    filter_chains`));
  const r = await runToExit(['proxy', '--bootstrap', file]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `tsmesh proxy: invalid bootstrap:\n${file}:6:5: static_resources.listeners[0].address: cannot bind 127.0.0.1:${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port}\n`);
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
