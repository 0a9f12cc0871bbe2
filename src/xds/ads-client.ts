import * as grpc from '@grpc/grpc-js';
import {
  ADS_METHOD_PATH, decodeResource, decodeResponse, encodeRequest, GRPC_INVALID_ARGUMENT,
} from './ads-protocol.js';
import type { DecodedResource, DiscoveryRequestJson, DiscoveryResponseWire } from './ads-protocol.js';
import { JitteredBackoff } from './backoff.js';
import type { BackoffOptions } from './backoff.js';
import { encodeJson } from './proto/proto-json.js';

/**
 * Envoy's state-of-the-world ADS client: one gRPC stream to
 * AggregatedDiscoveryService/StreamAggregatedResources carrying every subscribed type.
 *
 * For each response the handler decides; the client ACKs (version_info = the new version) or
 * NACKs (version_info = the last accepted version, error_detail {code 3, message}) with the
 * response's nonce. On a lost stream it reconnects with Envoy's jittered backoff and re-sends
 * each subscription with its last accepted version; the proxy keeps serving meanwhile.
 */

export type AdsUpdateResult = { ok: true } | { ok: false; error: string };

export interface AdsHandlers {
  /** A response for `typeUrl`: the complete set of resources (SotW). Return ok to ACK. */
  onResources(typeUrl: string, resources: DecodedResource[], versionInfo: string): AdsUpdateResult | Promise<AdsUpdateResult>;
  onConnectionChange?(connected: boolean): void;
  /** Stream failures and ignored responses, for the proxy's log. */
  onLog?(message: string): void;
}

export interface AdsTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface AdsClientOptions {
  /** "host:port" of the ADS server. */
  target: string;
  /** envoy.config.core.v3.Node in proto3 JSON, sent on the first request of each stream. */
  node: Record<string, unknown>;
  handlers: AdsHandlers;
  backoff?: BackoffOptions;
  timers?: AdsTimers;
  random?: () => number;
  credentials?: grpc.ChannelCredentials;
  channelOptions?: grpc.ChannelOptions;
}

interface TypeState {
  typeUrl: string;
  names: readonly string[] | '*';
  /** Last accepted (ACKed) version_info. */
  version: string;
  /** Nonce of the last response handled on the current stream. */
  nonce: string;
  /** Set after a rejected response, sent once with the next request. */
  errorDetail?: { code: number; message: string };
}

export interface AdsClientState {
  started: boolean;
  closed: boolean;
  connected: boolean;
  /** Streams opened so far (1 + reconnects). */
  streams: number;
  subscriptions: { typeUrl: string; resourceNames: readonly string[] | '*'; version: string; paused: boolean }[];
}

type Call = grpc.ClientDuplexStream<Buffer, Buffer>;
const passThrough = (b: Buffer): Buffer => b;
const defaultTimers: AdsTimers = { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };

/**
 * HTTP/2 flow-control windows as large as Envoy gives its xDS streams (256 MiB by default):
 * with Node's 64 KiB a megabyte response trickles in one window update at a time.
 */
export const XDS_CHANNEL_OPTIONS: grpc.ChannelOptions = { 'grpc-node.flow_control_window': 256 * 1024 * 1024 };

export class AdsClient {
  private readonly types = new Map<string, TypeState>();
  private readonly pauses = new Map<string, number>();
  /** Types whose request was held back while paused. */
  private readonly held = new Set<string>();
  private readonly backoff: JitteredBackoff;
  private readonly timers: AdsTimers;
  private client: grpc.Client | undefined;
  private call: Call | undefined;
  private nodeSent = false;
  private connected = false;
  private started = false;
  private closed = false;
  private streams = 0;
  private retryTimer: unknown;
  /** Responses are handled one at a time, in order, even when handlers are async. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: AdsClientOptions) {
    encodeJson('envoy.config.core.v3.Node', options.node); // fail now, not on every request
    this.backoff = new JitteredBackoff(options.backoff, options.random);
    this.timers = options.timers ?? defaultTimers;
  }

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.client = new grpc.Client(this.options.target, this.options.credentials ?? grpc.credentials.createInsecure(), { ...XDS_CHANNEL_OPTIONS, ...this.options.channelOptions });
    this.openStream();
  }

  /** Watches `typeUrl`: '*' for wildcard types (LDS, CDS), names for RDS/EDS/SDS. */
  subscribe(typeUrl: string, resourceNames: readonly string[] | '*'): void {
    if (this.types.has(typeUrl)) return this.setResourceNames(typeUrl, resourceNames);
    const ts: TypeState = { typeUrl, names: copyNames(resourceNames), version: '', nonce: '' };
    this.types.set(typeUrl, ts);
    this.sendRequest(ts);
  }

  setResourceNames(typeUrl: string, resourceNames: readonly string[] | '*'): void {
    const ts = this.types.get(typeUrl);
    if (!ts) return this.subscribe(typeUrl, resourceNames);
    if (sameNames(ts.names, resourceNames)) return;
    ts.names = copyNames(resourceNames);
    this.sendRequest(ts);
  }

  /** Holds back requests (ACKs included) for `typeUrl`, as Envoy does for RDS/EDS while LDS/CDS updates warm. Nests. */
  pause(typeUrl: string): void {
    this.pauses.set(typeUrl, (this.pauses.get(typeUrl) ?? 0) + 1);
  }

  /** Undoes one pause; the last one sends the latest request held back, if any. */
  resume(typeUrl: string): void {
    const n = (this.pauses.get(typeUrl) ?? 0) - 1;
    if (n > 0) {
      this.pauses.set(typeUrl, n);
      return;
    }
    this.pauses.delete(typeUrl);
    const ts = this.types.get(typeUrl);
    if (ts && this.held.delete(typeUrl)) this.sendRequest(ts);
  }

