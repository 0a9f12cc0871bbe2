/**
 * The control plane's serving side in one object (istiod's DiscoveryServer): the gRPC ADS
 * server (default :15010), the HTTP debug server (default :15014), the debounce and the push
 * queue. Wiring it to the config store, registry and translation is a few lines:
 *
 *   const ds = new DiscoveryServer({ generator: generateProxyResources });
 *   await ds.start({ grpcPort: 15010, httpPort: 15014 });
 *   ds.update(new PushContext({ configs, services, endpoints, version }), { full: true });
 *   store.onChange(() => ds.update(buildPush(), { full: true }));
 *   registry.onEndpoints((hosts) => ds.update(buildPush(), { full: false, endpointsOnlyFor: hosts }));
 *
 * update() is debounced (100 ms quiet, 10 s max, as PILOT_DEBOUNCE_AFTER / PILOT_DEBOUNCE_MAX);
 * the first PushContext is taken at once, since no proxy can be connected before it.
 */
import { hostname } from 'node:os';
import type { PushContext } from '../../model/push-context.js';
import type { EndpointGenerator, ProxyGenerator } from '../../translate/generated.js';
import { AdsServer } from './ads-server.js';
import type { PushChange } from './ads-server.js';
import { systemClock } from './clock.js';
import type { Clock } from './clock.js';
import type { Connection } from './connection.js';
import { Debouncer } from './debounce.js';
import { startDebugServer } from './debug-server.js';
import type { DebugServer, DebugSource } from './debug-server.js';
import { LoopTurns } from './loop-turns.js';
import { PILOT_PUSH_THROTTLE, PushQueue } from './push-queue.js';

export type { PushChange } from './ads-server.js';

export interface DiscoveryServerOptions {
  readonly generator: ProxyGenerator;
  /** Endpoints-only pushes regenerate endpoints alone with it (generate.ts's generateProxyEndpoints). */
  readonly endpointGenerator?: EndpointGenerator;
  readonly clock?: Clock;
  readonly log?: (line: string) => void;
  readonly debounceAfterMs?: number;
  readonly debounceMaxMs?: number;
  /** Concurrent proxy pushes (PILOT_PUSH_THROTTLE). */
  readonly pushThrottle?: number;
  /** false: endpoint-only changes skip the debounce and are pushed at once (PILOT_ENABLE_EDS_DEBOUNCE; default true). */
  readonly edsDebounce?: boolean;
  /** The ISTIOD column of proxy-status; `tsmesh-<hostname>` by default. */
  readonly istiodId?: string;
}

export interface DiscoveryStartOptions {
  /** ADS port; 15010 by default, 0 for any free port. */
  readonly grpcPort?: number;
  /** Debug HTTP port; 15014 by default, 0 for any free port; null for none. */
  readonly httpPort?: number | null;
  /** Bind address for both; 127.0.0.1 by default (the local platform's proxies are local). */
  readonly host?: string;
  /** Bind address of the debug server when it differs (a mesh whose proxies sit on a bridge keeps its debug views on loopback). */
  readonly debugHost?: string;
}

interface Pending {
  readonly push: PushContext;
  readonly change: PushChange;
}

export class DiscoveryServer implements DebugSource {
  readonly ads: AdsServer;
  readonly istiodId: string;
  readonly #debouncer: Debouncer<Pending>;
  readonly #edsDebounce: boolean;
  readonly #queue: PushQueue<Connection, PushChange>;
  #debug: DebugServer | undefined;
  #grpcPort = 0;

