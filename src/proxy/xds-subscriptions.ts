/**
 * The proxy's side of ADS: which types it watches, in which order, and how each response is
 * applied. Envoy's order is kept: CDS first; EDS names follow the clusters; LDS starts once the
 * first clusters are warm; RDS names follow the listeners; SDS names follow the TLS contexts.
 * Each handler compiles the whole response before changing anything and answers ok (ACK) or the
 * error naming the resource and field (NACK), so a rejected update leaves the last good config.
 */
import { ProxyConfigError } from './config/config-error.js';
import { AdsClient } from '../xds/ads-client.js';
import type { AdsUpdateResult } from '../xds/ads-client.js';
import type { DecodedResource } from '../xds/ads-protocol.js';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL, SECRET_TYPE_URL } from '../xds/ads-protocol.js';
import { inResource } from './config/config-error.js';
import { summarizeUnsupported, unsupportedFields } from './config/supported-fields.js';
import type { ProxyServer } from './proxy-server.js';

/** Envoy's initial_fetch_timeout: how long startup waits for the first CDS/LDS answer. */
const INITIAL_FETCH_TIMEOUT_MS = 15_000;

const RESOURCE_TYPES: Record<string, string> = {
  [LISTENER_TYPE_URL]: 'envoy.config.listener.v3.Listener',
  [ROUTE_TYPE_URL]: 'envoy.config.route.v3.RouteConfiguration',
  [CLUSTER_TYPE_URL]: 'envoy.config.cluster.v3.Cluster',
  [ENDPOINT_TYPE_URL]: 'envoy.config.endpoint.v3.ClusterLoadAssignment',
  [SECRET_TYPE_URL]: 'envoy.extensions.transport_sockets.tls.v3.Secret',
};

export class XdsSubscriptions {
  readonly client: AdsClient;
  #ldsSubscribed = false;
  #resolveInitialized!: () => void;
  /** Settles once the first CDS and LDS responses are applied and warm (or timed out). */
  readonly initialized: Promise<void> = new Promise((r) => (this.#resolveInitialized = r));
  /** Settles each time an accepted update has finished warming; tests wait on `settled()`. */
  #pending: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly target: string,
    node: Record<string, unknown>,
    readonly proxy: ProxyServer,
    readonly cds: boolean,
    readonly lds: boolean,
    readonly log: (line: string) => void,
  ) {
    this.client = new AdsClient({
      target,
      node,
      handlers: {
        onResources: (typeUrl, resources, version) => this.#onResources(typeUrl, resources, version),
        onConnectionChange: (connected) => log(connected ? `xDS: connected to ${target}` : `xDS: disconnected from ${target}; serving the last accepted config`),
        onLog: (m) => log(`xDS: ${m}`),
      },
    });
  }

  /** Reads dynamic_resources; the ADS target is the first endpoint of the named static cluster. */
  static fromBootstrap(dynamic: Record<string, unknown>, node: Record<string, unknown>, proxy: ProxyServer, log: (line: string) => void): XdsSubscriptions {
    const usesAds = (key: string): boolean => {
      const source = dynamic[key] as Record<string, unknown> | undefined;
      if (source === undefined) return false;
      if (source['ads'] === undefined) throw new ProxyConfigError(`dynamic_resources.${key}`, 'only ADS config sources ({ads: {}}) are supported by tsmesh proxy');
      return true;
    };
    const cds = usesAds('cds_config');
    const lds = usesAds('lds_config');
    const ads = dynamic['ads_config'] as Record<string, unknown> | undefined;
    if (!ads) throw new ProxyConfigError('dynamic_resources.ads_config', 'is required when cds_config or lds_config use ADS');
    const apiType = ads['api_type'] ?? 'GRPC';
    if (apiType !== 'GRPC') throw new ProxyConfigError('dynamic_resources.ads_config.api_type', `${String(apiType)} is not supported; tsmesh proxy speaks state-of-the-world GRPC`);
    const services = (ads['grpc_services'] ?? []) as Record<string, unknown>[];
    if (services.length === 0) throw new ProxyConfigError('dynamic_resources.ads_config.grpc_services', 'needs one gRPC service');
    const service = services[0]!;
    let target: string;
    const envoyGrpc = service['envoy_grpc'] as Record<string, unknown> | undefined;
    const googleGrpc = service['google_grpc'] as Record<string, unknown> | undefined;
    if (envoyGrpc) {
      const clusterName = String(envoyGrpc['cluster_name'] ?? '');
      const cluster = proxy.clusterManager.get(clusterName);
      if (!cluster) throw new ProxyConfigError('dynamic_resources.ads_config.grpc_services[0].envoy_grpc.cluster_name', `static cluster ${JSON.stringify(clusterName)} not found`);
      const host = cluster.prioritySet.hosts[0];
      if (!host) throw new ProxyConfigError('dynamic_resources.ads_config.grpc_services[0].envoy_grpc.cluster_name', `cluster ${JSON.stringify(clusterName)} has no endpoints`);
      target = host.key;
    } else if (googleGrpc) {
      target = String(googleGrpc['target_uri'] ?? '');
      if (!target) throw new ProxyConfigError('dynamic_resources.ads_config.grpc_services[0].google_grpc.target_uri', 'is required');
    } else {
      throw new ProxyConfigError('dynamic_resources.ads_config.grpc_services[0]', 'needs envoy_grpc or google_grpc');
    }
    return new XdsSubscriptions(target, node, proxy, cds, lds, log);
  }

  /** Opens the stream and subscribes; does not wait for the control plane (see `initialized`). */
  start(): void {
    const proxy = this.proxy;
    // EDS and RDS are never wildcard: an empty name list would ask for every resource, so the
    // type is only subscribed once there is a name to ask for.
    const follow = (typeUrl: string) => (names: string[]): void => {
      if (names.length === 0 && this.client.version(typeUrl) === undefined) return;
      this.client.setResourceNames(typeUrl, names);
    };
    proxy.clusterManager.onEdsNamesChange = follow(ENDPOINT_TYPE_URL);
    const followRds = follow(ROUTE_TYPE_URL);
    proxy.listenerManager.onRdsNamesChange = (names) => {
      proxy.routes.retain(new Set(names));
      followRds(names);
    };
    proxy.listenerManager.onBindError = (name, err) => this.log(`warning: listener ${name} failed to bind: ${err.message}`);
    proxy.secrets.onWatchedNamesChange = (names) => this.client.setResourceNames(SECRET_TYPE_URL, names);
    const secretNames = proxy.secrets.watchedNames();
    if (secretNames.length > 0) this.client.subscribe(SECRET_TYPE_URL, secretNames);
    this.client.start();
    if (this.cds) this.client.subscribe(CLUSTER_TYPE_URL, '*');
    else this.#subscribeLds();
    const timer = setTimeout(() => {
      // Control plane silent: start serving what we have, as Envoy does after initial_fetch_timeout.
      this.#subscribeLds();
      this.#resolveInitialized();
    }, INITIAL_FETCH_TIMEOUT_MS * 2);
    timer.unref();
    void this.initialized.then(() => clearTimeout(timer));
  }

  #subscribeLds(): void {
    if (this.#ldsSubscribed) return;
    this.#ldsSubscribed = true;
    if (this.lds) this.client.subscribe(LISTENER_TYPE_URL, '*');
    else this.#resolveInitialized();
  }

  /** Resolves once everything accepted so far has warmed and been installed. */
  async settled(): Promise<void> {
    let last: Promise<unknown> | null = null;
    while (last !== this.#pending) {
      last = this.#pending;
      await last.catch(() => undefined);
    }
  }

  #track(p: Promise<unknown>): void {
    this.#pending = Promise.all([this.#pending, p.catch((err: Error) => this.log(`warning: ${err.message}`))]);
  }

