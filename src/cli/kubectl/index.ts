/**
 * kubectl's output for `tsmesh get`, as pure functions: no store, no network, no clock (the
 * caller passes `now`). The command resolves what the user typed, reads the resources, and
 * hands both here:
 *
 * ```ts
 * const types = resolveResourceType(MESH_KINDS, 'deploy,svc');       // or { ok: false, error }
 * const output = parseOutputFlag('wide');                            // or { error }
 * const { stdout, stderr, exitCode } = printResources(types.kinds, resources,
 *   { output, namespace: 'default', labelColumns: ['app'] }, new Date());
 * ```
 *
 * - resource-types.ts: TYPE names (`po`, `deployments.apps`, `gw`, `all`, `deploy,svc`) → kinds,
 *   with kubectl's errors (`the server doesn't have a resource type`, NotFound).
 * - kind-tables.ts, pod-row.ts, crd-columns.ts: each kind's columns and cells, as kubectl's
 *   printers and the CRDs' printer columns define them.
 * - human-table.ts, table-writer.ts, duration.ts: decorations (-A, -L, --show-labels, kind
 *   prefixes), kubectl's tab writer, AGE.
 * - jsonpath*.ts: kubectl's JSONPath (`-o jsonpath=`, printer columns, custom-columns).
 * - go-yaml.ts, go-yaml-scalars.ts, go-json.ts, go-value-text.ts: byte-exact `-o yaml`
 *   (go-yaml v2's quoting, key order and folding), `-o json` and Go `%v` text.
 */
export { resolveResourceType, notFoundError, kindPrefix, qualifiedResource, type ResolvedTypes } from './resource-types.js';
export { parseOutputFlag, type OutputFormat, type CustomColumn } from './output-format.js';
export { printResources, type PrintOptions, type PrintResult } from './print-resources.js';
export { humanDuration, translateTimestampSince } from './duration.js';
export { compileTemplate, executeTemplate } from './jsonpath.js';
export { goYaml } from './go-yaml.js';
export { goJson } from './go-json.js';
