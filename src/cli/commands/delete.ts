/** `tsmesh delete -f FILE | KIND NAME... [-n NS]`: kubectl delete against the local mesh. */
import type { Command } from './command.js';
import { CliError } from '../cli-error.js';
import { flagHelp, parseFlags, type FlagSpec } from '../flags.js';
import { callMesh, connectMesh, HELP_FLAG, NAMESPACE_FLAG, printReport, STATE_DIR_FLAG, type ApplyReportJson } from '../local/mesh-flags.js';
import { readManifests } from '../local/read-manifests.js';
import { resolveKinds } from '../local/resolve-kinds.js';
import type { KindInfo } from '../../api/kinds/kind.js';
import type { MeshClient } from '../../platform/local/api/api-client.js';

const FLAGS: readonly FlagSpec[] = [
  { name: 'filename', short: 'f', kind: 'list', help: 'File, directory or Istio sample URL whose objects to delete' },
  NAMESPACE_FLAG,
  { name: 'ignore-not-found', kind: 'boolean', help: 'Treat "not found" as success' },
  STATE_DIR_FLAG,
  HELP_FLAG,
];

export const deleteCommand: Command = {
  async run(argv) {
    const { values, positional } = parseFlags('delete', argv, FLAGS);
    if (values['help']) {
      process.stdout.write(`Usage: tsmesh delete -f FILE | KIND NAME... [-n NS]\n\n${flagHelp(FLAGS)}\n`);
      return 0;
    }
    const files = (values['filename'] as string[] | undefined) ?? [];
    const namespace = values['namespace'] as string | undefined;
    const reports: ApplyReportJson[] = [];
    if (files.length > 0) {
      const manifests = await readManifests('delete', files);
      const client = await connectMesh(values);
      for (const m of manifests) reports.push(await callMesh<ApplyReportJson>(client, 'delete-file', { text: m.text, file: m.file, namespace }));
    } else {
      const [typed, ...names] = positional;
      if (typed === undefined) throw new CliError('error: You must provide one or more resources by argument or filename.');
      // `delete deploy/web-frontend svc/customers` and `delete deploy a b` both work, as in kubectl.
      const pairs = typed.includes('/') ? positional.map((p) => p.split('/', 2) as [string, string]) : names.map((n) => [typed, n] as [string, string]);
      if (pairs.length === 0) throw new CliError(`error: resource(s) were provided, but no name was specified`);
      const client = await connectMesh(values);
      for (const [type, name] of pairs) {
        for (const candidates of resolveKinds(type)) reports.push(await deleteFirstFound(client, candidates, namespace, name));
      }
    }
    let code = 0;
    for (const r of reports) {
      const errors = values['ignore-not-found'] ? r.errors.filter((e) => !e.includes('(NotFound)')) : r.errors;
      code = Math.max(code, printReport({ lines: r.lines, errors }));
    }
    return code;
  },
};

/** Deletes `name` as the first candidate kind that has it; NotFound names the preferred kind. */
async function deleteFirstFound(client: MeshClient, candidates: readonly KindInfo[], namespace: string | undefined, name: string): Promise<ApplyReportJson> {
  let first: ApplyReportJson | undefined;
  for (const info of candidates) {
    const report = await callMesh<ApplyReportJson>(client, 'delete-named', { group: info.group, kind: info.kind, namespace, names: [name] });
    if (report.lines.length > 0) return report;
    first ??= report;
  }
  return first ?? { lines: [], errors: [] };
}
