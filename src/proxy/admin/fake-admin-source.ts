/** @module A scriptable AdminSource for tests of the admin server and its clients. */
import { StatsStore } from '../../telemetry/stats/stats-store.js';
import type { AdminClusterView, AdminListenerView, AdminSource, ServerState } from './admin-source.js';

export class FakeAdminSource implements AdminSource {
  readonly stats: StatsStore = new StatsStore();
  serverState: ServerState = 'LIVE';
  healthCheckFailed = false;
  uptime = 123;
  nodeInfo: Record<string, unknown> = { id: 'sidecar~10.0.0.1~a.default~default.svc.cluster.local', cluster: 'a.default' };
  options: Record<string, unknown> = { concurrency: 1, mode: 'Serve' };
  dumps: Record<string, unknown>[] = [];
  edsDump: Record<string, unknown> | undefined;
  clusterViews: AdminClusterView[] = [];
  listenerViews: AdminListenerView[] = [];
  /** Calls made through the mutating endpoints, in order. */
  readonly calls: string[] = [];

  state(): ServerState {
    return this.healthCheckFailed ? 'DRAINING' : this.serverState;
  }
  node(): Record<string, unknown> {
    return this.nodeInfo;
  }
  uptimeSeconds(): number {
    return this.uptime;
  }
  commandLineOptions(): Record<string, unknown> {
    return this.options;
  }
  configDump(includeEds: boolean): Record<string, unknown>[] {
    return includeEds && this.edsDump ? [...this.dumps, this.edsDump] : this.dumps;
  }
  clusters(): AdminClusterView[] {
    return this.clusterViews;
  }
  listeners(): AdminListenerView[] {
    return this.listenerViews;
  }
  quit(): void {
    this.calls.push('quit');
  }
  setHealthCheckFailed(failed: boolean): void {
    this.healthCheckFailed = failed;
    this.calls.push(`healthcheck:${failed}`);
  }
  drainListeners(options?: { inboundOnly: boolean; graceful: boolean }): void {
    this.calls.push(`drain:${options?.inboundOnly ?? false}:${options?.graceful ?? false}`);
  }
}
