/**
 * `tsmesh proxy`: one Envoy-compatible proxy process. Loads the bootstrap, brings up its static
 * secrets, clusters and listeners (in that order: clusters warm before listeners that use them),
 * starts the admin server, and follows the control plane over ADS when the bootstrap has
 * dynamic_resources. Implements AdminSource, which is how /config_dump, /clusters and friends see it.
 */
import { ProxyConfigError, ResourceConfigError } from './config/config-error.js';
import { BootstrapError, loadBootstrap } from './config/load-bootstrap.js';
import type { LoadedBootstrap } from './config/load-bootstrap.js';
import { StatsStore } from '../telemetry/stats/stats-store.js';
import { createTagExtractor } from '../telemetry/stats/tag-extraction.js';
import type { AdminClusterView, AdminListenerView, AdminSource, ServerState } from './admin/admin-source.js';
import { startAdminServer } from './admin/admin-server.js';
import type { AdminServer } from './admin/admin-server.js';
import { refreshServerStats } from './admin/server-stats.js';
import { SecretStore } from './tls/secret-store.js';
import { ClusterManager } from './upstream/cluster-manager.js';
import { formatOutlierEvent } from './upstream/outlier/outlier-detector.js';
import { RouteConfigRegistry } from './http/route-config-registry.js';
import type { HttpFilterRegistry } from './http/filters/filter-registry.js';
import { builtinHttpFilters } from './http/filters/builtin-filters.js';
import { ListenerManager } from './listener/listener-manager.js';
import type { XdsSubscriptions } from './xds-subscriptions.js';
import { buildConfigDump } from './config-dump.js';
import { TSMESH_VERSION } from '../version.js';
import { AccessLogSinks } from './access-log/access-log-sinks.js';
import type { AccessLogOutputs } from './access-log/access-log-sinks.js';

export interface ProxyServerOptions {
  readonly bootstrapFile: string;
  /** How long draining listeners and chains keep connections before closing them (Envoy's --drain-time-s). */
  readonly drainTimeMs?: number;
  /** Replaces the bootstrap's admin port (0: any free port), for tests and several proxies on one host. */
  readonly adminPort?: number;
  /** Log lines (warnings, xDS events); stderr by default. */
  readonly log?: (line: string) => void;
  /** Called after POST /quitquitquit drained the proxy; the CLI exits 0. */
  readonly onQuit?: () => void;
  /**
   * The proxy's stdout and stderr as access logs see them (/dev/stdout, /dev/stderr, the stdout
   * and stderr loggers): the process's by default; a container in the shared pod host passes its
   * own log stream, since the host process's stdout is not the container's.
   */
  readonly accessLogOutputs?: AccessLogOutputs;
  /** How long an access log line may wait in its buffer (default 1000 ms; tests use less). */
  readonly accessLogFlushIntervalMs?: number;
}

export class ProxyServer implements AdminSource {
  readonly stats: StatsStore;
  readonly secrets: SecretStore;
  readonly clusterManager: ClusterManager;
  readonly routes = new RouteConfigRegistry();
  readonly listenerManager: ListenerManager;
  readonly httpFilters: HttpFilterRegistry;
  readonly accessLogs: AccessLogSinks;
  readonly startedAt = Date.now();
  readonly bootstrap: Record<string, unknown>;
  #state: ServerState = 'PRE_INITIALIZING';
  #healthCheckFailed = false;
  #admin: AdminServer | null = null;
  #adminAddress = '';
  #xds: XdsSubscriptions | null = null;
  readonly #log: (line: string) => void;
  readonly #drainTimeMs: number;

