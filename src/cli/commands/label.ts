/** `tsmesh label KIND NAME k=v [k2-] [--overwrite] [-n NS]`: kubectl label against the local mesh. */
import type { Command } from './command.js';
import { CliError } from '../cli-error.js';
import { flagHelp, parseFlags, type FlagSpec } from '../flags.js';
import { callMesh, connectMesh, HELP_FLAG, NAMESPACE_FLAG, STATE_DIR_FLAG, type ApplyReportJson } from '../local/mesh-flags.js';
import { resolveKinds } from '../local/resolve-kinds.js';

const FLAGS: readonly FlagSpec[] = [
  { name: 'overwrite', kind: 'boolean', help: 'Allow changing the value of a label that is already set' },
  NAMESPACE_FLAG,
  STATE_DIR_FLAG,
  HELP_FLAG,
];

export const labelCommand: Command = {
  async run(argv) {
    const { values, positional } = parseFlags('label', argv, FLAGS);
    if (values['help']) {
      process.stdout.write(`Usage: tsmesh label KIND NAME KEY=VALUE... [KEY-] [--overwrite]\n\n${flagHelp(FLAGS)}\n`);
      return 0;
    }
    let [typed, name, ...rest] = positional;
    if (typed?.includes('/')) {
      rest = name === undefined ? rest : [name, ...rest];
      [typed, name] = typed.split('/', 2);
    }
    if (typed === undefined || name === undefined) throw new CliError('error: you must specify a resource type and name, e.g. tsmesh label namespace default istio-injection=enabled');
    if (rest.length === 0) throw new CliError('error: at least one label update is required');
    const labels: Record<string, string | null> = {};
    for (const change of rest) {
      if (change.endsWith('-') && !change.includes('=')) labels[change.slice(0, -1)] = null;
      else {
        const eq = change.indexOf('=');
        if (eq <= 0) throw new CliError(`error: invalid label spec: ${change}`);
        const key = change.slice(0, eq);
        const value = change.slice(eq + 1);
        if (!/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(key) || !/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/.test(value)) {
          throw new CliError(`error: invalid label spec: ${change}`);
        }
        labels[key] = value;
      }
    }
    const info = resolveKinds(typed)[0]?.[0];
    if (info === undefined) throw new CliError(`error: the server doesn't have a resource type "${typed}"`);
    const client = await connectMesh(values);
    const report = await callMesh<ApplyReportJson>(client, 'label', { group: info.group, kind: info.kind, namespace: values['namespace'], name, labels, overwrite: values['overwrite'] === true });
    for (const l of report.lines) process.stdout.write(`${l.ref} ${l.outcome === 'unchanged' ? 'not labeled' : 'labeled'}\n`);
    for (const e of report.errors) process.stderr.write(`${e}\n`);
    return report.errors.length > 0 ? 1 : 0;
  },
};
