/**
 * What runs for a container, decided the way a container runtime would: the container's own
 * `command`/`args` when it has a command (as Kubernetes overrides the image's entrypoint); else
 * the image: a known sample image runs our TypeScript app (samples/apps), Istio's proxyv2 runs
 * `tsmesh proxy sidecar|router`, Istio's pilot is the mesh process itself; anything else cannot run here, with a message saying how to run
 * your own app.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { PROXY_NODE_FLAGS } from '../../../cli/node-flags.js';
import { findAppImage } from '../../../../samples/apps/catalog.js';
import type { Container } from './kube-types.js';

/** The repository (or installed package) root: bin/ and dist/ live here. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));

export interface ProcessSpec {
  readonly file: string;
  readonly args: readonly string[];
  /** What `get pod -o yaml`-minded users see as the container's role, for logs: `app`, `sidecar`, `gateway`, `command`. */
  readonly role: 'app' | 'sidecar' | 'gateway' | 'command' | 'builtin';
}

export interface ProxyArgs {
  readonly discoveryAddress: string;
  readonly namespace: string;
  readonly podName: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  readonly podIP: string;
  /** Where inbound traffic reaches the app (rootless); undefined when traffic is captured. */
  readonly appAddress: string | undefined;
  readonly capture: 'rootless' | 'netns';
}

export class CannotRun extends Error {
  readonly reason: 'ErrImagePull' | 'CreateContainerError';
  constructor(reason: 'ErrImagePull' | 'CreateContainerError', message: string) {
    super(message);
    this.reason = reason;
  }
}

export function containerCommand(container: Container, proxy: ProxyArgs, isInjectedProxy: boolean): ProcessSpec {
  const image = container.image ?? '';
  // istiod is the mesh process itself: its pod has nothing to start.
  if (/(^|\/)istio\/pilot(:|$)/.test(image)) return { file: '', args: [], role: 'builtin' };
  if (isInjectedProxy || /(^|\/)istio\/proxyv2(:|$)/.test(image)) {
    const type = isInjectedProxy || !(container.args ?? []).includes('router') ? 'sidecar' : 'router';
    return { file: process.execPath, args: [...PROXY_NODE_FLAGS, join(PACKAGE_ROOT, 'bin', 'tsmesh.js'), ...proxyFlags(type, proxy)], role: type === 'sidecar' ? 'sidecar' : 'gateway' };
  }
  const command = container.command ?? [];
  if (command.length > 0) {
    const [file, ...rest] = command;
    return { file: file ?? '', args: [...rest, ...(container.args ?? [])], role: 'command' };
  }
  const known = findAppImage(image);
  if (known !== undefined) {
    const runApp = join(PACKAGE_ROOT, 'dist', 'samples', 'apps', 'run-app.js');
    if (!existsSync(runApp)) throw new CannotRun('CreateContainerError', `the sample apps are not built (${runApp} is missing): run \`npm run build\``);
    const ports = (container.ports ?? []).map((p) => String(p.containerPort));
    return { file: process.execPath, args: ['--max-semi-space-size=1', runApp, image, ...ports], role: 'app' };
  }
  throw new CannotRun(
    'ErrImagePull',
    `image "${image}" is not one tsmesh can run locally (known: the Istio and Tetrate sample images). To run your own app, give the container a command, e.g. command: ["node", "server.js"] (it gets PORT, HOST and POD_IP in its environment)`,
  );
}

function proxyFlags(type: 'sidecar' | 'router', p: ProxyArgs): string[] {
  const labels = Object.entries(p.labels).map(([k, v]) => `${k}=${v}`).join(',');
  const flags = ['proxy', type, '--discovery-address', p.discoveryAddress, '--namespace', p.namespace, '--name', p.podName, '--service-account', p.serviceAccount, '--ip', p.podIP];
  if (labels !== '') flags.push('--labels', labels);
  if (p.capture === 'rootless') {
    flags.push('--interception-mode', 'NONE', '--bind-address', p.podIP, '--admin-address', p.podIP);
    if (type === 'sidecar' && p.appAddress !== undefined) flags.push('--app-address', p.appAddress);
  } else {
    // In its namespace, captured by iptables (REDIRECT, Istio's default); admin on the pod IP so the mesh can read it.
    flags.push('--admin-address', p.podIP);
  }
  return flags;
}
