/**
 * The pod host process: `fork(dist/src/platform/local/host/pod-host-main.js)` with the proxy's V8
 * flags (PROXY_NODE_FLAGS) and an IPC channel. Runs any number of the mesh's containers in one Node
 * process (ContainerHost), because most of a small Node process is Node itself: eight processes of
 * 45-70 MB become one.
 *
 * Failure model: a container that fails to start or to close reports `exited` and the host goes
 * on. An uncaught exception (a bug in an app or the proxy) leaves the process in an unknown state,
 * so it ends the host: every hosted container exits with it and the mesh restarts them with their
 * back-off. The host exits when its IPC channel closes (the mesh is gone) and on SIGTERM (after
 * closing its containers).
 */
import { ContainerHost } from './container-host.js';
import { parseMeshMessage, type HostToMesh } from './host-protocol.js';

/** How long SIGTERM waits for the containers to close before the host exits anyway. */
const SHUTDOWN_GRACE_MS = 3_000;
/** Exit code after an uncaught exception (EX_SOFTWARE). */
const CRASH_EXIT_CODE = 70;

function send(m: HostToMesh): void {
  // A message racing the mesh's exit fails with EPIPE; without a callback that would be an
  // 'error' event, uncaught. The 'disconnect' handler is exiting anyway.
  if (process.connected) process.send?.(m, undefined, {}, () => {});
}

if (process.send === undefined) {
  process.stderr.write('pod-host: must be started by the mesh with an IPC channel (child_process.fork)\n');
  process.exit(2);
}

const host = new ContainerHost(send);

process.on('message', (raw: unknown) => {
  const m = parseMeshMessage(raw);
  if (typeof m === 'string') {
    process.stderr.write(`pod-host: ignoring a message from the mesh: ${m}\n`);
    return;
  }
  host.handle(m);
});

// The mesh is gone (it exited or was killed): nothing will stop these containers any more.
process.on('disconnect', () => process.exit());

let stopping = false;
const shutdown = (): void => {
  if (stopping) return;
  stopping = true;
  void host.closeAll(SHUTDOWN_GRACE_MS).finally(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

process.on('uncaughtException', (err) => {
  const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`pod-host: uncaught exception; every hosted container ends with the host:\n${text}\n`);
  const exit = (): void => process.exit(CRASH_EXIT_CODE);
  // Tell each container's log why it ends (the mesh sees the host exit and marks them exited),
  // and exit once the last message is out.
  const chunk = `tsmesh: pod host crashed: ${err instanceof Error ? err.message : String(err)}\n`;
  const ids = host.ids();
  if (!process.connected || ids.length === 0) exit();
  ids.forEach((id, i) => {
    const m: HostToMesh = { type: 'log', id, chunk };
    if (i === ids.length - 1) process.send?.(m, undefined, {}, exit);
    else send(m);
  });
  setTimeout(exit, 1_000);
});

process.on('exit', () => host.cleanup());
