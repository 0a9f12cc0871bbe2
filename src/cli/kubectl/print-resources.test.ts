import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MESH_KINDS } from '../../api/kinds/mesh-kinds.js';
import type { Resource } from '../../api/resource/resource.js';
import { NOW, resource, sidecarPod } from './fixtures.js';
import { parseOutputFlag, type OutputFormat } from './output-format.js';
import { printResources, type PrintOptions } from './print-resources.js';
import { resolveResourceType } from './resource-types.js';

const customers = resource('v1', 'Service', 'customers', {
  spec: { type: 'ClusterIP', clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], ports: [{ port: 80, protocol: 'TCP' }], selector: { app: 'customers' } },
});
const ingress = resource(
  'v1',
  'Service',
  'istio-ingressgateway',
  {
    spec: {
      type: 'LoadBalancer',
      clusterIPs: ['10.96.166.83'],
      ports: [{ name: 'status-port', port: 15021, nodePort: 31956, protocol: 'TCP' }, { name: 'http2', port: 80, nodePort: 30364, protocol: 'TCP' }, { name: 'https', port: 443, nodePort: 31433, protocol: 'TCP' }],
      selector: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
    },
    status: { loadBalancer: { ingress: [{ ip: '172.18.255.1' }] } },
  },
  'istio-system',
);
const deployment = resource('apps/v1', 'Deployment', 'customers', {
  spec: { replicas: 1, selector: { matchLabels: { app: 'customers', version: 'v1' } }, template: { spec: { containers: [{ name: 'svc', image: 'gcr.io/tetratelabs/customers:1.0.0' }] } } },
  status: { readyReplicas: 1, updatedReplicas: 1, availableReplicas: 1 },
});
const replicaSet = resource('apps/v1', 'ReplicaSet', 'customers-v1-7b5b4b76fc', {
  spec: { replicas: 1, selector: { matchLabels: { app: 'customers' } }, template: { spec: { containers: [{ name: 'svc', image: 'customers:1' }] } } },
  status: { replicas: 1, readyReplicas: 1 },
});
const pods = [sidecarPod('web-frontend-6d9f4c5b7-abcde', 'default', { app: 'web-frontend' }), sidecarPod('customers-v1-7b5b4b76fc-vtx4t', 'default', { app: 'customers', version: 'v1' })];
const bookinfoVs = resource('networking.istio.io/v1', 'VirtualService', 'bookinfo', { spec: { hosts: ['*'], gateways: ['bookinfo-gateway'], http: [] } });
const all: Resource[] = [...pods, customers, ingress, deployment, replicaSet, bookinfoVs];

function get(typed: string, output: string, opts: Partial<PrintOptions> = {}, resources: Resource[] = all): ReturnType<typeof printResources> {
  const types = resolveResourceType(MESH_KINDS, typed);
  assert.ok(types.ok);
  const format = parseOutputFlag(output);
  assert.ok(!('error' in format));
  const ns = opts.allNamespaces === true ? resources : resources.filter((r) => r.metadata.namespace === (opts.namespace ?? 'default') || r.metadata.namespace === undefined);
  return printResources(types.kinds, ns, { namespace: 'default', ...opts, output: format as OutputFormat }, NOW);
}

const lines = (...l: string[]): string => `${l.join('\n')}\n`;