  constructor(options: DiscoveryServerOptions) {
    const clock = options.clock ?? systemClock;
    this.#edsDebounce = options.edsDebounce ?? true;
    this.istiodId = options.istiodId ?? `tsmesh-${hostname()}`;
    this.ads = new AdsServer({ generator: options.generator, ...(options.endpointGenerator !== undefined && { endpointGenerator: options.endpointGenerator }), clock, ...(options.log ? { log: options.log } : {}) });
    // Four proxies per turn: one per turn spent more on loop iterations than on the pushes of an
    // endpoint-only change (bench controlplane: ~205 vs ~195 ms to 200 proxies' ACKs).
    const turns = new LoopTurns(4);
    this.#queue = new PushQueue(options.pushThrottle ?? PILOT_PUSH_THROTTLE, mergeChanges, async (con, change) => {
      await turns.next();
      await this.ads.pushConnection(con, change);
    });
    this.#debouncer = new Debouncer<Pending>(
      { clock, ...(options.debounceAfterMs !== undefined ? { debounceAfterMs: options.debounceAfterMs } : {}), ...(options.debounceMaxMs !== undefined ? { debounceMaxMs: options.debounceMaxMs } : {}) },
      (a, b) => ({ push: b.push, change: mergeChanges(a.change, b.change) }),
      (p) => this.#pushAll(p.push, p.change),
    );
  }

  /** Binds the ADS and debug servers; resolves with the ports bound. */
  async start(options: DiscoveryStartOptions = {}): Promise<{ grpcPort: number; httpPort: number }> {
    const host = options.host ?? '127.0.0.1';
    this.#grpcPort = await this.ads.start(host, options.grpcPort ?? 15010);
    const httpPort = options.httpPort === undefined ? 15014 : options.httpPort;
    if (httpPort !== null) {
      try {
        this.#debug = await startDebugServer(options.debugHost ?? host, httpPort, this);
      } catch (err) {
        await this.ads.stop();
        throw err;
      }
    }
    return { grpcPort: this.#grpcPort, httpPort: this.#debug?.port ?? 0 };
  }

  get grpcPort(): number {
    return this.#grpcPort;
  }

  get httpPort(): number {
    return this.#debug?.port ?? 0;
  }

  /**
   * A new PushContext after a change: `{full: true}` for config changes, `{full: false,
   * endpointsOnlyFor: hostnames}` when only endpoints changed (EDS-only pushes). Debounced.
   */
  update(push: PushContext, change: PushChange = { full: true }): void {
    if (this.ads.pushContext === undefined) {
      this.ads.setPushContext(push);
      return;
    }
    // Istio's debounce hands EDS pushes straight on when PILOT_ENABLE_EDS_DEBOUNCE is off. A
    // snapshot here already holds every change before it: endpoint changes still waiting go with
    // this push, and while a config change waits, this one waits with it.
    if (!change.full && !this.#edsDebounce && this.#debouncer.pending?.change.full !== true) {
      const waiting = this.#debouncer.take();
      return this.#pushAll(push, waiting === undefined ? change : mergeChanges(waiting.change, change));
    }
    this.#debouncer.push({ push, change });
  }

  /** Resolves once no change is waiting in the debounce and every queued push is written. */
  async idle(): Promise<void> {
    while (this.#debouncer.pendingEvents > 0 || this.#queue.size > 0) {
      if (this.#queue.size > 0) await this.#queue.idle();
      else await new Promise((r) => setTimeout(r, 5));
    }
  }

  async stop(): Promise<void> {
    this.#debouncer.stop();
    this.#queue.close();
    await this.#debug?.close();
    this.#debug = undefined;
    await this.ads.stop();
  }

  // DebugSource ---------------------------------------------------------------------------

  connections(): Iterable<Connection> {
    return this.ads.connections;
  }

  pushContext(): PushContext | undefined {
    return this.ads.pushContext;
  }

  triggerPush(): void {
    const push = this.ads.pushContext;
    if (push !== undefined) this.#pushAll(push, { full: true, forced: true });
  }

  #pushAll(push: PushContext, change: PushChange): void {
    this.ads.setPushContext(push, change);
    for (const con of this.ads.connections) this.#queue.enqueue(con, change);
  }
}

/** Istio's PushRequest.Merge: full wins; endpoint-only hostnames are united (absent = all). */
export function mergeChanges(a: PushChange, b: PushChange): PushChange {
  const forced = a.forced === true || b.forced === true ? { forced: true } : {};
  if (a.full || b.full) return { full: true, ...forced };
  if (a.endpointsOnlyFor === undefined || b.endpointsOnlyFor === undefined) return { full: false, ...forced };
  return { full: false, endpointsOnlyFor: [...new Set([...a.endpointsOnlyFor, ...b.endpointsOnlyFor])], ...forced };
}
