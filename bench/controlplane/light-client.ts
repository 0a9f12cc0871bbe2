import * as grpc from '@grpc/grpc-js';
import {
  ADS_METHOD_PATH,
  CLUSTER_TYPE_URL,
  ENDPOINT_TYPE_URL,
  LISTENER_TYPE_URL,
  RESOURCE_WRAPPER_TYPE_URL,
  ROUTE_TYPE_URL,
  decodeResource,
  decodeResponse,
  encodeRequest,
  type DiscoveryRequestJson,
  type DiscoveryResponseWire,
} from '../../src/xds/ads-protocol.js';
import { XDS_CHANNEL_OPTIONS } from '../../src/xds/ads-client.js';
import { peekCluster, routeNames } from './wire-peek.js';

/**
 * One proxy as the control plane sees it, without a data plane: a SotW ADS stream that subscribes
 * CDS and LDS (wildcard), then EDS for the EDS clusters it got and RDS for the route names in its
 * listeners, and ACKs every response at once. Resources are counted in bytes; only clusters are
 * peeked (name, type) and listeners decoded (route names), the least Envoy needs to subscribe.
 */

export const SHORT_TYPE: Readonly<Record<string, string>> = {
  [CLUSTER_TYPE_URL]: 'CDS',
  [LISTENER_TYPE_URL]: 'LDS',
  [ENDPOINT_TYPE_URL]: 'EDS',
  [ROUTE_TYPE_URL]: 'RDS',
};

interface TypeState {
  names: string[];
  version: string;
  nonce: string;
  /** Resource bytes of the latest response: this type's share of the proxy's configuration. */
  bytes: number;
  resources: number;
}

/** One response as received, for the bench to tell which types a change pushed. */
export interface ReceivedEvent {
  readonly atMs: number;
  readonly type: string;
  readonly bytes: number;
}

/**
 * What the light clients of one fleet share, so that 200 of them in one process cost what 200
 * Envoys would cost the control plane, not 200 times the bench's own encoding: equal name lists
 * are one list, and an ACK is encoded once for every client sending the very same bytes (the
 * proxies of a class get the same response, nonce included).
 */
export class FleetCaches {
  /** Listener bytes → route names: identical listeners across proxies are decoded once. */
  readonly routes = new Map<string, string[]>();
  readonly #names = new Map<string, string[]>();
  #acks = new Map<string, WeakMap<readonly string[], Buffer>>();

  /** The shared list equal to `names`. */
  names(names: string[]): string[] {
    const key = names.join('\n');
    const known = this.#names.get(key);
    if (known !== undefined) return known;
    this.#names.set(key, names);
    return names;
  }

  /** The encoded ACK (no node, no error) of `typeUrl` at `version`/`nonce` for `names`. */
  ack(typeUrl: string, version: string, nonce: string, names: readonly string[]): Buffer {
    const key = `${typeUrl}\n${version}\n${nonce}`;
    let byNames = this.#acks.get(key);
    if (byNames === undefined) {
      // Only the latest responses are ACKed again: keep a bounded number of keys.
      if (this.#acks.size >= 64) this.#acks = new Map();
      this.#acks.set(key, (byNames = new WeakMap()));
    }
    let bytes = byNames.get(names);
    if (bytes === undefined) byNames.set(names, (bytes = encodeRequest({ type_url: typeUrl, resource_names: names, version_info: version, response_nonce: nonce })));
    return bytes;
  }
}

export class LightClient {
  readonly types = new Map<string, TypeState>();
  readonly events: ReceivedEvent[] = [];
  /** Every resource byte received, all responses summed. */
  totalBytes = 0;
  /** When the last ACK was written (performance.now()). */
  lastAckAtMs = 0;
  error: string | undefined;
  #client: grpc.Client | undefined;
  #call: grpc.ClientDuplexStream<Buffer, Buffer> | undefined;
  #sentNode = false;
  readonly #caches: FleetCaches;

  constructor(
    private readonly target: string,
    private readonly node: Record<string, unknown>,
    caches: FleetCaches,
  ) {
    this.#caches = caches;
  }

