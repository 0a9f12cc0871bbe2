import { nodeId, nodeMetadata } from '../../src/xds/agent/build-bootstrap.js';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL } from '../../src/xds/ads-protocol.js';
import { FleetCaches, LightClient } from './light-client.js';

/** What the proxies saw between a change and the moment they all went quiet. */
export interface Settled {
  /** From `t0` to the last ACK any proxy wrote: "every proxy has ACKed it". */
  readonly ackedMs: number;
  /** Proxies that received at least one response after `t0`. */
  readonly reached: number;
  /** Response types received after `t0`, with counts. */
  readonly types: Readonly<Record<string, number>>;
  readonly timedOut: boolean;
}

/**
 * `count` light clients with Istio-like sidecar node ids and metadata, spread round-robin over
 * the namespaces (pod `client-K`, IP 10.200.x.y, label app=client-N).
 */
export class Fleet {
  readonly clients: LightClient[] = [];
  readonly #caches = new FleetCaches();

  constructor(target: string, count: number, namespaces: number) {
    for (let k = 0; k < count; k++) {
      const namespace = `ns-${k % namespaces}`;
      const c = {
        type: 'sidecar' as const,
        namespace,
        podName: `client-${k}-7d9f8`,
        labels: { app: `client-${k % namespaces}`, version: 'v1' },
        serviceAccount: 'default',
        ips: [`10.200.${k >> 8}.${k & 255}`],
        adminPort: 15000,
        istioVersion: '1.22.0',
        discoveryAddress: target,
      };
      const node = { id: nodeId(c), cluster: `client-${k % namespaces}.${namespace}`, metadata: nodeMetadata(c) };
      this.clients.push(new LightClient(target, node, this.#caches));
    }
  }

  start(): void {
    for (const c of this.clients) c.start();
  }

  close(): void {
    for (const c of this.clients) c.close();
  }

  errors(): string[] {
    return this.clients.flatMap((c, i) => (c.error ? [`proxy ${i}: ${c.error}`] : []));
  }

  /** Every proxy has CDS and LDS, and EDS/RDS whenever it subscribed to any name. */
  #synced(c: LightClient): boolean {
    if (!c.has(CLUSTER_TYPE_URL) || !c.has(LISTENER_TYPE_URL)) return false;
    for (const t of [ENDPOINT_TYPE_URL, ROUTE_TYPE_URL]) {
      const ts = c.types.get(t);
      if (ts && ts.names.length > 0 && !c.has(t)) return false;
    }
    return true;
  }

  /**
   * Waits until nothing has arrived for `quietMs` and — for the initial connect — every proxy is
   * synced, or — for a push — `expectReached` proxies got something after `t0`.
   */
  async settle(t0: number, o: { quietMs: number; timeoutMs: number; initial?: boolean; expectReached?: number }): Promise<Settled> {
    const deadline = t0 + o.timeoutMs;
    for (;;) {
      await new Promise((r) => setTimeout(r, 25));
      const now = performance.now();
      let lastEvent = 0;
      let reached = 0;
      for (const c of this.clients) {
        const e = c.events.at(-1);
        if (e && e.atMs >= t0) {
          reached++;
          lastEvent = Math.max(lastEvent, e.atMs);
        }
      }
      const quiet = lastEvent > 0 && now - lastEvent >= o.quietMs;
      const complete = o.initial ? this.clients.every((c) => this.#synced(c)) : reached >= (o.expectReached ?? this.clients.length);
      const timedOut = now > deadline;
      if ((quiet && complete) || timedOut) return this.#summary(t0, reached, timedOut);
    }
  }

  #summary(t0: number, reached: number, timedOut: boolean): Settled {
    const types: Record<string, number> = {};
    let lastAck = t0;
    for (const c of this.clients) {
      for (const e of c.events) if (e.atMs >= t0) types[e.type] = (types[e.type] ?? 0) + 1;
      if (c.lastAckAtMs >= t0) lastAck = Math.max(lastAck, c.lastAckAtMs);
    }
    return { ackedMs: lastAck - t0, reached, types, timedOut };
  }

  /** Mean over proxies of their configuration bytes (latest response of each type). */
  meanConfigBytes(): number {
    return this.clients.reduce((s, c) => s + c.configBytes(), 0) / Math.max(1, this.clients.length);
  }

  meanTotalBytes(): number {
    return this.clients.reduce((s, c) => s + c.totalBytes, 0) / Math.max(1, this.clients.length);
  }

  /** Mean resources per type of the latest responses, e.g. {CDS: 2401, …}. */
  meanResources(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of this.clients) {
      for (const [url, ts] of c.types) {
        const k = url.split('.').at(-1)!;
        out[k] = (out[k] ?? 0) + ts.resources / this.clients.length;
      }
    }
    return out;
  }
}
