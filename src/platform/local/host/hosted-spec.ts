/**
 * Which containers the pod host can run, and how: the ones containerCommand() would start as
 * `node run-app.js IMAGE PORTS…` (role app) or `node bin/tsmesh.js proxy ARGS…` (roles sidecar and
 * gateway). Containers with a command of their own stay child processes, and so does everything
 * in a pod with its own network namespace (a process has exactly one).
 */
import type { ProcessSpec } from '../workloads/container-command.js';
import type { Container } from '../workloads/kube-types.js';
import type { HostedSpec } from './host-protocol.js';

/** The hosted form of `cmd`, or undefined when it must run as a process of its own. */
export function hostedSpecFor(cmd: ProcessSpec, container: Container, env: Readonly<Record<string, string>>): HostedSpec | undefined {
  if (cmd.role === 'app') {
    // run-app.ts's own choice of address, from the same environment.
    const host = env['HOST'] ?? env['POD_IP'] ?? '127.0.0.1';
    return { type: 'app', image: container.image ?? '', ports: (container.ports ?? []).map((p) => p.containerPort), env: { ...env }, host };
  }
  if (cmd.role === 'sidecar' || cmd.role === 'gateway') {
    const at = cmd.args.indexOf('proxy');
    if (at < 0) return undefined;
    return { type: 'proxy', argv: cmd.args.slice(at + 1) };
  }
  return undefined;
}