  private constructor(
    readonly options: ProxyServerOptions,
    readonly loaded: LoadedBootstrap,
  ) {
    this.bootstrap = loaded.bootstrap;
    this.#log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.#drainTimeMs = options.drainTimeMs ?? 5000;
    this.stats = new StatsStore({ tagExtractor: createTagExtractor((this.bootstrap['stats_config'] ?? {}) as never) });
    this.secrets = new SecretStore();
    this.clusterManager = new ClusterManager(this.stats, this.secrets);
    this.clusterManager.onOutlierEvent = (e) => this.#log(formatOutlierEvent(e));
    this.clusterManager.onNote = (line) => this.#log(`warning: ${line}`);
    this.httpFilters = builtinHttpFilters(this.clusterManager, { log: this.#log });
    this.accessLogs = new AccessLogSinks({
      stats: this.stats,
      ...(options.accessLogOutputs !== undefined && { outputs: options.accessLogOutputs }),
      ...(options.accessLogFlushIntervalMs !== undefined && { flushIntervalMs: options.accessLogFlushIntervalMs }),
      warn: (line) => this.#log(`warning: ${line}`),
    });
    this.listenerManager = new ListenerManager(
      { clusters: this.clusterManager, secrets: this.secrets, stats: this.stats, routes: this.routes, httpFilters: this.httpFilters, accessLogs: this.accessLogs },
      this.stats,
      this.#drainTimeMs,
    );
  }

  /**
   * Loads and starts a proxy. Rejects with BootstrapError (FILE:LINE:COL: PATH: reason) for an
   * invalid bootstrap or static resource, and with the OS error text for a port it cannot bind.
   */
  static async start(options: ProxyServerOptions): Promise<ProxyServer> {
    const loaded = loadBootstrap(options.bootstrapFile);
    const proxy = new ProxyServer(options, loaded);
    for (const w of loaded.warnings) proxy.#log(`warning: ${w}`);
    try {
      await proxy.#init();
    } catch (err) {
      await proxy.close();
      if (err instanceof ProxyConfigError) throw new BootstrapError([loaded.locate(err.path, err.reason)]);
      throw err;
    }
    return proxy;
  }

  async #init(): Promise<void> {
    const b = this.bootstrap;
    const statics = (b['static_resources'] ?? {}) as Record<string, unknown>;
    this.#state = 'INITIALIZING';
    const secrets = statics['secrets'];
    if (secrets !== undefined) {
      try {
        this.secrets.loadStatic(secrets);
      } catch (err) {
        if (err instanceof ProxyConfigError) throw err.within('static_resources.secrets');
        throw err;
      }
    }
    await this.clusterManager.addStatic((statics['clusters'] ?? []) as Record<string, unknown>[]);

    const adminJson = b['admin'] as Record<string, unknown> | undefined;
    if (adminJson?.['address']) {
      const sa = ((adminJson['address'] as Record<string, unknown>)['socket_address'] ?? {}) as Record<string, unknown>;
      const address = String(sa['address'] ?? '127.0.0.1');
      const port = this.options.adminPort ?? Number(sa['port_value'] ?? 0);
      try {
        this.#admin = await startAdminServer({ address, port, source: this });
        this.#adminAddress = address;
      } catch (err) {
        throw new ProxyConfigError('admin.address', `cannot bind admin ${address}:${port}: ${(err as Error).message}`);
      }
    }

    const dynamic = b['dynamic_resources'] as Record<string, unknown> | undefined;
    if (dynamic) {
      // Loaded only when needed: the gRPC stack is ~13 MB of a static proxy's memory.
      const { XdsSubscriptions } = await import('./xds-subscriptions.js');
      this.#xds = XdsSubscriptions.fromBootstrap(dynamic, this.#node(), this, this.#log);
    }

    await this.listenerManager.addStatic((statics['listeners'] ?? []) as Record<string, unknown>[]);
    if (this.#xds) {
      this.#xds.start();
      void this.#xds.initialized.then(() => {
        if (this.#state === 'INITIALIZING') this.#state = 'LIVE';
      });
    } else {
      this.#state = 'LIVE';
    }
  }

  /** Admin port actually bound, or 0 without an admin server. */
  get adminPort(): number {
    return this.#admin?.port ?? 0;
  }

  /** Admin bind address from the bootstrap, or '' without an admin server. */
  get adminAddress(): string {
    return this.#admin ? this.#adminAddress : '';
  }

  /** The port a listener bound (differs from its config with port 0). */
  listenerPort(name: string): number {
    return this.listenerManager.get(name)?.port ?? 0;
  }

  /** Resolves once every warming listener and cluster is in service (tests wait on it after xDS pushes). */
  get xds(): XdsSubscriptions | null {
    return this.#xds;
  }

  // AdminSource ----------------------------------------------------------------------------

  state(): ServerState {
    return this.#healthCheckFailed && this.#state === 'LIVE' ? 'DRAINING' : this.#state;
  }

  #node(): Record<string, unknown> {
    return (this.bootstrap['node'] ?? {}) as Record<string, unknown>;
  }

  node(): Record<string, unknown> {
    return this.#node();
  }

  uptimeSeconds(): number {
    return Math.floor((Date.now() - this.startedAt) / 1000);
  }

  refreshStats(): void {
    refreshServerStats(this);
  }

  commandLineOptions(): Record<string, unknown> {
    return { config_path: this.options.bootstrapFile, drain_time: `${this.#drainTimeMs / 1000}s`, mode: 'Serve' };
  }

  configDump(includeEds: boolean): Record<string, unknown>[] {
    return buildConfigDump(this, includeEds);
  }

  clusters(): AdminClusterView[] {
    return this.clusterManager.active().map((c) => c.adminView());
  }

  listeners(): AdminListenerView[] {
    return this.listenerManager.active().map((l) => ({ name: l.config.name, address: l.config.address, port: l.port }));
  }

  quit(): void {
    if (this.#state === 'DRAINING') return;
    this.#state = 'DRAINING';
    void (async () => {
      await this.listenerManager.drainAll(Math.min(this.#drainTimeMs, 1000));
      await this.close();
      this.options.onQuit?.();
    })();
  }

  setHealthCheckFailed(failed: boolean): void {
    this.#healthCheckFailed = failed;
  }

  drainListeners(): void {
    void this.listenerManager.drainAll(0);
  }

  /** Stops everything: ADS stream, listeners, upstream connections, admin. */
  async close(): Promise<void> {
    this.#xds?.close();
    this.listenerManager.close();
    // After the listeners: the streams they just ended have logged; write out what is buffered.
    await this.accessLogs.close();
    await this.clusterManager.destroy();
    await this.#admin?.close();
    this.#admin = null;
  }

  /** For XdsSubscriptions: a rejected resource, logged as Envoy logs a NACK. */
  logRejected(err: ResourceConfigError | Error): void {
    this.#log(`warning: xDS update rejected: ${err.message}`);
  }

  get version(): string {
    return TSMESH_VERSION;
  }
}
