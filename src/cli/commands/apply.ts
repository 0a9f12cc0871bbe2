/** `tsmesh apply -f FILE|DIR|URL|- [-n NS]`: kubectl apply against the local mesh. */
import type { Command } from './command.js';
import { flagHelp, parseFlags, type FlagSpec } from '../flags.js';
import { callMesh, connectMesh, HELP_FLAG, NAMESPACE_FLAG, printReport, STATE_DIR_FLAG, type ApplyReportJson } from '../local/mesh-flags.js';
import { readManifests } from '../local/read-manifests.js';

const FLAGS: readonly FlagSpec[] = [
  { name: 'filename', short: 'f', kind: 'list', help: 'File, directory (its *.yaml, *.yml, *.json), Istio sample URL, or - for stdin' },
  NAMESPACE_FLAG,
  STATE_DIR_FLAG,
  HELP_FLAG,
];

export const applyCommand: Command = {
  async run(argv) {
    const { values } = parseFlags('apply', argv, FLAGS);
    if (values['help']) {
      process.stdout.write(`Usage: tsmesh apply -f FILE|DIR|URL|- [-n NS]\n\n${flagHelp(FLAGS)}\n`);
      return 0;
    }
    const manifests = await readManifests('apply', (values['filename'] as string[] | undefined) ?? []);
    const client = await connectMesh(values);
    let code = 0;
    for (const m of manifests) {
      const report = await callMesh<ApplyReportJson>(client, 'apply', { text: m.text, file: m.file, namespace: values['namespace'] });
      code = Math.max(code, printReport(report));
    }
    return code;
  },
};
