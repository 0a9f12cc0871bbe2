/**
 * `tsmesh get TYPE[,TYPE...] [NAME...] [-n NS | -A] [-o wide|yaml|json|name|jsonpath=...] [-l SEL]
 * [-L LABEL,...] [--show-labels]`: kubectl get against the local mesh. Resolution of TYPE and all
 * printing are kubectl's (src/cli/kubectl); this file reads the resources and filters them.
 */
import type { Command } from './command.js';
import { CliError } from '../cli-error.js';
import { flagHelp, parseFlags, type FlagSpec } from '../flags.js';
import { MESH_KINDS } from '../../api/kinds/mesh-kinds.js';
import type { KindInfo } from '../../api/kinds/kind.js';
import type { Resource } from '../../api/resource/resource.js';
import { notFoundError, parseOutputFlag, printResources, resolveResourceType } from '../kubectl/index.js';
import { callMesh, connectMesh, HELP_FLAG, NAMESPACE_FLAG, STATE_DIR_FLAG } from '../local/mesh-flags.js';
import { matchesSelector, parseSelector } from '../local/label-selector.js';
import { crdKind, crdResources, isCrdType } from '../local/crds.js';

const FLAGS: readonly FlagSpec[] = [
  NAMESPACE_FLAG,
  { name: 'all-namespaces', short: 'A', kind: 'boolean', help: 'List across all namespaces' },
  { name: 'output', short: 'o', kind: 'string', help: 'wide, yaml, json, name, jsonpath=TEMPLATE, custom-columns=SPEC' },
  { name: 'selector', short: 'l', kind: 'string', help: 'Label selector: k=v, k!=v, k, !k, k in (a,b)' },
  { name: 'label-columns', short: 'L', kind: 'list', help: 'Labels to show as columns (comma-separated)' },
  { name: 'show-labels', kind: 'boolean', help: 'Show every label in a LABELS column' },
  { name: 'show-kind', kind: 'boolean', help: 'Prefix names with their kind' },
  { name: 'no-headers', kind: 'boolean', help: 'Omit the header row' },
  STATE_DIR_FLAG,
  HELP_FLAG,
];

export const getCommand: Command = {
  async run(argv) {
    const { values, positional } = parseFlags('get', argv, FLAGS);
    if (values['help']) {
      process.stdout.write(`Usage: tsmesh get TYPE[,TYPE...] [NAME...] [flags]\n\n${flagHelp(FLAGS)}\n`);
      return 0;
    }
    const output = parseOutputFlag(values['output'] as string | undefined);
    if ('error' in output) throw new CliError(output.error);
    let [typed, ...names] = positional;
    if (typed === undefined) throw new CliError('error: you must specify the type of resource to get, e.g. tsmesh get pods');
    if (typed.includes('/')) {
      // `get deploy/web-frontend svc/customers`: every argument is TYPE/NAME.
      const pairs = positional.map((p) => p.split('/', 2));
      if (pairs.some((p) => p.length !== 2)) throw new CliError('error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form');
      typed = [...new Set(pairs.map((p) => p[0] ?? ''))].join(',');
      names = pairs.map((p) => p[1] ?? '');
    }
    const allNamespaces = values['all-namespaces'] === true;
    const namespace = (values['namespace'] as string | undefined) ?? 'default';
    const selector = values['selector'] === undefined ? undefined : parseSelector(values['selector'] as string);

    let kinds: readonly KindInfo[];
    let resources: Resource[];
    if (isCrdType(typed)) {
      kinds = [crdKind()];
      resources = crdResources(MESH_KINDS);
    } else {
      const resolved = resolveResourceType(MESH_KINDS, typed);
      if (!resolved.ok) throw new CliError(resolved.error);
      kinds = resolved.kinds;
      const client = await connectMesh(values);
      ({ items: resources } = await callMesh<{ items: Resource[] }>(client, 'list', {
        kinds: kinds.map((k) => ({ group: k.group, kind: k.kind })),
        ...(!allNamespaces && { namespace }),
      }));
    }
    if (selector !== undefined) resources = resources.filter((r) => matchesSelector(selector, r.metadata.labels ?? {}));
    const errors: string[] = [];
    if (names.length > 0) {
      const wanted: Resource[] = [];
      for (const name of names) {
        const found = resources.filter((r) => r.metadata.name === name);
        if (found.length === 0) errors.push(notFoundError(kinds[0] as KindInfo, name));
        wanted.push(...found);
      }
      resources = wanted;
    }
    const result = printResources(kinds, resources, {
      output,
      namespace,
      allNamespaces,
      labelColumns: ((values['label-columns'] as string[] | undefined) ?? []).flatMap((l) => l.split(',')).filter((l) => l !== ''),
      showLabels: values['show-labels'] === true,
      showKind: values['show-kind'] === true,
      noHeaders: values['no-headers'] === true,
      singleItem: names.length === 1 && kinds.length === 1,
    }, new Date());
    process.stdout.write(result.stdout);
    // kubectl does not say "No resources found" when it was asked for names it could not find.
    if (names.length === 0 || errors.length === 0) process.stderr.write(result.stderr);
    for (const e of errors) process.stderr.write(`${e}\n`);
    return errors.length > 0 ? 1 : result.exitCode;
  },
};
