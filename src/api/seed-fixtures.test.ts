import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { ingestYaml } from './ingest.js';
import { formatProblem } from './problems/problem.js';
import { parseFieldPath, type FieldPath } from './resource/field-path.js';
import { isPlainObject } from './resource/resource.js';

/**
 * Every YAML block of the seed guide (shared/seeds/000_0e99b37b324a5c60.txt) loads and passes
 * schema validation, except the ones the guide gets wrong, which are named here with the exact
 * problem tsmesh reports. Fixtures are named after the guide line their block starts at; each
 * starts with a one-line header, so fixture line N is guide line L + N - 2.
 */
const seedDir = fileURLToPath(new URL('../../../src/api/testdata/seed/', import.meta.url));
const fragmentDir = join(seedDir, 'fragments');

/** The guide's mistakes, as `istioctl analyze`-style lines. */
const SEED_MISTAKES: Record<string, string[]> = {
  // Gateway API listeners require a name (guide line 1795).
  'L1784-gateway-my-k8s-gateway.yaml': [
    'Error [IST0106] (Gateway default/my-k8s-gateway L1784-gateway-my-k8s-gateway.yaml:10) Schema validation error: spec.listeners[0].name: Required value',
  ],
  // HTTPRoute path match types are Exact, PathPrefix, RegularExpression; `Prefix` is Istio's word (guide line 1821).
  'L1810-httproute-my-route.yaml': [
    'Error [IST0106] (HTTPRoute default/my-route L1810-httproute-my-route.yaml:13) Schema validation error: spec.rules[0].matches[0].path.type: Unsupported value: "Prefix": supported values: "Exact", "PathPrefix", "RegularExpression"',
  ],
  // EnvoyFilter is only served at networking.istio.io/v1alpha3 (guide line 4797).
  'L4797-envoyfilter-api-header-filter.yaml': [
    'Error [TSM0002] (EnvoyFilter default/api-header-filter L4797-envoyfilter-api-header-filter.yaml:2) no matches for kind "EnvoyFilter" in version "networking.istio.io/v1" (served versions: networking.istio.io/v1alpha3)',
  ],
  // Istio's webhook rules (src/api/validation). An HTTPS server terminates TLS, so it needs `tls`
  // settings; the guide shows the port alone (guide line 1880).
  'L1871-gateway-egress-gateway.yaml': [
    'Error [IST0106] (Gateway istio-system/egress-gateway L1871-gateway-egress-gateway.yaml:11) Schema validation error: server must have TLS settings for HTTPS/TLS protocols',
  ],
  // DNS resolution without endpoints resolves the hosts themselves, so a wildcard host cannot be
  // used with it; Istio wants `resolution: NONE` here (guide line 4213).
  'L4207-serviceentry-google-apis.yaml': [
    'Error [IST0106] (ServiceEntry default/google-apis L4207-serviceentry-google-apis.yaml:8) Schema validation error: hosts must be FQDN if no endpoints are provided for resolution mode DNS',
  ],
  // Sidecar egress hosts are `namespace/FQDN`; short names are refused (guide lines 4479, 4499, 4500).
  'L4468-sidecar-api-sidecar.yaml': [
    'Error [IST0106] (Sidecar production/api-sidecar L4468-sidecar-api-sidecar.yaml:13) Schema validation error: short names (non FQDN) are not allowed',
  ],
  'L4488-sidecar-frontend-sidecar.yaml': [
    'Error [IST0106] (Sidecar default/frontend-sidecar L4488-sidecar-frontend-sidecar.yaml:13) Schema validation error: short names (non FQDN) are not allowed',
    'Error [IST0106] (Sidecar default/frontend-sidecar L4488-sidecar-frontend-sidecar.yaml:14) Schema validation error: short names (non FQDN) are not allowed',
  ],
};

/**
 * Fragments that abbreviate a route destination to `subset` alone. The schema requires
 * `destination.host`, so as written they are not valid; the guide means "the host from above".
 */
const FRAGMENT_MISTAKES: Record<string, string[]> = {
  'L6165-virtualservice-destination.yaml': ['spec.http[0].route[0].destination.host', 'spec.http[0].route[1].destination.host'],
  'L6630-virtualservice-match.yaml': ['spec.http[0].route[0].destination.host'],
  'L6640-virtualservice-match.yaml': ['spec.http[0].route[0].destination.host'],
  'L6651-virtualservice-match.yaml': ['spec.http[0].route[0].destination.host'],
  'L6667-virtualservice-match.yaml': ['spec.http[0].route[0].destination.host'],
  'L6682-virtualservice-match.yaml': ['spec.http[0].route[0].destination.host'],
};

/**
 * What Istio's webhook rules (src/api/validation) say about fragments, after the schema's
 * problems. Some are the guide's own mistakes (consecutiveErrors is deprecated, short Sidecar
 * hosts, the guide's "bad" rule order); some come from fragments that show only the `match` of a
 * route and leave out where it goes.
 */
