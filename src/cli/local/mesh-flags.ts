/**
 * Flags and helpers every command that talks to the local mesh shares: where its state directory
 * is, connecting to it, and kubectl's `-n`/`--namespace`.
 */
import type { FlagSpec } from '../flags.js';
import { CliError } from '../cli-error.js';
import { MeshApiError, MeshClient, MeshNotRunning } from '../../platform/local/api/api-client.js';
import { stateDir, type StateDir } from '../../platform/local/state-dir.js';

export const STATE_DIR_FLAG: FlagSpec = { name: 'state-dir', kind: 'string', help: 'The local mesh\'s state directory (default ./.tsmesh, or $TSMESH_STATE_DIR)' };
export const NAMESPACE_FLAG: FlagSpec = { name: 'namespace', short: 'n', kind: 'string', help: 'Namespace (default "default")' };
export const HELP_FLAG: FlagSpec = { name: 'help', short: 'h', kind: 'boolean', help: 'Show this help' };

export function stateDirFrom(values: Record<string, unknown>): StateDir {
  return stateDir((values['state-dir'] as string | undefined) ?? process.env['TSMESH_STATE_DIR']);
}

export async function connectMesh(values: Record<string, unknown>): Promise<MeshClient> {
  try {
    return await MeshClient.connect(stateDirFrom(values));
  } catch (err) {
    if (err instanceof MeshNotRunning) throw new CliError(`error: ${err.message}`);
    throw err;
  }
}

/** Calls the mesh, turning transport and API errors into one clear CLI error. */
export async function callMesh<T>(client: MeshClient, route: string, body: Record<string, unknown>): Promise<T> {
  try {
    return await client.call<T>(route, body);
  } catch (err) {
    if (err instanceof MeshApiError) throw new CliError(err.status === 404 || err.status === 400 || err.status === 409 ? `Error from server: ${err.message}` : `error: ${err.message}`);
    throw err;
  }
}

export interface ApplyReportJson {
  readonly lines: { ref: string; outcome: string }[];
  readonly errors: string[];
}

/** Prints kubectl-style result lines; returns the exit code (1 when anything was refused). */
export function printReport(report: ApplyReportJson): number {
  for (const l of report.lines) process.stdout.write(`${l.ref} ${l.outcome}\n`);
  for (const e of report.errors) process.stderr.write(`${e}\n`);
  return report.errors.length > 0 ? 1 : 0;
}
