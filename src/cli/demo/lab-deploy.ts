/**
 * What `tsmesh demo` deploys on the mesh it started: what a user of the seed guide has at the end
 * of Lab 6 (Header-Based Routing), from the lab's own YAML in samples/labs/lab6 — the Gateway, the
 * web-frontend (Deployment, Service, VirtualService bound to the Gateway), customers v1 and v2
 * behind one Service with a DestinationRule naming the subsets, and the VirtualService sending
 * `user: debug` to v2 and everything else to v1. The default namespace is labelled for sidecar
 * injection first, as the guide's setup does.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MESH_KINDS } from '../../api/kinds/mesh-kinds.js';
import type { LocalMesh } from '../../platform/local/local-mesh.js';
import { PACKAGE_ROOT } from '../../platform/local/workloads/container-command.js';
import { isReady } from '../../platform/local/workloads/deployment-controller.js';
import type { PodStatus } from '../../platform/local/workloads/kube-types.js';

export const LAB_DIR = join(PACKAGE_ROOT, 'samples', 'labs', 'lab6');

/** In the order Lab 6 applies them: Step 1's three files, then Step 3's header routing. */
export const LAB_FILES = ['gateway.yaml', 'web-frontend.yaml', 'customers.yaml', 'customers-vs.yaml'] as const;

/** Labels `default` for injection and applies the lab; returns kubectl's result lines. */
export async function deployLab(mesh: LocalMesh): Promise<string[]> {
  const ns = MESH_KINDS.lookupGroupKind('', 'Namespace');
  if (ns === undefined) throw new Error('the kinds registry has no Namespace');
  const lines: string[] = [];
  const label = await mesh.resources.label(ns, undefined, 'default', { 'istio-injection': 'enabled' }, true);
  lines.push(...label.lines.map((l) => `${l.ref} labeled`));
  const errors = [...label.errors];
  for (const name of LAB_FILES) {
    const file = join(LAB_DIR, name);
    const report = await mesh.resources.apply(await readFile(file, 'utf8'), file);
    lines.push(...report.lines.map((l) => `${l.ref} ${l.outcome}`));
    errors.push(...report.errors);
  }
  if (errors.length > 0) throw new Error(`the lab's YAML was refused:\n${errors.join('\n')}`);
  return lines;
}

/** The ingress gateway's external IP, once the service controller has given it one. */
export function gatewayIP(mesh: LocalMesh): string | undefined {
  const svc = mesh.store.get({ group: '', kind: 'Service', namespace: 'istio-system', name: 'istio-ingressgateway' });
  return (svc?.status as { loadBalancer?: { ingress?: { ip?: string }[] } } | undefined)?.loadBalancer?.ingress?.[0]?.ip;
}

/** The demo profile's three pods (istiod, ingress and egress gateways) and the lab's three, all Ready. */
export function allPodsReady(mesh: LocalMesh): boolean {
  const pods = mesh.store.list({ group: '', kind: 'Pod' });
  return pods.length >= 6 && pods.every(isReady);
}

/** One line per pod: name, ready containers, phase, restarts (what `get pods` shows), for errors. */
export function podSummary(mesh: LocalMesh): string[] {
  return mesh.store.list({ group: '', kind: 'Pod' }).map((p) => {
    const status = (p.status ?? {}) as Partial<PodStatus>;
    const cs = status.containerStatuses ?? [];
    const waiting = cs.map((c) => c.state?.waiting?.reason).find((r) => r !== undefined);
    const restarts = cs.reduce((n, c) => n + c.restartCount, 0);
    return `${p.metadata.namespace ?? 'default'}/${p.metadata.name ?? ''}: ${cs.filter((c) => c.ready).length}/${cs.length} ready, ${waiting ?? status.phase ?? 'Pending'}, ${restarts} restarts`;
  });
}