  #onResources(typeUrl: string, resources: DecodedResource[], version: string): AdsUpdateResult {
    const proxy = this.proxy;
    const kind = RESOURCE_TYPES[typeUrl];
    if (kind === undefined) return { ok: false, error: `unexpected type ${typeUrl}` };
    for (const r of resources) {
      const summary = summarizeUnsupported(unsupportedFields(kind, r.json));
      if (summary !== null) this.log(`warning: ${kind.split('.').pop()} ${JSON.stringify(r.name)}: ${summary}`);
    }
    try {
      switch (typeUrl) {
        case CLUSTER_TYPE_URL: {
          const warm = proxy.clusterManager.applyCds(resources.map((r) => ({ json: r.json, versionInfo: version })));
          // Envoy pauses CDS on the ADS stream while clusters warm: the ACK goes out once they are.
          this.client.pause(CLUSTER_TYPE_URL);
          const resume = (): void => this.client.resume(CLUSTER_TYPE_URL);
          void warm.then(resume, resume);
          this.#track(warm);
          void warm.then(() => this.#subscribeLds());
          break;
        }
        case ENDPOINT_TYPE_URL:
          proxy.clusterManager.applyAssignments(resources);
          break;
        case LISTENER_TYPE_URL: {
          const warm = proxy.listenerManager.applyLds(resources.map((r) => ({ json: r.json, versionInfo: version })));
          this.#track(warm);
          void warm.then(() => this.#resolveInitialized());
          break;
        }
        case ROUTE_TYPE_URL:
          proxy.routes.apply(resources, version);
          break;
        case SECRET_TYPE_URL:
          for (const r of resources) inResource('Secret', r.name, () => proxy.secrets.validate(r.json));
          for (const r of resources) proxy.secrets.update(r.name, r.json, 'dynamic', version);
          break;
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.log(`warning: rejected ${kind.split('.').pop()} update version ${JSON.stringify(version)}: ${message}`);
      return { ok: false, error: message };
    }
    return { ok: true };
  }

  close(): void {
    this.client.close();
  }
}
