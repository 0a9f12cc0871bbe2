/** `tsmesh rollout restart deployment[/NAME] [NAME...] [-n NS]`: new pods for every listed Deployment. */
import type { Command } from './command.js';
import { CliError } from '../cli-error.js';
import { flagHelp, parseFlags, type FlagSpec } from '../flags.js';
import { callMesh, connectMesh, HELP_FLAG, NAMESPACE_FLAG, STATE_DIR_FLAG, type ApplyReportJson } from '../local/mesh-flags.js';

const FLAGS: readonly FlagSpec[] = [NAMESPACE_FLAG, STATE_DIR_FLAG, HELP_FLAG];
const DEPLOYMENT = new Set(['deployment', 'deployments', 'deploy', 'deployment.apps', 'deployments.apps']);

export const rolloutCommand: Command = {
  async run(argv) {
    const { values, positional } = parseFlags('rollout', argv, FLAGS);
    if (values['help']) {
      process.stdout.write(`Usage: tsmesh rollout restart deployment[/NAME] [NAME...] [-n NS]\n\n${flagHelp(FLAGS)}\n`);
      return 0;
    }
    const [verb, target, ...more] = positional;
    if (verb !== 'restart') throw new CliError(`error: tsmesh rollout supports "restart" (got "${verb ?? ''}")`);
    if (target === undefined) throw new CliError('error: required resource not specified (tsmesh rollout restart deployment/NAME)');
    const [type, name] = target.split('/', 2) as [string, string | undefined];
    if (!DEPLOYMENT.has(type.toLowerCase())) throw new CliError(`error: tsmesh rollout restart supports deployments, not "${type}"`);
    const names = name !== undefined ? [name, ...more] : more;
    const client = await connectMesh(values);
    const report = await callMesh<ApplyReportJson>(client, 'rollout-restart', { namespace: values['namespace'], ...(names.length === 0 ? { all: true } : { names }) });
    for (const l of report.lines) process.stdout.write(`${l.ref} restarted\n`);
    for (const e of report.errors) process.stderr.write(`${e}\n`);
    return report.errors.length > 0 ? 1 : 0;
  },
};
