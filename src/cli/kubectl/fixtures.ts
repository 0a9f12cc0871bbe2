import type { Resource } from '../../api/resource/resource.js';

// Resources as the local platform stores them, shared by this folder's tests.

export const NOW = new Date('2024-05-01T12:00:00Z');
export const FIVE_MIN_AGO = '2024-05-01T11:55:00Z';

export function pod(name: string, fields: { namespace?: string; labels?: Record<string, string>; spec?: unknown; status?: unknown; deletionTimestamp?: string } = {}): Resource {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: fields.namespace ?? 'default',
      creationTimestamp: FIVE_MIN_AGO,
      ...(fields.labels === undefined ? {} : { labels: fields.labels }),
      ...(fields.deletionTimestamp === undefined ? {} : { deletionTimestamp: fields.deletionTimestamp }),
    },
    spec: fields.spec ?? { containers: [{ name: 'app', image: 'app:1' }] },
    status: fields.status ?? {},
  };
}

/** A Running pod with an Istio sidecar: 2/2. */
export function sidecarPod(name: string, namespace = 'default', labels?: Record<string, string>): Resource {
  const running = (n: string): unknown => ({ name: n, ready: true, restartCount: 0, started: true, state: { running: { startedAt: FIVE_MIN_AGO } } });
  return pod(name, {
    namespace,
    ...(labels === undefined ? {} : { labels }),
    spec: { containers: [{ name: 'svc', image: 'gcr.io/tetratelabs/customers:1.0.0' }, { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.24.0' }], nodeName: 'local' },
    status: {
      phase: 'Running',
      podIP: '10.244.0.12',
      podIPs: [{ ip: '10.244.0.12' }],
      conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' }],
      containerStatuses: [running('istio-proxy'), running('svc')],
    },
  });
}

export function resource(apiVersion: string, kind: string, name: string, body: Record<string, unknown> = {}, namespace: string | undefined = 'default'): Resource {
  return {
    apiVersion,
    kind,
    metadata: { name, ...(namespace === undefined ? {} : { namespace }), creationTimestamp: FIVE_MIN_AGO },
    ...body,
  };
}