  start(): void {
    // A local subchannel pool gives every client its own TCP connection, as 200 proxies would have.
    // Envoy's xDS stream windows (XDS_CHANNEL_OPTIONS), as a real sidecar would have them.
    this.#client = new grpc.Client(this.target, grpc.credentials.createInsecure(), { ...XDS_CHANNEL_OPTIONS, 'grpc.use_local_subchannel_pool': 1 });
    const call = this.#client.makeBidiStreamRequest(
      ADS_METHOD_PATH,
      (b: Buffer) => b,
      (b: Buffer) => b,
    );
    this.#call = call;
    call.on('data', (buf: Buffer) => this.#onResponse(decodeResponse(buf)));
    call.on('error', (e: grpc.ServiceError) => {
      if (e.code !== grpc.status.CANCELLED) this.error ??= e.message;
    });
    this.#subscribe(CLUSTER_TYPE_URL, []);
    this.#subscribe(LISTENER_TYPE_URL, []);
  }

  close(): void {
    this.#call?.cancel();
    this.#client?.close();
  }

  /** Sum over types of the latest response's resource bytes: the proxy's configuration size. */
  configBytes(): number {
    let n = 0;
    for (const t of this.types.values()) n += t.bytes;
    return n;
  }

  /** The type has had at least one response. */
  has(type: string): boolean {
    return (this.types.get(type)?.version ?? '') !== '';
  }

  #subscribe(typeUrl: string, names: string[]): void {
    let ts = this.types.get(typeUrl);
    if (ts === undefined) this.types.set(typeUrl, (ts = { names: this.#caches.names(names), version: '', nonce: '', bytes: 0, resources: 0 }));
    else if (sameNames(ts.names, names)) return;
    else ts.names = this.#caches.names(names);
    this.#send(typeUrl, ts);
  }

  #send(typeUrl: string, ts: TypeState, error?: string): void {
    if (this.#sentNode && error === undefined) {
      this.#call?.write(this.#caches.ack(typeUrl, ts.version, ts.nonce, ts.names));
      return;
    }
    const req: DiscoveryRequestJson = { type_url: typeUrl, resource_names: ts.names, version_info: ts.version, response_nonce: ts.nonce };
    if (!this.#sentNode) {
      req.node = this.node;
      this.#sentNode = true;
    }
    if (error !== undefined) req.error_detail = { code: 3, message: error };
    this.#call?.write(encodeRequest(req));
  }

  #onResponse(resp: DiscoveryResponseWire): void {
    const ts = this.types.get(resp.type_url);
    if (ts === undefined) return;
    let bytes = 0;
    for (const r of resp.resources) bytes += r.value.length;
    this.totalBytes += bytes;
    this.events.push({ atMs: performance.now(), type: SHORT_TYPE[resp.type_url] ?? resp.type_url, bytes });
    ts.version = resp.version_info;
    ts.nonce = resp.nonce;
    ts.bytes = bytes;
    ts.resources = resp.resources.length;
    let next: { type: string; names: string[] } | undefined;
    try {
      if (resp.type_url === CLUSTER_TYPE_URL) next = { type: ENDPOINT_TYPE_URL, names: this.#edsClusters(resp) };
      else if (resp.type_url === LISTENER_TYPE_URL) next = { type: ROUTE_TYPE_URL, names: this.#routes(resp) };
    } catch (e) {
      this.error ??= `${SHORT_TYPE[resp.type_url]}: ${(e as Error).message}`;
    }
    // ACK first (Envoy ACKs CDS/LDS before asking for what they name), then (re)subscribe.
    this.#send(resp.type_url, ts);
    this.lastAckAtMs = performance.now();
    if (next) this.#subscribe(next.type, next.names);
  }

  #edsClusters(resp: DiscoveryResponseWire): string[] {
    const names: string[] = [];
    for (const r of resp.resources) {
      if (r.type_url === RESOURCE_WRAPPER_TYPE_URL) throw new Error('wrapped resources are not handled by the bench client');
      const c = peekCluster(r.value);
      if (c.eds) names.push(c.name);
    }
    return names.sort();
  }

  #routes(resp: DiscoveryResponseWire): string[] {
    const names = new Set<string>();
    for (const r of resp.resources) {
      const key = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.length).toString('base64');
      let found = this.#caches.routes.get(key);
      if (found === undefined) {
        found = [...routeNames(decodeResource(r, LISTENER_TYPE_URL).json)];
        this.#caches.routes.set(key, found);
      }
      for (const n of found) names.add(n);
    }
    return [...names].sort();
  }
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
