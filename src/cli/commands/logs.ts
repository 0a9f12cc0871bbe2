/**
 * `tsmesh logs deploy/NAME|pod/NAME|POD [-c CONTAINER] [-n NS] [-f] [--tail N] [--previous]`: a
 * container's output, from its log file in the state directory (every run of the container
 * appends to it; the mesh marks restarts in it).
 */
import { open, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from './command.js';
import { CliError } from '../cli-error.js';
import { flagHelp, parseFlags, type FlagSpec } from '../flags.js';
import { connectMesh, HELP_FLAG, NAMESPACE_FLAG, STATE_DIR_FLAG, stateDirFrom } from '../local/mesh-flags.js';
import { resolvePod } from '../local/resolve-workload.js';
import { containerLogPath } from '../../platform/local/state-dir.js';

const FLAGS: readonly FlagSpec[] = [
  { name: 'container', short: 'c', kind: 'string', help: 'Container name (default: the pod\'s default container)' },
  { name: 'follow', short: 'f', kind: 'boolean', help: 'Keep printing new output until Ctrl-C' },
  { name: 'tail', kind: 'number', help: 'Only the last N lines' },
  NAMESPACE_FLAG,
  STATE_DIR_FLAG,
  HELP_FLAG,
];

export const logsCommand: Command = {
  async run(argv) {
    const { values, positional } = parseFlags('logs', argv, FLAGS);
    if (values['help']) {
      process.stdout.write(`Usage: tsmesh logs deploy/NAME|POD [-c CONTAINER] [-f]\n\n${flagHelp(FLAGS)}\n`);
      return 0;
    }
    const target = positional[0];
    if (target === undefined) throw new CliError('error: expected POD or TYPE/NAME, e.g. tsmesh logs deploy/customers-v1');
    const namespace = (values['namespace'] as string | undefined) ?? 'default';
    const client = await connectMesh(values);
    const { pod, container, note } = await resolvePod(client, target, namespace, values['container'] as string | undefined);
    if (note !== undefined) process.stderr.write(`${note}\n`);
    const file = containerLogPath(stateDirFrom(values), namespace, pod.metadata.name ?? '', container);
    let text = '';
    const handle = await open(file, 'r').catch(() => undefined);
    if (handle !== undefined) {
      text = await handle.readFile('utf8');
      await handle.close();
    }
    const tail = values['tail'] as number | undefined;
    if (tail !== undefined && tail >= 0) {
      const lines = text.split('\n');
      const last = lines[lines.length - 1] === '' ? lines.slice(0, -1) : lines;
      text = last.slice(Math.max(0, last.length - tail)).map((l) => `${l}\n`).join('');
    }
    process.stdout.write(text);
    if (!values['follow']) return 0;
    let offset = (await stat(file).catch(() => ({ size: 0 }))).size;
    let stop = false;
    process.once('SIGINT', () => (stop = true));
    while (!stop) {
      await sleep(250);
      const size = (await stat(file).catch(() => ({ size: offset }))).size;
      if (size <= offset) continue;
      const h = await open(file, 'r');
      const buf = Buffer.alloc(size - offset);
      await h.read(buf, 0, buf.length, offset);
      await h.close();
      process.stdout.write(buf);
      offset = size;
    }
    return 0;
  },
};
