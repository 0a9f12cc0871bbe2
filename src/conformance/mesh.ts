/**
 * The system under test, in one process: the control plane (MemoryStore → MeshPipeline →
 * DiscoveryServer, as `tsmesh discovery`), one echo backend per Deployment of the base manifests
 * (each a Pod with `status.podIP` on its own loopback address), and one router proxy per Gateway
 * (as `tsmesh proxy router` with label `gateway.networking.k8s.io/gateway-name=NAME`).
 *
 * Upstream gives every Gateway its own IP; here each Gateway gets its own loopback address, so
 * several Gateways can listen on port 80 at once. The generated gateway listeners bind the
 * wildcard address, so the runner's generator moves each router proxy's listeners onto its
 * Gateway's address (and to N+8000 for N < 1024 when not root, as DESIGN.md's local platform).
 * The route configuration is untouched, so redirects still see the declared listener port.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestYaml } from '../api/ingest.js';
import type { Resource } from '../api/resource/resource.js';
import { MemoryStore } from '../config/memory-store.js';
import { keyOf } from '../config/config-store.js';
import type { ConfigKey } from '../config/config-store.js';
import { ProxyServer } from '../proxy/proxy-server.js';
import { generateProxyResources } from '../translate/generate.js';
import type { EnvoyJson, ProxyGenerator } from '../translate/generated.js';
import { TSMESH_VERSION } from '../version.js';
import { buildBootstrap } from '../xds/agent/build-bootstrap.js';
import { DiscoveryServer } from '../xds/server/discovery-server.js';
import { MeshPipeline } from '../xds/server/mesh-pipeline.js';
import { startEchoBackend } from './echo-backend.js';
import type { EchoBackend } from './echo-backend.js';

export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';
const ECHO_PORT = 3000;

export interface MeshOptions {
  /** First three octets of the loopback addresses for echo pods and Gateways. */
  readonly podNet?: string;
  readonly gatewayNet?: string;
  readonly log?: (line: string) => void;
}

export class ConformanceMesh {
  readonly store = new MemoryStore();
  readonly echoes: EchoBackend[] = [];
  readonly #server: DiscoveryServer;
  #pipeline: MeshPipeline | null = null;
  #grpcPort = 0;
  readonly #gatewayIps = new Map<string, string>();
  readonly #proxies = new Map<string, { proxy: ProxyServer; dir: string }>();
  readonly #podNet: string;
  readonly #gatewayNet: string;
  readonly #log: (line: string) => void;
  readonly #shiftPrivileged = typeof process.getuid === 'function' && process.getuid() !== 0;

  constructor(options: MeshOptions = {}) {
    this.#podNet = options.podNet ?? '127.0.77';
    this.#gatewayNet = options.gatewayNet ?? '127.0.78';
    this.#log = options.log ?? (() => undefined);
    this.#server = new DiscoveryServer({ generator: this.#generator, log: this.#log, debounceAfterMs: 20 });
  }