const DEPRECATED_CONSECUTIVE_ERRORS = 'Schema validation warning: outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead';
const NO_ACTION = 'HTTP route, redirect or direct_response is required';
const SHORT_NAME = 'short names (non FQDN) are not allowed';
const FRAGMENT_SEMANTICS: Record<string, string[]> = {
  'L2405-destinationrule-trafficPolicy.yaml': [DEPRECATED_CONSECUTIVE_ERRORS],
  'L2613-destinationrule-trafficPolicy.yaml': [DEPRECATED_CONSECUTIVE_ERRORS],
  'L2669-destinationrule-spec.yaml': [DEPRECATED_CONSECUTIVE_ERRORS],
  'L3762-virtualservice-http.yaml': [NO_ACTION],
  'L3776-virtualservice-http.yaml': [NO_ACTION, NO_ACTION],
  // The guide's "bad" order: Istio reports the two rules that repeat earlier matches.
  'L3911-virtualservice-match.yaml': [
    NO_ACTION,
    NO_ACTION,
    NO_ACTION,
    'VirtualService rule #2 not used (all matches used by prior rules).',
    'VirtualService rule #2 match #0 is not used (duplicate/overlapping match in rule #1).',
    NO_ACTION,
    'VirtualService rule #3 not used (all matches used by prior rules).',
    'VirtualService rule #3 match #0 is not used (duplicate/overlapping match in rule #0).',
  ],
  'L4542-sidecar-egress.yaml': [SHORT_NAME],
  'L4580-sidecar-egress.yaml': [SHORT_NAME, SHORT_NAME],
  'L4660-sidecar-egress.yaml': [SHORT_NAME, SHORT_NAME],
  'L6602-virtualservice-match.yaml': [NO_ACTION],
};

const yamlFiles = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

describe('seed guide: complete resources', () => {
  for (const file of yamlFiles(seedDir)) {
    test(file, async () => {
      const text = readFileSync(join(seedDir, file), 'utf8');
      const result = await ingestYaml(text, { file });
      assert.deepEqual(result.problems.map(formatProblem), SEED_MISTAKES[file] ?? []);
      const documents = text.split(/^---$/m).length;
      assert.equal(result.accepted.length + result.rejected.length, documents, 'every document became a resource');
    });
  }

  test('the guide EnvoyFilter is valid once written at v1alpha3', async () => {
    const file = 'L4797-envoyfilter-api-header-filter.yaml';
    const text = readFileSync(join(seedDir, file), 'utf8').replace('networking.istio.io/v1\n', 'networking.istio.io/v1alpha3\n');
    const result = await ingestYaml(text, { file });
    assert.deepEqual(result.problems, []);
    assert.equal(result.accepted.length, 1);
  });

  test('the guide Gateway API examples are valid once corrected', async () => {
    const gateway = readFileSync(join(seedDir, 'L1784-gateway-my-k8s-gateway.yaml'), 'utf8').replace('  - protocol: HTTP', '  - name: http\n    protocol: HTTP');
    const route = readFileSync(join(seedDir, 'L1810-httproute-my-route.yaml'), 'utf8').replace('type: Prefix', 'type: PathPrefix');
    const result = await ingestYaml(`${gateway}---\n${route}`);
    assert.deepEqual(result.problems, []);
    assert.equal(result.accepted.length, 2);
  });
});

/** Minimal valid resources that fragments are placed into, by kind. */
const BASES: Record<string, Record<string, unknown>> = {
  VirtualService: {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'fragment' },
    spec: {
      hosts: ['customers.default.svc.cluster.local'],
      http: [{ route: [{ destination: { host: 'customers.default.svc.cluster.local' } }] }],
    },
  },
  DestinationRule: {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: 'fragment' },
    spec: { host: 'customers.default.svc.cluster.local' },
  },
  ServiceEntry: {
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: { name: 'fragment' },
    spec: { hosts: ['api.external-svc.com'], ports: [{ number: 443, name: 'https', protocol: 'TLS' }], resolution: 'DNS' },
  },
  Sidecar: { apiVersion: 'networking.istio.io/v1', kind: 'Sidecar', metadata: { name: 'fragment' }, spec: {} },
};

describe('seed guide: fragments, placed where the guide says they go', () => {
  for (const file of yamlFiles(fragmentDir)) {
    test(file, async () => {
      const text = readFileSync(join(fragmentDir, file), 'utf8');
      const header = /^# fragment of: (\w+) (\S+)$/m.exec(text);
      assert.ok(header !== null, 'fixture names where the fragment goes');
      const [, kind = '', where = ''] = header;
      const base = structuredClone(BASES[kind]);
      assert.ok(base !== undefined, kind);
      const fragment: unknown = parse(text);
      const resource = embed(base, where === '(root)' ? [] : parseFieldPath(where), fragment);
      const result = await ingestYaml(stringify(resource), { file });
      const want = [...(FRAGMENT_MISTAKES[file] ?? []).map((path) => `${path}: Required value`), ...(FRAGMENT_SEMANTICS[file] ?? [])];
      assert.deepEqual(result.problems.map((p) => p.message.replace(/^Schema validation error: /, '')), want);
    });
  }
});

/** Places `fragment` at `path` in `base`: maps merge into what is there, anything else replaces it. */
function embed(base: Record<string, unknown>, path: FieldPath, fragment: unknown): Record<string, unknown> {
  if (path.length === 0) return merge(base, fragment) as Record<string, unknown>;
  let node: Record<string | number, unknown> = base;
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i] as string | number;
    node[seg] ??= typeof path[i + 1] === 'number' ? [] : {};
    node = node[seg] as Record<string | number, unknown>;
  }
  const last = path[path.length - 1] as string | number;
  node[last] = merge(node[last], fragment);
  return base;
}

function merge(target: unknown, source: unknown): unknown {
  if (!isPlainObject(target) || !isPlainObject(source)) return source;
  const out: Record<string, unknown> = { ...target };
  for (const [k, v] of Object.entries(source)) out[k] = merge(out[k], v);
  return out;
}