  /** Last ACKed version_info of `typeUrl` ('' before the first, undefined if not subscribed). */
  version(typeUrl: string): string | undefined {
    return this.types.get(typeUrl)?.version;
  }

  state(): AdsClientState {
    return {
      started: this.started, closed: this.closed, connected: this.connected, streams: this.streams,
      subscriptions: [...this.types.values()].map((t) => ({ typeUrl: t.typeUrl, resourceNames: t.names, version: t.version, paused: this.pauses.has(t.typeUrl) })),
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer !== undefined) this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const call = this.call;
    this.call = undefined;
    this.connected = false;
    call?.cancel();
    this.client?.close();
  }

  private openStream(): void {
    this.retryTimer = undefined;
    if (this.closed || !this.client) return;
    const call = this.client.makeBidiStreamRequest(ADS_METHOD_PATH, passThrough, passThrough);
    this.call = call;
    this.streams++;
    this.nodeSent = false;
    call.on('metadata', () => this.setConnected(call, true));
    call.on('data', (buf: Buffer) => {
      if (this.call !== call) return;
      this.setConnected(call, true);
      this.backoff.reset(); // a stream that delivers is healthy: start the next outage from the base delay
      this.queue = this.queue.then(() => this.handleResponse(call, buf)).catch((err: unknown) => this.log(`ADS response handling failed: ${String(err)}`));
    });
    // 'status' always ends a call; 'error' accompanies non-OK ones and must be listened to.
    call.on('error', (err: Error) => this.streamClosed(call, err.message));
    call.on('status', (s: grpc.StatusObject) => this.streamClosed(call, `${grpc.status[s.code] ?? s.code}: ${s.details}`));
    for (const ts of this.types.values()) {
      ts.nonce = ''; // nonces belong to a stream
      this.sendRequest(ts);
    }
  }

  private setConnected(call: Call, connected: boolean): void {
    if (this.call !== call && connected) return;
    if (this.connected === connected) return;
    this.connected = connected;
    try {
      this.options.handlers.onConnectionChange?.(connected);
    } catch (err) {
      this.log(`onConnectionChange threw: ${String(err)}`);
    }
  }

  private streamClosed(call: Call, reason: string): void {
    if (this.call !== call || this.closed) return;
    this.call = undefined;
    this.log(`ADS stream to ${this.options.target} closed: ${reason}`);
    this.setConnected(call, false);
    const delay = this.backoff.next();
    this.retryTimer = this.timers.setTimeout(() => this.openStream(), delay);
  }

  private async handleResponse(call: Call, buf: Buffer): Promise<void> {
    if (this.call !== call) return;
    let resp: DiscoveryResponseWire;
    try {
      resp = decodeResponse(buf);
    } catch (err) {
      return this.log(`undecodable DiscoveryResponse ignored: ${(err as Error).message}`);
    }
    const ts = this.types.get(resp.type_url);
    if (!ts) return this.log(`ignoring DiscoveryResponse for unwatched type ${resp.type_url}`);
    const result = await this.apply(resp);
    // Accepted config is in use whatever happened to the stream meanwhile; the reply is not.
    if (result.ok) ts.version = resp.version_info;
    if (this.call !== call) return;
    ts.errorDetail = result.ok ? undefined : { code: GRPC_INVALID_ARGUMENT, message: result.error };
    ts.nonce = resp.nonce;
    this.sendRequest(ts);
  }

  /** Decodes every resource (any failure rejects the whole response, as Envoy does) and asks the handler. */
  private async apply(resp: DiscoveryResponseWire): Promise<AdsUpdateResult> {
    const resources: DecodedResource[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < resp.resources.length; i++) {
      let r: DecodedResource;
      try {
        r = decodeResource(resp.resources[i]!, resp.type_url);
      } catch (err) {
        return { ok: false, error: `resources[${i}]: ${(err as Error).message}` };
      }
      if (seen.has(r.name)) return { ok: false, error: `resources[${i}]: duplicate resource name ${JSON.stringify(r.name)}` };
      seen.add(r.name);
      resources.push(r);
    }
    try {
      return await this.options.handlers.onResources(resp.type_url, resources, resp.version_info);
    } catch (err) {
      return { ok: false, error: (err as Error).message ?? String(err) };
    }
  }

  private sendRequest(ts: TypeState): void {
    if (!this.call) return; // sent when the next stream opens
    if (this.pauses.has(ts.typeUrl)) {
      this.held.add(ts.typeUrl);
      return;
    }
    const req: DiscoveryRequestJson = {
      version_info: ts.version,
      resource_names: ts.names === '*' ? [] : [...ts.names], // SotW wildcard: no names
      type_url: ts.typeUrl,
      response_nonce: ts.nonce,
    };
    if (ts.errorDetail) req.error_detail = ts.errorDetail;
    ts.errorDetail = undefined;
    if (!this.nodeSent) req.node = this.options.node;
    this.nodeSent = true;
    this.call.write(encodeRequest(req));
  }

  private log(message: string): void {
    this.options.handlers.onLog?.(message);
  }
}

function copyNames(names: readonly string[] | '*'): readonly string[] | '*' {
  return names === '*' ? '*' : [...names];
}

function sameNames(a: readonly string[] | '*', b: readonly string[] | '*'): boolean {
  if (a === '*' || b === '*') return a === b;
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((n) => set.has(n));
}
