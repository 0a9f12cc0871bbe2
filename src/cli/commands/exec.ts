/**
 * `tsmesh exec deploy/NAME|POD [-c CONTAINER] [-n NS] [-it] -- COMMAND [ARGS...]`: runs a real
 * command in a pod's context: its environment (POD_IP, and rootless the HTTP_PROXY that sends its
 * HTTP through the pod's sidecar) and, under netns capture, inside the pod's network namespace,
 * where iptables sends its traffic through the sidecar as in a Kubernetes pod. The command's exit
 * code is exec's.
 */
import { spawn } from 'node:child_process';
import type { Command } from './command.js';
import { CliError } from '../cli-error.js';
import { flagHelp, parseFlags, type FlagSpec } from '../flags.js';
import { callMesh, connectMesh, HELP_FLAG, NAMESPACE_FLAG, STATE_DIR_FLAG } from '../local/mesh-flags.js';
import { resolvePod } from '../local/resolve-workload.js';
import type { ExecContext } from '../../platform/local/api/mesh-api-routes.js';

const FLAGS: readonly FlagSpec[] = [
  { name: 'container', short: 'c', kind: 'string', help: 'Container name (default: the pod\'s default container)' },
  { name: 'stdin', short: 'i', kind: 'boolean', help: 'Pass stdin to the command' },
  { name: 'tty', short: 't', kind: 'boolean', help: 'Accepted for kubectl compatibility (the command gets this terminal)' },
  { name: 'it', kind: 'boolean', help: '-i and -t together' },
  NAMESPACE_FLAG,
  STATE_DIR_FLAG,
  HELP_FLAG,
];

export const execCommand: Command = {
  async run(argv) {
    // kubectl accepts `-it` as one flag; so do we.
    const { values, positional, rest } = parseFlags('exec', argv.map((a) => (a === '-it' || a === '-ti' ? '--it' : a)), FLAGS);
    if (values['help']) {
      process.stdout.write(`Usage: tsmesh exec deploy/NAME|POD [-c CONTAINER] -- COMMAND [ARGS...]\n\n${flagHelp(FLAGS)}\n`);
      return 0;
    }
    const target = positional[0];
    if (target === undefined) throw new CliError('error: expected POD or TYPE/NAME and a command: tsmesh exec deploy/sleep -- curl -sS http://httpbin:8000/get');
    const command = rest.length > 0 ? rest : positional.slice(1);
    if (command.length === 0) throw new CliError('error: you must specify at least one command for the container (after --)');
    const namespace = (values['namespace'] as string | undefined) ?? 'default';
    const client = await connectMesh(values);
    const { pod, container } = await resolvePod(client, target, namespace, values['container'] as string | undefined);
    const ctx = await callMesh<ExecContext>(client, 'exec-context', { namespace, pod: pod.metadata.name, container });
    const [file, ...args] = [...ctx.wrapper, ...command];
    const interactive = values['stdin'] === true || values['it'] === true;
    return new Promise<number>((resolve) => {
      const child = spawn(file ?? '', args, { env: { ...ctx.env, PATH: process.env['PATH'] ?? ctx.env['PATH'] ?? '' }, cwd: ctx.cwd, stdio: [interactive ? 'inherit' : 'ignore', 'inherit', 'inherit'] });
      child.once('error', (err) => {
        process.stderr.write(`error: cannot run "${command[0] ?? ''}" in pod ${pod.metadata.name ?? ''}: ${err.message}\n`);
        resolve(126);
      });
      child.once('exit', (code, signal) => resolve(code ?? (signal !== null ? 128 + 15 : 1)));
    });
  },
};
