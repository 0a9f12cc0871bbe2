import { describe } from 'node:test';
import { err, runCases, warn, type Case } from './case-runner.js';

// The spec starts on line 7 of every case document (see case-runner.ts).

const CASES: Case[] = [
  {
    name: 'valid: the local rate limit example',
    spec: `
  workloadSelector:
    labels: {app: reviews}
  configPatches:
  - applyTo: HTTP_FILTER
    match:
      context: SIDECAR_INBOUND
      listener:
        filterChain:
          filter:
            name: envoy.filters.network.http_connection_manager
            subFilter: {name: envoy.filters.http.router}
    patch:
      operation: INSERT_BEFORE
      value: {name: envoy.filters.http.local_ratelimit}
`,
    want: [],
  },
  {
    name: 'missing applyTo',
    spec: `
  configPatches:
  - patch: {operation: REMOVE}
`,
    want: [err('spec.configPatches[0].applyTo', 'Envoy filter: missing applyTo', 8)],
  },
  {
    name: 'missing patch',
    spec: `
  configPatches:
  - applyTo: CLUSTER
`,
    want: [err('spec.configPatches[0].patch', 'Envoy filter: missing patch', 8)],
  },
  {
    name: 'missing operation',
    spec: `
  configPatches:
  - applyTo: CLUSTER
    patch: {value: {connect_timeout: 1s}}
`,
    want: [err('spec.configPatches[0].patch.operation', 'Envoy filter: missing patch operation', 9)],
  },
  {
    name: 'no value for an operation other than REMOVE',
    spec: `
  configPatches:
  - applyTo: CLUSTER
    patch: {operation: MERGE}
`,
    want: [err('spec.configPatches[0].patch', 'Envoy filter: missing patch value for non-remove operation', 9)],
  },
  {
    // Istio accepts a REMOVE with a value (the value is ignored), so tsmesh does too.
    name: 'REMOVE with a value is accepted',
    spec: `
  configPatches:
  - applyTo: CLUSTER
    match: {cluster: {name: BlackHoleCluster}}
    patch: {operation: REMOVE, value: {name: x}}
`,
    want: [],
  },
  {
    name: 'proxyVersion that is not RE2',
    spec: `
  configPatches:
  - applyTo: LISTENER
    match:
      proxy: {proxyVersion: "1.2(+"}
    patch: {operation: REMOVE}
`,
    want: [err('spec.configPatches[0].match.proxy.proxyVersion', 'Envoy filter: invalid regex for proxy version, [error parsing regexp: missing argument to repetition operator: `+`]', 10)],
  },
  {
    name: 'listener class with a cluster match',
    spec: `
  configPatches:
  - applyTo: NETWORK_FILTER
    match: {cluster: {name: x}}
    patch: {operation: REMOVE}
`,
    want: [err('spec.configPatches[0].match', 'Envoy filter: applyTo for listener class objects cannot have non listener match', 9)],
  },
  {
    name: 'route class with a cluster match',
    spec: `
  configPatches:
  - applyTo: HTTP_ROUTE
    match: {cluster: {name: x}}
    patch: {operation: REMOVE}
`,
    want: [err('spec.configPatches[0].match', 'Envoy filter: applyTo for http route class objects cannot have non route configuration match', 9)],
  },
  {
    name: 'cluster class with a listener match',
    spec: `
  configPatches:
  - applyTo: CLUSTER
    match: {listener: {portNumber: 80}}
    patch: {operation: REMOVE}
`,
    want: [err('spec.configPatches[0].match', 'Envoy filter: applyTo for cluster class objects cannot have non cluster match', 9)],
  },
  {
    name: 'a sub-filter match needs HTTP_FILTER',
    spec: `
  configPatches:
  - applyTo: NETWORK_FILTER
    match:
      listener:
        filterChain:
          filter: {name: envoy.filters.network.http_connection_manager, subFilter: {name: envoy.filters.http.router}}
    patch: {operation: REMOVE}
`,
    want: [err('spec.configPatches[0].match.listener.filterChain.filter.subFilter', 'Envoy filter: subfilter match can be used with applyTo HTTP_FILTER only', 12)],
  },
  {
    name: 'a sub-filter match needs the HTTP connection manager',
    spec: `
  configPatches:
  - applyTo: HTTP_FILTER
    match:
      listener:
        filterChain:
          filter: {name: envoy.filters.network.tcp_proxy, subFilter: {name: envoy.filters.http.router}}
    patch: {operation: REMOVE}
`,
    want: [err('spec.configPatches[0].match.listener.filterChain.filter', 'Envoy filter: subfilter match requires filter match with envoy.filters.network.http_connection_manager', 12)],
  },
  {
    name: 'a filter match without a name',
    spec: `
  configPatches:
  - applyTo: NETWORK_FILTER
    match:
      listener:
        filterChain:
          filter: {}
    patch: {operation: REMOVE}
`,
    want: [err('spec.configPatches[0].match.listener.filterChain.filter', 'Envoy filter: filter match has no name to match on', 12)],
  },
  {
    name: 'a filter match on FILTER_CHAIN is a warning; a deprecated filter name too',
    spec: `
  configPatches:
  - applyTo: FILTER_CHAIN
    match:
      listener:
        filterChain:
          filter: {name: envoy.http_connection_manager}
    patch: {operation: REMOVE}
`,
    want: [
      warn('spec.configPatches[0].match.listener.filterChain.filter', 'Envoy filter: filter match has no effect when used with FILTER_CHAIN', 12),
      warn('spec.configPatches[0].match.listener.filterChain.filter.name', 'using deprecated filter name "envoy.http_connection_manager"; use "envoy.filters.network.http_connection_manager" instead', 12),
    ],
  },
  {
    name: 'EXTENSION_CONFIG and BOOTSTRAP: valid for Istio, not applied by tsmesh (warned)',
    spec: `
  configPatches:
  - applyTo: EXTENSION_CONFIG
    patch: {operation: ADD, value: {name: x}}
  - applyTo: BOOTSTRAP
    patch: {operation: MERGE, value: {stats_flush_interval: 5s}}
`,
    want: [
      warn('spec.configPatches[0].applyTo', 'Envoy filter: applyTo EXTENSION_CONFIG is not supported by tsmesh; this patch is not applied', 8),
      warn('spec.configPatches[1].applyTo', 'Envoy filter: applyTo BOOTSTRAP is not supported by tsmesh; this patch is not applied', 10),
    ],
  },
  {
    name: 'a workload selector without labels is a warning',
    spec: `
  workloadSelector: {}
  configPatches:
  - applyTo: CLUSTER
    patch: {operation: REMOVE}
`,
    want: [warn('spec.workloadSelector', 'Envoy filter: workload selector specified without labels, will be applied to all services in namespace', 7)],
  },
];

describe('EnvoyFilter semantic validation', () => {
  runCases('networking.istio.io/v1alpha3', 'EnvoyFilter', CASES);
});