describe('tables', () => {
  test('pods: sorted by name, 2/2 with a sidecar', () => {
    assert.deepEqual(get('po', ''), {
      stdout: lines(
        'NAME                            READY   STATUS    RESTARTS   AGE',
        'customers-v1-7b5b4b76fc-vtx4t   2/2     Running   0          5m',
        'web-frontend-6d9f4c5b7-abcde    2/2     Running   0          5m',
      ),
      stderr: '',
      exitCode: 0,
    });
  });

  test('services with -A: NAMESPACE column, LoadBalancer EXTERNAL-IP and node ports', () => {
    assert.equal(
      get('svc', '', { allNamespaces: true }).stdout,
      lines(
        'NAMESPACE      NAME                   TYPE           CLUSTER-IP     EXTERNAL-IP    PORT(S)                                      AGE',
        'default        customers              ClusterIP      10.96.0.20     <none>         80/TCP                                       5m',
        'istio-system   istio-ingressgateway   LoadBalancer   10.96.166.83   172.18.255.1   15021:31956/TCP,80:30364/TCP,443:31433/TCP   5m',
      ),
    );
  });

  test('services -o wide add SELECTOR; a LoadBalancer without an address is <pending>', () => {
    const pending = { ...ingress, status: { loadBalancer: {} } };
    assert.equal(
      get('svc', 'wide', { allNamespaces: true }, [customers, pending]).stdout,
      lines(
        'NAMESPACE      NAME                   TYPE           CLUSTER-IP     EXTERNAL-IP   PORT(S)                                      AGE   SELECTOR',
        'default        customers              ClusterIP      10.96.0.20     <none>        80/TCP                                       5m    app=customers',
        'istio-system   istio-ingressgateway   LoadBalancer   10.96.166.83   <pending>     15021:31956/TCP,80:30364/TCP,443:31433/TCP   5m    app=istio-ingressgateway,istio=ingressgateway',
      ),
    );
  });

  test('deployments -o wide: CONTAINERS IMAGES SELECTOR', () => {
    assert.equal(
      get('deploy', 'wide').stdout,
      lines(
        'NAME        READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES                               SELECTOR',
        'customers   1/1     1            1           5m    svc          gcr.io/tetratelabs/customers:1.0.0   app=customers,version=v1',
      ),
    );
  });

  test('several kinds: one table each, names prefixed with kind.group, a blank line between', () => {
    assert.equal(
      get('deploy,svc', '').stdout,
      lines(
        'NAME                        READY   UP-TO-DATE   AVAILABLE   AGE',
        'deployment.apps/customers   1/1     1            1           5m',
        '',
        'NAME                TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE',
        'service/customers   ClusterIP   10.96.0.20   <none>        80/TCP    5m',
      ),
    );
  });

  test('get all: pods, services, deployments, replicasets', () => {
    assert.equal(
      get('all', '').stdout,
      lines(
        'NAME                                READY   STATUS    RESTARTS   AGE',
        'pod/customers-v1-7b5b4b76fc-vtx4t   2/2     Running   0          5m',
        'pod/web-frontend-6d9f4c5b7-abcde    2/2     Running   0          5m',
        '',
        'NAME                TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE',
        'service/customers   ClusterIP   10.96.0.20   <none>        80/TCP    5m',
        '',
        'NAME                        READY   UP-TO-DATE   AVAILABLE   AGE',
        'deployment.apps/customers   1/1     1            1           5m',
        '',
        'NAME                                      DESIRED   CURRENT   READY   AGE',
        'replicaset.apps/customers-v1-7b5b4b76fc   1         1         1       5m',
      ),
    );
  });

  test('VirtualService printer columns: arrays as JSON', () => {
    assert.equal(get('vs', '').stdout, lines('NAME       GATEWAYS               HOSTS   AGE', 'bookinfo   ["bookinfo-gateway"]   ["*"]   5m'));
  });

  test('-L adds upper-cased label columns (empty when unset), --show-labels adds LABELS', () => {
    assert.equal(
      get('po', '', { labelColumns: ['app', 'app.kubernetes.io/version'] }).stdout,
      lines(
        'NAME                            READY   STATUS    RESTARTS   AGE   APP            VERSION',
        'customers-v1-7b5b4b76fc-vtx4t   2/2     Running   0          5m    customers      ',
        'web-frontend-6d9f4c5b7-abcde    2/2     Running   0          5m    web-frontend   ',
      ),
    );
    assert.equal(
      get('po', '', { showLabels: true }).stdout,
      lines(
        'NAME                            READY   STATUS    RESTARTS   AGE   LABELS',
        'customers-v1-7b5b4b76fc-vtx4t   2/2     Running   0          5m    app=customers,version=v1',
        'web-frontend-6d9f4c5b7-abcde    2/2     Running   0          5m    app=web-frontend',
      ),
    );
  });

  test('--no-headers and --show-kind', () => {
    assert.equal(get('deploy', '', { noHeaders: true, showKind: true }).stdout, lines('deployment.apps/customers   1/1   1     1     5m'));
  });

  test('nothing found: a message on stderr naming the namespace, or not', () => {
    assert.deepEqual(get('gw', ''), { stdout: '', stderr: 'No resources found in default namespace.\n', exitCode: 0 });
    assert.deepEqual(get('gw', '', { allNamespaces: true }), { stdout: '', stderr: 'No resources found\n', exitCode: 0 });
    assert.deepEqual(get('ns', ''), { stdout: '', stderr: 'No resources found\n', exitCode: 0 });
  });

  test('other kinds print NAME and AGE; cluster-scoped kinds get no NAMESPACE column', () => {
    const ns = resource('v1', 'Namespace', 'default', { status: { phase: 'Active' } }, undefined);
    const gw = resource('networking.istio.io/v1', 'Gateway', 'bookinfo-gateway', { spec: {} });
    assert.equal(get('ns', '', { allNamespaces: true }, [ns]).stdout, lines('NAME      STATUS   AGE', 'default   Active   5m'));
    assert.equal(get('gw', '', {}, [gw]).stdout, lines('NAME               AGE', 'bookinfo-gateway   5m'));
  });
});

