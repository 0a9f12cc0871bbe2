import * as grpc from '@grpc/grpc-js';
import { ADS_SERVICE_DEFINITION, decodeRequest, encodeResponse } from '../ads-protocol.js';
import type { DiscoveryRequestJson } from '../ads-protocol.js';
import { decodeAny, encodeAny } from '../proto/proto-json.js';
import type { AnyMessage } from '../proto/proto-json.js';

/**
 * A scriptable ADS server for tests, on 127.0.0.1 port 0. It records every DiscoveryRequest,
 * lets a test wait for one, and pushes whatever the test says. By default it also answers a
 * stream's first request for a type (and resource name changes) with the last pushed state, as
 * a real control plane does after a reconnect; `autoRespond: false` turns that off.
 */

export interface RecordedRequest {
  /** 1 for the first stream the server accepted, 2 for the next … */
  stream: number;
  typeUrl: string;
  versionInfo: string;
  nonce: string;
  resourceNames: string[];
  errorDetail?: { code: number; message: string };
  node?: Record<string, unknown>;
}

interface Pushed {
  version: string;
  resources: { name: string; any: AnyMessage }[];
}

interface StreamState {
  id: number;
  call: grpc.ServerDuplexStream<Buffer, Buffer>;
  /** Resource names last requested per type on this stream. */
  names: Map<string, string[]>;
}

export interface FakeAdsServerOptions {
  autoRespond?: boolean;
}

export class FakeAdsServer {
  readonly requests: RecordedRequest[] = [];
  private readonly streams = new Set<StreamState>();
  private readonly state = new Map<string, Pushed>();
  private readonly waiters = new Set<() => void>();
  private streamCount = 0;
  private nonceCount = 0;

  private constructor(private readonly server: grpc.Server, readonly port: number, private readonly autoRespond: boolean) {}

  static async start(options: FakeAdsServerOptions = {}): Promise<FakeAdsServer> {
    const server = new grpc.Server();
    let fake: FakeAdsServer | undefined;
    // Services are registered before binding; calls cannot arrive before `fake` is set.
    server.addService(ADS_SERVICE_DEFINITION, { StreamAggregatedResources: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => fake!.accept(call) });
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
    });
    fake = new FakeAdsServer(server, port, options.autoRespond ?? true);
    return fake;
  }

  get target(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Streams currently open. */
  activeStreams(): number {
    return this.streams.size;
  }

  /** Resolves with the first request from index `since` on that matches; rejects after `timeoutMs`. */
  waitForRequest(predicate: (r: RecordedRequest) => boolean, timeoutMs = 5000, since = 0): Promise<RecordedRequest> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.requests.slice(since).find(predicate);
        if (!found) return false;
        this.waiters.delete(waiter);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const waiter = (): void => void check();
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const recent = this.requests.slice(-5).map((r) => JSON.stringify(r)).join('\n  ');
        reject(new Error(`no matching DiscoveryRequest within ${timeoutMs} ms; last requests:\n  ${recent}`));
      }, timeoutMs);
      this.waiters.add(waiter);
      check();
    });
  }

  /**
   * Makes `resources` (proto3 JSON; "@type" defaults to `typeUrl`) the state of `typeUrl` and
   * sends it to every stream that has asked for the type. Returns the nonces sent.
   */
  push(typeUrl: string, resources: Record<string, unknown>[], version: string): string[] {
    return this.pushRaw(typeUrl, resources.map((r) => encodeAny({ '@type': typeUrl, ...r })), version);
  }

  /** push() with already packed resources, e.g. bytes that do not decode. */
  pushRaw(typeUrl: string, anys: AnyMessage[], version: string): string[] {
    const resources = anys.map((any, i) => ({ name: nameOf(any, i), any }));
    this.state.set(typeUrl, { version, resources });
    const nonces: string[] = [];
    for (const s of this.streams) if (s.names.has(typeUrl)) nonces.push(this.send(s, typeUrl));
    return nonces;
  }

  /** Ends every open stream with UNAVAILABLE, as a control plane restart would. */
  dropStreams(): void {
    for (const s of this.streams) s.call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'stream dropped by FakeAdsServer' });
    this.streams.clear();
  }

  async close(): Promise<void> {
    this.dropStreams();
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    this.server.forceShutdown();
  }

  private accept(call: grpc.ServerDuplexStream<Buffer, Buffer>): void {
    const s: StreamState = { id: ++this.streamCount, call, names: new Map() };
    this.streams.add(s);
    call.sendMetadata(new grpc.Metadata()); // lets the client see the stream is up before any response
    call.on('data', (buf: Buffer) => this.onRequest(s, decodeRequest(buf)));
    const gone = (): void => void this.streams.delete(s);
    call.on('end', () => {
      gone();
      call.end();
    });
    call.on('error', gone);
    call.on('cancelled', gone);
  }

  private onRequest(s: StreamState, req: DiscoveryRequestJson): void {
    const r: RecordedRequest = {
      stream: s.id,
      typeUrl: req.type_url ?? '',
      versionInfo: req.version_info ?? '',
      nonce: req.response_nonce ?? '',
      resourceNames: [...(req.resource_names ?? [])],
    };
    if (req.error_detail) r.errorDetail = { code: req.error_detail.code ?? 0, message: req.error_detail.message ?? '' };
    if (req.node) r.node = req.node;
    this.requests.push(r);
    const previous = s.names.get(r.typeUrl);
    s.names.set(r.typeUrl, r.resourceNames);
    const pushed = this.state.get(r.typeUrl);
    if (this.autoRespond && pushed) {
      const initial = previous === undefined && r.versionInfo !== pushed.version;
      const namesChanged = previous !== undefined && previous.join('\0') !== r.resourceNames.join('\0');
      if (initial || namesChanged) this.send(s, r.typeUrl);
    }
    for (const w of [...this.waiters]) w();
  }

  private send(s: StreamState, typeUrl: string): string {
    const pushed = this.state.get(typeUrl)!;
    const wanted = s.names.get(typeUrl) ?? [];
    // SotW: wildcard (no names) gets everything, otherwise just the names asked for.
    const resources = wanted.length === 0 ? pushed.resources : pushed.resources.filter((r) => wanted.includes(r.name));
    const nonce = String(++this.nonceCount);
    s.call.write(encodeResponse({ version_info: pushed.version, resources: resources.map((r) => r.any), type_url: typeUrl, nonce }));
    return nonce;
  }
}

/** The resource name for filtering by requested names; unnamed or undecodable ones never match. */
function nameOf(any: AnyMessage, index: number): string {
  try {
    const json = decodeAny(any);
    return String(json.name ?? json.cluster_name ?? `#${index}`);
  } catch {
    return `#${index}`;
  }
}
