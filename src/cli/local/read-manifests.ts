/**
 * `-f FILE|DIR|URL|-` as kubectl reads it: a file, every *.yaml/*.yml/*.json in a directory (not
 * recursive), stdin, or an Istio sample URL, which maps to our copy in samples/ (tsmesh never
 * downloads: the labs' URLs work offline, any other URL gets a clear message).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CliError } from '../cli-error.js';
import { localSampleFor } from '../../../samples/known-urls.js';
import { PACKAGE_ROOT } from '../../platform/local/workloads/container-command.js';

export interface Manifest {
  readonly file: string;
  readonly text: string;
}

export async function readManifests(command: string, sources: readonly string[]): Promise<Manifest[]> {
  if (sources.length === 0) throw new CliError(`error: must specify one of -f and -k\n(tsmesh ${command} -f FILE|DIR|URL|-)`);
  const out: Manifest[] = [];
  for (const source of sources) out.push(...(await readSource(source)));
  return out;
}

async function readSource(source: string): Promise<Manifest[]> {
  if (source === '-') return [{ file: '<stdin>', text: await readStdin() }];
  if (/^https?:\/\//.test(source)) {
    const local = localSampleFor(source);
    if (local === undefined) throw new CliError(`error: tsmesh does not download manifests: ${source} is not one of the Istio samples it ships; save the file and apply it with -f FILE`);
    return [{ file: source, text: await readFile(join(PACKAGE_ROOT, local), 'utf8') }];
  }
  let info;
  try {
    info = await stat(source);
  } catch {
    // The labs apply Istio's samples by their path in an Istio release directory.
    const local = localSampleFor(source);
    if (local !== undefined) return [{ file: source, text: await readFile(join(PACKAGE_ROOT, local), 'utf8') }];
    throw new CliError(`error: the path "${source}" does not exist`);
  }
  if (!info.isDirectory()) return [{ file: source, text: await readFile(source, 'utf8') }];
  const names = (await readdir(source)).filter((n) => /\.(ya?ml|json)$/.test(n)).sort();
  if (names.length === 0) throw new CliError(`error: no objects passed to apply: ${resolve(source)} has no .yaml, .yml or .json files`);
  return Promise.all(names.map(async (n) => ({ file: join(source, n), text: await readFile(join(source, n), 'utf8') })));
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
