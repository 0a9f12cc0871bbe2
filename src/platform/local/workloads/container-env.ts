/**
 * A local container's environment: its spec's `env` (values, and the downward-API fields pods
 * commonly read), what the local platform tells every app (POD_IP, POD_NAME, POD_NAMESPACE, and
 * HOST/PORT: where to listen), and, for a meshed pod without capture, HTTP_PROXY pointing at its
 * sidecar's HTTP proxy listener (Istio's MeshConfig proxyHttpPort), which is how its outbound
 * traffic enters the mesh rootless. PATH and HOME come from the mesh's own environment so
 * commands resolve as in the user's shell.
 */
import type { Resource } from '../../../api/resource/resource.js';
import type { Container } from './kube-types.js';

/** The sidecar's HTTP proxy port in rootless mode (MeshConfig proxyHttpPort; Istio's tests use 15080 too). */
export const PROXY_HTTP_PORT = 15080;

export interface EnvContext {
  readonly pod: Resource;
  readonly podIP: string;
  /** Where this container should listen. */
  readonly bindAddress: string;
  /** Send outbound HTTP through the pod's sidecar (rootless meshed app containers). */
  readonly meshed: boolean;
  readonly nodeEnv: Readonly<Record<string, string | undefined>>;
}

const INHERITED = ['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR'];

export function containerEnv(container: Container, ctx: EnvContext): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of INHERITED) {
    const v = ctx.nodeEnv[k];
    if (v !== undefined) env[k] = v;
  }
  const meta = ctx.pod.metadata;
  const spec = (ctx.pod.spec ?? {}) as { serviceAccountName?: string };
  const fields: Record<string, string> = {
    'metadata.name': meta.name ?? '',
    'metadata.namespace': meta.namespace ?? 'default',
    'status.podIP': ctx.podIP,
    'status.hostIP': '127.0.0.1',
    'spec.nodeName': 'local',
    'spec.serviceAccountName': spec.serviceAccountName ?? 'default',
  };
  env['POD_NAME'] = fields['metadata.name'] ?? '';
  env['POD_NAMESPACE'] = fields['metadata.namespace'] ?? '';
  env['POD_IP'] = ctx.podIP;
  env['HOST'] = ctx.bindAddress;
  env['HOSTNAME'] = meta.name ?? '';
  const firstPort = container.ports?.[0]?.containerPort;
  if (firstPort !== undefined) env['PORT'] = String(firstPort);
  if (ctx.meshed) {
    const proxy = `http://${ctx.podIP}:${PROXY_HTTP_PORT}`;
    env['HTTP_PROXY'] = proxy;
    env['http_proxy'] = proxy;
    env['NO_PROXY'] = `localhost,127.0.0.1,${ctx.podIP},${ctx.bindAddress}`;
    env['no_proxy'] = env['NO_PROXY'];
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = expand(e.value, env);
    else if (e.valueFrom?.fieldRef?.fieldPath !== undefined) env[e.name] = fields[e.valueFrom.fieldRef.fieldPath] ?? '';
    else env[e.name] = '';
  }
  return env;
}

/** Kubernetes' `$(VAR)` references to earlier variables. */
function expand(value: string, env: Readonly<Record<string, string>>): string {
  return value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);
}
