import type { KindInfo } from '../../api/kinds/kind.js';
import type { Resource } from '../../api/resource/resource.js';
import { translateTimestampSince } from './duration.js';
import { arr, formatLabelSelector, formatLabels, num, obj, selectorString, str, type Obj } from './fields.js';
import { crdColumns, crdTable } from './crd-columns.js';
import { podRow } from './pod-row.js';

/** A column of a kind's table. Priority 1 columns appear only with `-o wide`. */
export interface Column {
  readonly name: string;
  readonly priority: number;
  /** The name column is the one `kind/` is prefixed to in multi-kind output. */
  readonly isName?: boolean;
}

/** How one kind prints as a table: the server-side columns kubectl shows, and the cells of a row. */
export interface KindTable {
  readonly columns: readonly Column[];
  /** Every column's cell, wide ones included; `wide` changes a cell only where kubectl's does (Service EXTERNAL-IP). */
  cells(resource: Resource, now: Date, wide: boolean): string[];
}

const NAME: Column = { name: 'Name', priority: 0, isName: true };
const AGE: Column = { name: 'Age', priority: 0 };
const col = (name: string, priority = 0): Column => ({ name, priority });
const age = (r: Resource, now: Date): string => translateTimestampSince(r.metadata.creationTimestamp, now);
const nameOf = (r: Resource): string => r.metadata.name ?? '';

/**
 * The tables kubectl prints for the built-in kinds (pkg/printers/internalversion/printers.go)
 * and, for custom resources, the CRDs' additionalPrinterColumns (see crd-columns.ts). Defaults
 * the API server would have filled in (Service type ClusterIP, protocol TCP, Deployment
 * replicas 1, Namespace phase Active, Pod phase Pending) are assumed when absent, since the
 * local store keeps resources as written.
 */
const BUILTIN: Record<string, KindTable> = {
  Pod: {
    columns: [NAME, col('Ready'), col('Status'), col('Restarts'), AGE, col('IP', 1), col('Node', 1), col('Nominated Node', 1), col('Readiness Gates', 1)],
    cells(r, now) {
      const row = podRow(r, now);
      return [nameOf(r), row.ready, row.status, row.restarts, row.age, ...row.wide];
    },
  },
  Service: {
    columns: [NAME, col('Type'), col('Cluster-IP'), col('External-IP'), col('Port(s)'), AGE, col('Selector', 1)],
    cells(r, now, wide) {
      const spec = obj(r.spec);
      const clusterIP = str(arr(spec['clusterIPs'])[0]) || str(spec['clusterIP']) || '<none>';
      const ports = makePortString(arr(spec['ports']).map(obj)) || '<none>';
      return [nameOf(r), str(spec['type']) || 'ClusterIP', clusterIP, externalIP(spec, obj(r.status), wide), ports, age(r, now), formatLabels(spec['selector'])];
    },
  },
  'Deployment.apps': {
    columns: [NAME, col('Ready'), col('Up-to-date'), col('Available'), AGE, col('Containers', 1), col('Images', 1), col('Selector', 1)],
    cells(r, now) {
      const spec = obj(r.spec);
      const status = obj(r.status);
      const [names, images] = containerCells(spec);
      return [
        nameOf(r),
        `${num(status['readyReplicas'])}/${num(spec['replicas'], 1)}`,
        String(num(status['updatedReplicas'])),
        String(num(status['availableReplicas'])),
        age(r, now),
        names,
        images,
        selectorString(spec['selector']),
      ];
    },
  },
  'ReplicaSet.apps': {
    columns: [NAME, col('Desired'), col('Current'), col('Ready'), AGE, col('Containers', 1), col('Images', 1), col('Selector', 1)],
    cells(r, now) {
      const spec = obj(r.spec);
      const status = obj(r.status);
      const [names, images] = containerCells(spec);
      return [
        nameOf(r),
        String(num(spec['replicas'], 1)),
        String(num(status['replicas'])),
        String(num(status['readyReplicas'])),
        age(r, now),
        names,
        images,
        formatLabelSelector(spec['selector']),
      ];
    },
  },
  Namespace: {
    columns: [NAME, col('Status'), AGE],
    cells: (r, now) => [nameOf(r), str(obj(r.status)['phase']) || (r.metadata.deletionTimestamp ? 'Terminating' : 'Active'), age(r, now)],
  },
  ServiceAccount: {
    columns: [NAME, col('Secrets'), AGE],
    cells: (r, now) => [nameOf(r), String(arr(r['secrets']).length), age(r, now)],
  },
  ConfigMap: {
    columns: [NAME, col('Data'), AGE],
    cells: (r, now) => [nameOf(r), String(Object.keys(obj(r['data'])).length + Object.keys(obj(r['binaryData'])).length), age(r, now)],
  },
  Secret: {
    columns: [NAME, col('Type'), col('Data'), AGE],
    cells(r, now) {
      // The API server folds stringData into data on write; a stored Secret may still carry both.
      const keys = new Set([...Object.keys(obj(r['data'])), ...Object.keys(obj(r['stringData']))]);
      return [nameOf(r), str(r['type']) || 'Opaque', String(keys.size), age(r, now)];
    },
  },
  Endpoints: {
    columns: [NAME, col('Endpoints'), AGE],
    cells: (r, now) => [nameOf(r), formatEndpoints(arr(r['subsets']).map(obj)), age(r, now)],
  },
  'EndpointSlice.discovery.k8s.io': {
    columns: [NAME, col('AddressType'), col('Ports'), col('Endpoints'), AGE],
    cells(r, now) {
      const ports = arr(r['ports']).map((p) => {
        const port = obj(p);
        return typeof port['port'] === 'number' ? String(port['port']) : typeof port['name'] === 'string' ? port['name'] : '*';
      });
      const addresses = arr(r['endpoints']).flatMap((e) => arr(obj(e)['addresses']).map(str));
      return [nameOf(r), str(r['addressType']), listWithMore(ports), listWithMore(addresses), age(r, now)];
    },
  },
};

