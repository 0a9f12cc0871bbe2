import type { KindInfo } from '../../api/kinds/kind.js';
import type { Resource } from '../../api/resource/resource.js';
import { translateTimestampSince } from './duration.js';
import { goNumberText } from './go-json.js';
import { firstResult, printResults } from './jsonpath.js';
import type { Column, KindTable } from './kind-tables.js';

/** One `additionalPrinterColumns` entry of a CRD. */
export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'date' | 'integer' | 'number' | 'boolean';
  readonly jsonPath: string;
  readonly priority?: number;
}

const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };
const s = (name: string, jsonPath: string, priority = 0): PrinterColumn => ({ name, type: 'string', jsonPath, priority });

/**
 * The printer columns of the CRDs the mesh serves, copied from Istio's crd-all.gen.yaml (the
 * `+cue-gen:…:printerColumn` tags of istio/api) and the Gateway API's `+kubebuilder:printcolumn`
 * markers. A CRD without printer columns gets the API server's default, NAME and AGE.
 */
const COLUMNS: Record<string, readonly PrinterColumn[]> = {
  'VirtualService.networking.istio.io': [s('Gateways', '.spec.gateways'), s('Hosts', '.spec.hosts'), AGE],
  'DestinationRule.networking.istio.io': [s('Host', '.spec.host'), AGE],
  'ServiceEntry.networking.istio.io': [s('Hosts', '.spec.hosts'), s('Location', '.spec.location'), s('Resolution', '.spec.resolution'), AGE],
  'WorkloadEntry.networking.istio.io': [AGE, s('Address', '.spec.address')],
  'WorkloadGroup.networking.istio.io': [AGE],
  'PeerAuthentication.security.istio.io': [s('Mode', '.spec.mtls.mode'), AGE],
  'AuthorizationPolicy.security.istio.io': [s('Action', '.spec.action'), AGE],
  'IstioOperator.install.istio.io': [s('Revision', '.spec.revision'), s('Status', '.status.status'), AGE],
  'GatewayClass.gateway.networking.k8s.io': [
    s('Controller', '.spec.controllerName'),
    s('Accepted', '.status.conditions[?(@.type=="Accepted")].status'),
    AGE,
    s('Description', '.spec.description', 1),
  ],
  'Gateway.gateway.networking.k8s.io': [
    s('Class', '.spec.gatewayClassName'),
    s('Address', '.status.addresses[*].value'),
    s('Programmed', '.status.conditions[?(@.type=="Programmed")].status'),
    AGE,
  ],
  'HTTPRoute.gateway.networking.k8s.io': [s('Hostnames', '.spec.hostnames'), AGE],
  'GRPCRoute.gateway.networking.k8s.io': [s('Hostnames', '.spec.hostnames'), AGE],
  'ReferenceGrant.gateway.networking.k8s.io': [AGE],
};

/** The printer columns of a custom resource kind the mesh knows; undefined means NAME and AGE. */
export function crdColumns(info: KindInfo): readonly PrinterColumn[] | undefined {
  return COLUMNS[`${info.kind}.${info.group}`];
}

/** A table from printer columns, as the apiextensions table converter builds it. */
export function crdTable(name: Column, columns: readonly PrinterColumn[]): KindTable {
  return {
    columns: [name, ...columns.map((c) => ({ name: c.name, priority: c.priority ?? 0 }))],
    cells: (r: Resource, now: Date) => [r.metadata.name ?? '', ...columns.map((c) => cell(c, r, now))],
  };
}

/**
 * One cell: the first result of the column's path (missing keys allowed); a string column prints
 * it as JSONPath does (arrays as compact JSON: `["bookinfo-gateway"]`), a date column as an age.
 * Nothing found, or a value of the wrong type, is an empty cell.
 */
function cell(c: PrinterColumn, r: Resource, now: Date): string {
  const found = firstResult(c.jsonPath, r);
  if (!found.found) return '';
  const v = found.value;
  switch (c.type) {
    // The converter re-wraps the value with reflect.ValueOf, so a null reaches the printer as an invalid value.
    case 'string': return v === null ? '<no value>' : printResults([v]);
    case 'date': return typeof v === 'string' ? translateTimestampSince(v, now) : '';
    case 'integer': return typeof v === 'number' ? String(Math.trunc(v)) : '';
    case 'number': return typeof v === 'number' ? goNumberText(v) : '';
    case 'boolean': return typeof v === 'boolean' ? String(v) : '';
  }
}
