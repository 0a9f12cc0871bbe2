/**
 * The messages between the mesh and its pod host (pod-host-main.ts), over the host's IPC channel
 * (child_process.fork, JSON serialization). The mesh names each container run with an `id` of its
 * own; every message about that run carries it.
 *
 *   mesh → host   start {id, spec}, stop {id}
 *   host → mesh   started {id}, log {id, chunk}, exited {id, code, message?}
 *
 * `exited` is sent exactly once per started id (after a stop too, when the container has closed).
 */

/** A sample app from samples/apps/catalog.ts, as run-app.ts would run it. */
export interface HostedAppSpec {
  readonly type: 'app';
  readonly image: string;
  readonly ports: readonly number[];
  /** The container's environment (containerEnv): the app reads it from its AppContext, never from process.env. */
  readonly env: Readonly<Record<string, string>>;
  /** The address the app binds. */
  readonly host: string;
}

/** `tsmesh proxy ARGV…`: exactly the arguments after `proxy` that container-command.ts builds. */
export interface HostedProxySpec {
  readonly type: 'proxy';
  readonly argv: readonly string[];
}

export type HostedSpec = HostedAppSpec | HostedProxySpec;

export interface StartMessage {
  readonly type: 'start';
  readonly id: string;
  readonly spec: HostedSpec;
}

export interface StopMessage {
  readonly type: 'stop';
  readonly id: string;
}

export type MeshToHost = StartMessage | StopMessage;

export interface StartedMessage {
  readonly type: 'started';
  readonly id: string;
}

/** Output of the container (what its stdout and stderr would have been), for its log file. */
export interface LogMessage {
  readonly type: 'log';
  readonly id: string;
  readonly chunk: string;
}

export interface ExitedMessage {
  readonly type: 'exited';
  readonly id: string;
  /** 0 after a stop or a proxy's /quitquitquit; 1 when it failed to start or failed later; 2 for an unknown image or bad arguments. */
  readonly code: number;
  readonly message?: string;
}

export type HostToMesh = StartedMessage | LogMessage | ExitedMessage;

/** Validates a message from the mesh: the message, or what is wrong with it (the host logs that and ignores it). */
export function parseMeshMessage(raw: unknown): MeshToHost | string {
  if (typeof raw !== 'object' || raw === null) return 'message is not an object';
  const m = raw as Record<string, unknown>;
  if (typeof m['id'] !== 'string' || m['id'] === '') return 'message has no id';
  if (m['type'] === 'stop') return { type: 'stop', id: m['id'] };
  if (m['type'] !== 'start') return `unknown message type ${JSON.stringify(m['type'])}`;
  const spec = m['spec'] as Record<string, unknown> | undefined;
  if (spec?.['type'] === 'proxy') {
    const argv = spec['argv'];
    if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string')) return `start ${m['id']}: spec.argv must be a list of strings`;
    return { type: 'start', id: m['id'], spec: { type: 'proxy', argv } };
  }
  if (spec?.['type'] === 'app') {
    const { image, ports, env, host } = spec;
    if (typeof image !== 'string') return `start ${m['id']}: spec.image must be a string`;
    if (!Array.isArray(ports) || !ports.every((p) => Number.isInteger(p) && p >= 1 && p <= 65535)) return `start ${m['id']}: spec.ports must be port numbers (1-65535)`;
    if (typeof env !== 'object' || env === null || !Object.values(env).every((v) => typeof v === 'string')) return `start ${m['id']}: spec.env must map names to strings`;
    if (typeof host !== 'string') return `start ${m['id']}: spec.host must be a string`;
    return { type: 'start', id: m['id'], spec: { type: 'app', image, ports: ports as number[], env: env as Record<string, string>, host } };
  }
  return `start ${m['id']}: spec.type must be "app" or "proxy"`;
}
