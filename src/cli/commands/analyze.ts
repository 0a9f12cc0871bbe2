/**
 * `tsmesh analyze`: istioctl analyze over local files. Every file is ingested (syntax, schema and
 * webhook validation), then the accepted resources go through the cross-resource analyzers.
 * Messages print as istioctl prints them; like istioctl, the exit code is 79
 * (AnalyzerFoundIssuesError) when a message is at or above --failure-threshold (default Error).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from './command.js';
import { CliError } from '../cli-error.js';
import { flagHelp, parseFlags, type FlagSpec } from '../flags.js';
import { analyze } from '../../api/analyzers/analyze.js';
import { ingestYaml } from '../../api/ingest.js';
import { compareProblems, formatProblems, type Problem, type Severity } from '../../api/problems/problem.js';
import type { LoadedResource } from '../../api/yaml/load-yaml.js';

/** istioctl's exit code when analyzers report issues at or above the failure threshold. */
export const ANALYZER_FOUND_ISSUES_EXIT_CODE = 79;

const FLAGS: readonly FlagSpec[] = [
  { name: 'filename', short: 'f', kind: 'list', help: 'A YAML/JSON file or a directory (searched recursively for *.yaml, *.yml, *.json); repeatable' },
  { name: 'namespace', short: 'n', kind: 'string', help: 'Namespace to analyze, and the namespace of resources that name none (default "default")' },
  { name: 'all-namespaces', short: 'A', kind: 'boolean', help: 'Analyze all namespaces' },
  { name: 'output-threshold', kind: 'string', help: 'Lowest level of message printed: Info, Warning or Error (default Info)' },
  { name: 'failure-threshold', kind: 'string', help: 'Lowest level of message that fails the command (exit 79): Info, Warning or Error (default Error)' },
  { name: 'help', short: 'h', kind: 'boolean', help: 'Show this help' },
];

const HELP = `Usage: tsmesh analyze -f FILE|DIR [-f FILE|DIR]... [flags]

Analyzes Istio configuration in local files and prints the problems found, as istioctl analyze
does: schema and validation errors, references to gateways, hosts and subsets that do not
exist, conflicting VirtualServices and Gateways, unknown annotations, and more. Exits 79 when a
message is at or above --failure-threshold.

Flags:
${flagHelp(FLAGS)}`;

const LEVELS: Record<Severity, number> = { Info: 0, Warning: 1, Error: 2 };

function parseLevel(flag: string, value: string | undefined, fallback: Severity): Severity {
  if (value === undefined) return fallback;
  const level = (Object.keys(LEVELS) as Severity[]).find((l) => l.toLowerCase() === value.toLowerCase());
  if (level === undefined) throw new CliError(`tsmesh analyze: --${flag} must be one of Info, Warning, Error; got "${value}"`);
  return level;
}

export const analyzeCommand: Command = {
  async run(argv) {
    const { values, positional } = parseFlags('analyze', argv, FLAGS);
    if (values['help']) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    const inputs = [...((values['filename'] as string[] | undefined) ?? []), ...positional];
    if (inputs.length === 0) throw new CliError(`tsmesh analyze: no files given (use -f FILE|DIR)\n\n${HELP}`);
    const namespace = (values['namespace'] as string | undefined) ?? 'default';
    const allNamespaces = values['all-namespaces'] === true;
    const outputThreshold = parseLevel('output-threshold', values['output-threshold'] as string | undefined, 'Info');
    const failureThreshold = parseLevel('failure-threshold', values['failure-threshold'] as string | undefined, 'Error');

    const problems = await analyzeFiles(await expandInputs(inputs), { namespace, allNamespaces });
    const shown = problems.filter((p) => LEVELS[p.severity] >= LEVELS[outputThreshold]);
    const target = allNamespaces ? 'all namespaces' : `namespace: ${namespace}`;
    if (shown.length === 0) {
      process.stderr.write(`\u2714 No validation issues found when analyzing ${target}.\n`);
    } else {
      process.stdout.write(formatProblems(shown));
    }
    if (problems.some((p) => LEVELS[p.severity] >= LEVELS[failureThreshold])) {
      process.stderr.write(
        `Error: Analyzers found issues when analyzing ${target}.\n` +
          'See https://istio.io/latest/docs/reference/config/analysis for more information about causes and resolutions.\n',
      );
      return ANALYZER_FOUND_ISSUES_EXIT_CODE;
    }
    return 0;
  },
};

/** Ingest problems and analyzer messages for these files, sorted, limited to the namespace unless all. */
export async function analyzeFiles(files: readonly string[], options: { namespace: string; allNamespaces: boolean }): Promise<Problem[]> {
  const accepted: LoadedResource[] = [];
  const problems: Problem[] = [];
  for (const file of files) {
    const result = await ingestYaml(await readFile(file, 'utf8'), { file, defaultNamespace: options.namespace });
    accepted.push(...result.accepted);
    problems.push(...result.problems);
  }
  const inScope = (p: Problem): boolean => options.allNamespaces || p.resource?.namespace === undefined || p.resource.namespace === options.namespace;
  return [...problems.filter(inScope), ...analyze(accepted, options)].sort(compareProblems);
}

/** Files as given, and directories searched recursively for YAML and JSON files, in name order. */
async function expandInputs(inputs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const input of inputs) {
    let info;
    try {
      info = await stat(input);
    } catch {
      throw new CliError(`tsmesh analyze: ${input}: no such file or directory`);
    }
    if (info.isDirectory()) out.push(...(await walk(input)));
    else out.push(input);
  }
  return out;
}

async function walk(dir: string): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(path)));
    else if (/\.(ya?ml|json)$/.test(e.name)) out.push(path);
  }
  return out;
}