  async start(): Promise<void> {
    const ports = await this.#server.start({ grpcPort: 0, httpPort: null, host: '127.0.0.1' });
    this.#grpcPort = ports.grpcPort;
    this.#pipeline = new MeshPipeline({
      store: this.store,
      update: (push, change) => this.#server.update(push, change),
      onError: (err) => this.#log(`pipeline: ${String(err)}`),
    });
    this.#pipeline.start();
  }

  /** Parses YAML and applies every resource (status too, which Pods carry); returns their keys. */
  async applyYaml(text: string, file: string): Promise<ConfigKey[]> {
    const result = await ingestYaml(text, { file });
    for (const r of result.rejected) this.#log(`${file}: rejected ${r.resource.kind} ${r.resource.metadata.namespace ?? ''}/${r.resource.metadata.name}`);
    const keys: ConfigKey[] = [];
    for (const { resource } of result.accepted) keys.push(await this.apply(resource));
    return keys;
  }

  async apply(resource: Resource): Promise<ConfigKey> {
    const key = keyOf(resource);
    await this.store.apply(resource);
    if (resource.status !== undefined) await this.store.updateStatus(key, resource.status);
    return key;
  }

  /**
   * One echo backend per Deployment, and a Pod for it carrying the Deployment's template labels
   * and container ports with `status.podIP` = the echo's loopback address (all listen on 3000).
   */
  async addBackends(resources: readonly Resource[]): Promise<void> {
    for (const d of resources) {
      if (d.kind !== 'Deployment') continue;
      const spec = (d as { spec?: { template?: { metadata?: { labels?: Record<string, string> }; spec?: { containers?: { name: string; ports?: unknown[] }[] } } } }).spec;
      const name = d.metadata.name!;
      const namespace = d.metadata.namespace!;
      const podName = `${name}-${shortHash(`${namespace}/${name}`)}-${'x' + String(this.echoes.length).padStart(4, '0')}`;
      const ip = `${this.#podNet}.${this.echoes.length + 1}`;
      const echo = await startEchoBackend({ host: ip, port: ECHO_PORT, namespace, podName });
      this.echoes.push(echo);
      await this.apply({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: podName, namespace, labels: { ...(spec?.template?.metadata?.labels ?? {}) } },
        spec: { containers: (spec?.template?.spec?.containers ?? []).map((c) => ({ name: c.name, image: 'echo', ...(c.ports ? { ports: c.ports } : {}) })) },
        status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: 'True' }] },
      } as Resource);
    }
  }

  /** Starts a router proxy for every Gateway in the store that has none; returns the new ones. */
  async syncGatewayProxies(): Promise<string[]> {
    const started: string[] = [];
    for (const gw of this.store.list({ group: 'gateway.networking.k8s.io', kind: 'Gateway' })) {
      const key = `${gw.metadata.namespace}/${gw.metadata.name}`;
      if (this.#proxies.has(key)) continue;
      const ip = this.gatewayAddress(key);
      const dir = mkdtempSync(join(tmpdir(), 'tsmesh-conformance-'));
      const file = join(dir, 'envoy-rev.json');
      const bootstrap = buildBootstrap({
        type: 'router',
        discoveryAddress: `127.0.0.1:${this.#grpcPort}`,
        namespace: gw.metadata.namespace!,
        podName: `${gw.metadata.name}-gw`,
        labels: { [GATEWAY_NAME_LABEL]: gw.metadata.name! },
        ips: [ip],
        adminPort: 0,
        interceptionMode: 'NONE',
        istioVersion: TSMESH_VERSION,
      });
      writeFileSync(file, JSON.stringify(bootstrap));
      const proxy = await ProxyServer.start({ bootstrapFile: file, adminPort: 0, drainTimeMs: 0, log: this.#log });
      this.#proxies.set(key, { proxy, dir });
      started.push(key);
    }
    return started;
  }

  async stopGatewayProxy(key: string): Promise<void> {
    const entry = this.#proxies.get(key);
    if (!entry) return;
    this.#proxies.delete(key);
    await entry.proxy.close();
    rmSync(entry.dir, { recursive: true, force: true });
  }

  /** Waits until the Gateway's proxy listens on the (mapped) port; false on timeout. */
  async waitForListener(gateway: string, port: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    const want = this.localPort(port);
    while (Date.now() < deadline) {
      const entry = this.#proxies.get(gateway);
      if (entry && entry.proxy.listenerManager.active().some((l) => l.port === want)) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }

  /** The Gateway's proxy, for debugging (its admin port serves /config_dump). */
  proxyFor(key: string): ProxyServer | undefined {
    return this.#proxies.get(key)?.proxy;
  }

  gatewayAddress(key: string): string {
    let ip = this.#gatewayIps.get(key);
    if (ip === undefined) {
      ip = `${this.#gatewayNet}.${this.#gatewayIps.size + 1}`;
      this.#gatewayIps.set(key, ip);
    }
    return ip;
  }

  localPort(port: number): number {
    return this.#shiftPrivileged && port < 1024 ? port + 8000 : port;
  }

  async close(): Promise<void> {
    for (const key of [...this.#proxies.keys()]) await this.stopGatewayProxy(key);
    this.#pipeline?.stop();
    await this.#server.stop();
    await Promise.all(this.echoes.map((e) => e.close()));
  }

  readonly #generator: ProxyGenerator = (proxy, push) => {
    const out = generateProxyResources(proxy, push);
    const gwName = proxy.labels[GATEWAY_NAME_LABEL];
    if (proxy.type !== 'router' || gwName === undefined) return out;
    const ip = this.gatewayAddress(`${proxy.namespace}/${gwName}`);
    const listeners = out.listeners.map((l) => {
      const sa = ((l.address as EnvoyJson | undefined)?.socket_address ?? undefined) as EnvoyJson | undefined;
      if (sa === undefined) return l;
      const port = Number(sa.port_value);
      return { ...l, address: { socket_address: { ...sa, address: ip, port_value: this.localPort(port) } } };
    });
    return { ...out, listeners };
  };
}

function shortHash(text: string): string {
  let h = 0;
  for (const c of text) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h.toString(36);
}
