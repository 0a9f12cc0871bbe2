/**
 * The local mesh: one process that is istiod (config store, service registry, xDS server) plus
 * the platform a cluster would provide (API server for apply/get/delete, Deployment controller,
 * kubelet running pods as processes, Service IPs and load balancers). `tsmesh install` starts it
 * in the background; `--foreground` (and tests) run it in the current process.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { FileStore } from '../../config/file-store.js';
import { DEFAULT_MESH_CONFIG, type MeshConfig } from '../../model/mesh-config.js';
import { MESH_GENERATORS } from '../../translate/generate.js';
import { DiscoveryServer } from '../../xds/server/discovery-server.js';
import { MeshPipeline } from '../../xds/server/mesh-pipeline.js';
import { ApiServer } from './api/api-server.js';
import { meshApiRoutes } from './api/mesh-api-routes.js';
import { acquireInstanceLock } from './instance-lock.js';
import { removeMeshInfo, writeMeshInfo, type CaptureMode, type MeshInfo } from './mesh-info.js';
import { baseNamespaces, profileMeshConfig, profileResources, type ProfileMeshConfig, type ProfileName } from './profiles.js';
import { ResourceService } from './resource-service.js';
import type { StateDir } from './state-dir.js';
import { PROXY_HTTP_PORT } from './workloads/container-env.js';
import { DeploymentController } from './workloads/deployment-controller.js';
import { GatewayDeployer } from './workloads/gateway-deployer.js';
import { LoadBalancerForwarder } from './workloads/load-balancer.js';
import { NetnsNetworks } from './workloads/netns-networks.js';
import { PodRuntime } from './workloads/pod-runtime.js';
import { ServiceController } from './workloads/service-controller.js';

export interface LocalMeshOptions {
  readonly state: StateDir;
  readonly profile: ProfileName;
  readonly capture: CaptureMode;
  readonly log: (line: string) => void;
  /** First container restart delay (Kubernetes: 10 s). */
  readonly backoffBaseMs?: number;
  /** Apps, sidecars and gateways share one pod host process (rootless capture; default true). */
  readonly shareProcesses?: boolean;
  /** `--set meshConfig.KEY=VALUE` settings, over the profile's. */
  readonly meshConfig?: ProfileMeshConfig;
  /** `--set values.global.istiod.enableAnalysis=true`: analyzer messages in istio.io resources' status (default off, as Istio). */
  readonly enableAnalysis?: boolean;
}

export class LocalMesh {
  readonly info: MeshInfo;
  readonly store: FileStore;
  readonly resources: ResourceService;
  readonly runtime: PodRuntime;
  readonly #stops: (() => Promise<void> | void)[];

  private constructor(info: MeshInfo, store: FileStore, resources: ResourceService, runtime: PodRuntime, stops: (() => Promise<void> | void)[]) {
    this.info = info;
    this.store = store;
    this.resources = resources;
    this.runtime = runtime;
    this.#stops = stops;
  }

  static async start(o: LocalMeshOptions): Promise<LocalMesh> {
    await mkdir(o.state.root, { recursive: true });
    const stops: (() => Promise<void> | void)[] = [];
    const unlock = await acquireInstanceLock(o.state.lock);
    stops.push(unlock);
    try {
      await mkdir(o.state.logs, { recursive: true });
      const store = await FileStore.open({ dir: o.state.config, onProblem: (p) => o.log(`state: ${p.message}`) });
      for (const r of [...baseNamespaces(), ...profileResources(o.profile)]) {
        if (store.get({ group: r.apiVersion.includes('/') ? r.apiVersion.split('/')[0] ?? '' : '', kind: r.kind, ...(r.metadata.namespace !== undefined && { namespace: r.metadata.namespace }), name: r.metadata.name ?? '' }) === undefined) await store.apply(r);
      }

      const mesh: MeshConfig = { ...DEFAULT_MESH_CONFIG, proxyHttpPort: PROXY_HTTP_PORT, ...profileMeshConfig(o.profile), ...o.meshConfig };
      const discovery = new DiscoveryServer({ ...MESH_GENERATORS });
      // netns capture: pods reach the control plane over the mesh's bridge.
      const netns = o.capture === 'netns' ? new NetnsNetworks(store, o.state.root) : undefined;
      if (netns !== undefined) {
        await netns.start();
        stops.push(() => netns.close());
      }
      const xdsHost = netns?.bridge.address ?? '127.0.0.1';
      const ports = await discovery.start({ grpcPort: 0, httpPort: 0, host: xdsHost, debugHost: '127.0.0.1' });
      stops.push(() => discovery.stop());
      const pipeline = new MeshPipeline({ store, mesh, analysis: o.enableAnalysis === true, waitForPushes: () => discovery.idle(), update: (push, change) => discovery.update(push, change), onError: (err) => o.log(`control plane: cannot build the mesh snapshot: ${String(err)}`) });
      pipeline.start();
      stops.push(() => pipeline.stop());

      const onError = (what: string) => (err: unknown) => o.log(`${what}: ${(err as Error).stack ?? String(err)}`);
      const services = new ServiceController(store, onError('service controller'));
      services.start();
      stops.push(() => services.stop());
      const gateways = new GatewayDeployer(store, onError('gateway deployer'));
      gateways.start();
      stops.push(() => gateways.stop());
      const deployments = new DeploymentController({ store, onError: onError('deployment controller') });
      deployments.start();
      stops.push(() => deployments.stop());
      const runtime = new PodRuntime({ store, state: o.state, discoveryAddress: `${xdsHost}:${ports.grpcPort}`, capture: o.capture, ...(netns !== undefined && { netns }), log: o.log, ...(o.backoffBaseMs !== undefined && { backoffBaseMs: o.backoffBaseMs }), ...(o.shareProcesses !== undefined && { shareProcesses: o.shareProcesses }) });
      runtime.start();
      stops.push(() => runtime.stop());
      const lb = new LoadBalancerForwarder(store, o.log);
      lb.start();
      stops.push(() => lb.stop());

      const resources = new ResourceService(store);
      const token = randomBytes(24).toString('hex');
      const meshRef: { current?: LocalMesh } = {};
      const api = new ApiServer(token, meshApiRoutes(() => meshRef.current));
      const apiPort = await api.listen();
      stops.push(() => api.close());
      const info: MeshInfo = { pid: process.pid, apiPort, token, grpcPort: ports.grpcPort, debugPort: ports.httpPort, profile: o.profile, capture: o.capture, startedAt: new Date().toISOString() };
      const local = new LocalMesh(info, store, resources, runtime, stops);
      meshRef.current = local;
      await writeMeshInfo(o.state, info);
      stops.push(() => removeMeshInfo(o.state));
      return local;
    } catch (err) {
      for (const stop of stops.reverse()) await Promise.resolve(stop()).catch(() => {});
      throw err;
    }
  }

  /** Stops pods, proxies and servers; applied resources stay in the state directory. */
  async stop(): Promise<void> {
    const stops = this.#stops.splice(0).reverse();
    for (const stop of stops) await Promise.resolve(stop()).catch(() => {});
  }

  /** `uninstall --purge`: also forget everything applied. */
  static async purge(state: StateDir): Promise<void> {
    await rm(state.root, { recursive: true, force: true });
  }
}