const DEFAULT_TABLE: KindTable = { columns: [NAME, AGE], cells: (r, now) => [nameOf(r), age(r, now)] };

/** The table a kind prints as: built-in printer, CRD printer columns, or NAME AGE. */
export function kindTable(info: KindInfo): KindTable {
  const key = info.group === '' ? info.kind : `${info.kind}.${info.group}`;
  const builtin = BUILTIN[key];
  if (builtin !== undefined) return builtin;
  const crd = crdColumns(info);
  return crd === undefined ? DEFAULT_TABLE : crdTable(NAME, crd);
}

function makePortString(ports: Obj[]): string {
  return ports
    .map((p) => {
      const protocol = str(p['protocol']) || 'TCP';
      const nodePort = num(p['nodePort']);
      return nodePort > 0 ? `${num(p['port'])}:${nodePort}/${protocol}` : `${num(p['port'])}/${protocol}`;
    })
    .join(',');
}

/** getServiceExternalIP; without -o wide the load balancer addresses are clipped to 16 bytes, as loadBalancerStatusStringer does. */
function externalIP(spec: Obj, status: Obj, wide: boolean): string {
  const externalIPs = arr(spec['externalIPs']).map(str);
  switch (str(spec['type']) || 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = new Set<string>();
      for (const i of arr(obj(status['loadBalancer'])['ingress']).map(obj)) {
        const v = str(i['ip']) || str(i['hostname']);
        if (v !== '') lb.add(v);
      }
      let lbIPs = [...lb].sort().join(',');
      if (!wide && Buffer.byteLength(lbIPs) > 16) lbIPs = `${Buffer.from(lbIPs).subarray(0, 13).toString()}...`;
      if (externalIPs.length > 0) return [...(lbIPs === '' ? [] : lbIPs.split(',')), ...externalIPs].join(',');
      return lbIPs !== '' ? lbIPs : '<pending>';
    }
    case 'ExternalName':
      return str(spec['externalName']);
  }
  return '<unknown>';
}

function containerCells(spec: Obj): [string, string] {
  const containers = arr(obj(obj(spec['template'])['spec'])['containers']).map(obj);
  return [containers.map((c) => str(c['name'])).join(','), containers.map((c) => str(c['image'])).join(',')];
}

/** formatEndpoints: up to three `ip:port`, then `+ N more...`; bare IPs for a subset without ports. */
function formatEndpoints(subsets: Obj[]): string {
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  let count = 0;
  let more = false;
  for (const ss of subsets) {
    const addresses = arr(ss['addresses']).map((a) => str(obj(a)['ip']));
    const ports = arr(ss['ports']).map(obj);
    const targets = ports.length === 0 ? [undefined] : ports.map((p) => num(p['port']));
    for (const port of targets) {
      count += addresses.length;
      for (const ip of addresses) {
        if (list.length === 3) {
          more = true;
          break;
        }
        list.push(port === undefined ? ip : ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - 3} more...` : ret;
}

/** listWithMoreString: three items, `+ N more...`, `<unset>` for none. */
function listWithMore(items: string[]): string {
  const ret = items.slice(0, 3).join(',');
  if (items.length > 3) return `${ret} + ${items.length - 3} more...`;
  return ret === '' ? '<unset>' : ret;
}
