/**
 * Scaffolding for the mesh end-to-end tests: the control plane (a config directory read into a
 * MemoryStore, MeshPipeline → DiscoveryServer → ADS on loopback), real `tsmesh proxy sidecar`
 * processes without capture (INTERCEPTION_MODE NONE, each on its own loopback pod address, as
 * the local platform runs them), the applications behind them, and the probes the tests share
 * (curl, an admin /stats counter). Everything started is stopped when the test ends.
 */
import type { TestContext } from 'node:test';
import { execFile } from 'node:child_process';
import http from 'node:http';
import { request } from 'undici';
import { ConfigDirSource } from '../../config/config-dir-source.js';
import { MemoryStore } from '../../config/memory-store.js';
import { DEFAULT_MESH_CONFIG } from '../../model/mesh-config.js';
import type { MeshConfig } from '../../model/mesh-config.js';
import { runTsmesh, tempDir } from '../../proxy/e2e/cli-fixtures.js';
import type { RunningProxy } from '../../proxy/e2e/cli-fixtures.js';
import { DiscoveryServer } from '../../xds/server/discovery-server.js';
import { MeshPipeline } from '../../xds/server/mesh-pipeline.js';
import { generateProxyResources } from '../generate.js';

/** The port every sidecar's admin server listens on, on its pod address. */
export const ADMIN_PORT = 15000;

export interface ControlPlaneOptions {
  /** Written to the config directory as mesh.yaml before the source starts. */
  readonly meshYaml: string;
  readonly mesh?: MeshConfig;
  /** ConfigDirSource timing, for tests that change the directory while running. */
  readonly debounceMs?: number;
  readonly rescanIntervalMs?: number;
}

export interface ControlPlane {
  /** The watched config directory (write files into it to change the mesh). */
  readonly dir: ReturnType<typeof tempDir>;
  /** Every problem the config directory source has reported so far. */
  readonly problems: string[];
  /** The ADS (gRPC) address sidecars connect to. */
  readonly xds: string;
  /** The debug HTTP address (`--discovery-address` of `tsmesh proxy-config`). */
  readonly debug: string;
}

/** Starts the control plane over a fresh config directory holding `meshYaml`. */
export async function startControlPlane(t: TestContext, options: ControlPlaneOptions): Promise<ControlPlane> {
  const dir = tempDir();
  t.after(() => dir.remove());
  dir.write('mesh.yaml', options.meshYaml);
  const store = new MemoryStore();
  const problems: string[] = [];
  const source = new ConfigDirSource({
    dir: dir.dir,
    store,
    ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}),
    ...(options.rescanIntervalMs !== undefined ? { rescanIntervalMs: options.rescanIntervalMs } : {}),
    onProblems: (p) => problems.push(...p.map((x) => x.message)),
  });
  await source.start();
  t.after(() => source.close());
  const server = new DiscoveryServer({ generator: generateProxyResources });
  const ports = await server.start({ grpcPort: 0, httpPort: 0, host: '127.0.0.1' });
  t.after(() => server.stop());
  const pipeline = new MeshPipeline({ store, update: (push, change) => server.update(push, change), mesh: options.mesh ?? DEFAULT_MESH_CONFIG });
  pipeline.start();
  t.after(() => pipeline.stop());
  return { dir, problems, xds: `127.0.0.1:${ports.grpcPort}`, debug: `127.0.0.1:${ports.httpPort}` };
}

export interface PodSidecar {
  readonly name: string;
  /** `k=v,k=v`, as `--labels`. */
  readonly labels: string;
  /** The pod's loopback address: its IP, its listeners' and its admin's bind address. */
  readonly ip: string;
  /** Where the pod's application listens, when not on the pod address. */
  readonly appAddress?: string;
}

/**
 * The sidecars of one test, in namespace `default`: each is killed when the test ends, and their
 * stderr is printed then unless the test called `passed()`.
 */
export class MeshSidecars {
  readonly #t: TestContext;
  readonly #xds: string;
  readonly #running: [string, RunningProxy][] = [];
  #passed = false;

  constructor(t: TestContext, xds: string) {
    this.#t = t;
    this.#xds = xds;
    t.after(() => {
      if (!this.#passed) for (const [name, p] of this.#running) process.stderr.write(`--- sidecar ${name}:\n${p.stderr()}\n`);
    });
  }

  start(pod: PodSidecar): RunningProxy {
    const p = runTsmesh([
      'proxy', 'sidecar', '--discovery-address', this.#xds, '--namespace', 'default', '--interception-mode', 'NONE',
      '--labels', pod.labels, '--name', pod.name, '--ip', pod.ip, '--bind-address', pod.ip, '--admin-address', pod.ip,
      ...(pod.appAddress !== undefined ? ['--app-address', pod.appAddress] : []),
    ]);
    this.#t.after(() => p.kill());
    this.#running.push([pod.name, p]);
    return p;
  }

  /** The test reached its end: no stderr dump. */
  passed(): void {
    this.#passed = true;
  }
}

/** Resolves once the sidecar reports its admin server on `ip`:15000. */
export async function waitForAdmin(sidecar: RunningProxy, ip: string): Promise<void> {
  await sidecar.waitForLine(new RegExp(`admin address: ${ip.replace(/\./g, '\\.')}:${ADMIN_PORT}`), 15_000);
}

/** An HTTP application on `address`:`port`, closed when the test ends. */
export async function serveApp(t: TestContext, address: string, port: number, handler: http.RequestListener): Promise<void> {
  const server = http.createServer(handler);
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, resolve);
  });
}

/** Real curl, 5 s at most; `code` is curl's exit code (-1 when it did not run). */
export function curl(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('curl', [...args], { timeout: 5000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A counter from a sidecar's admin /stats (Envoy's `name: value` lines); 0 when absent. */
export async function counter(admin: string, name: string): Promise<number> {
  const r = await request(`http://${admin}/stats`, { headersTimeout: 3000, bodyTimeout: 3000 });
  const line = (await r.body.text()).split('\n').find((l) => l.startsWith(`${name}: `));
  return line === undefined ? 0 : Number(line.slice(name.length + 2));
}