describe('other outputs', () => {
  test('-o name', () => {
    assert.equal(get('all', 'name').stdout, lines('pod/customers-v1-7b5b4b76fc-vtx4t', 'pod/web-frontend-6d9f4c5b7-abcde', 'service/customers', 'deployment.apps/customers', 'replicaset.apps/customers-v1-7b5b4b76fc'));
    assert.equal(get('vs', 'name').stdout, 'virtualservice.networking.istio.io/bookinfo\n');
  });

  test('-o yaml: a List, or the object itself when one was asked for by name', () => {
    assert.equal(
      get('vs', 'yaml').stdout,
      lines(
        'apiVersion: v1',
        'items:',
        '- apiVersion: networking.istio.io/v1',
        '  kind: VirtualService',
        '  metadata:',
        '    creationTimestamp: "2024-05-01T11:55:00Z"',
        '    name: bookinfo',
        '    namespace: default',
        '  spec:',
        '    gateways:',
        '    - bookinfo-gateway',
        '    hosts:',
        "    - '*'",
        '    http: []',
        'kind: List',
        'metadata:',
        '  resourceVersion: ""',
      ),
    );
    assert.equal(get('vs', 'yaml', { singleItem: true }).stdout.split('\n')[0], 'apiVersion: networking.istio.io/v1');
    assert.equal(get('gw', 'yaml').stdout, lines('apiVersion: v1', 'items: []', 'kind: List', 'metadata:', '  resourceVersion: ""'));
  });

  test('-o json: 4-space indent, List', () => {
    assert.equal(
      get('gw', 'json').stdout,
      lines('{', '    "apiVersion": "v1",', '    "items": [],', '    "kind": "List",', '    "metadata": {', '        "resourceVersion": ""', '    }', '}'),
    );
  });

  test('-o jsonpath on one object (the seed) and on a list', () => {
    assert.deepEqual(get('svc', 'jsonpath={.status.loadBalancer.ingress[0].ip}', { namespace: 'istio-system', singleItem: true }, [ingress]), {
      stdout: '172.18.255.1',
      stderr: '',
      exitCode: 0,
    });
    assert.equal(get('po', 'jsonpath={range .items[*]}{.metadata.name}{"\\n"}{end}').stdout, 'customers-v1-7b5b4b76fc-vtx4t\nweb-frontend-6d9f4c5b7-abcde\n');
    assert.equal(get('po', 'jsonpath={.kind}').stdout, 'List');
  });

  test('-o jsonpath errors as kubectl words them', () => {
    assert.deepEqual(get('po', 'jsonpath={.items[0].metadata.name'), {
      stdout: '',
      stderr: 'error: error parsing jsonpath {.items[0].metadata.name, unclosed action\n',
      exitCode: 1,
    });
    const r = get('vs', 'jsonpath={.items[3]}');
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /^error: error executing jsonpath "\{\.items\[3\]\}": Error executing template: array index out of bounds: index 3, length 1\. Printing more information/);
  });

  test('-o custom-columns: headers as given, <none> for missing, Go %v for objects', () => {
    assert.equal(
      get('po', 'custom-columns=NAME:.metadata.name,IP:.status.podIP,NODE:.spec.nodeName,GATES:.spec.readinessGates,LABELS:.metadata.labels').stdout,
      lines(
        'NAME                            IP            NODE    GATES    LABELS',
        'customers-v1-7b5b4b76fc-vtx4t   10.244.0.12   local   <none>   map[app:customers version:v1]',
        'web-frontend-6d9f4c5b7-abcde    10.244.0.12   local   <none>   map[app:web-frontend]',
      ),
    );
  });
});
