/**
 * Envoy's AggregatedDiscoveryService.StreamAggregatedResources, state of the world (Istio's
 * pilot/pkg/xds ads.go): one gRPC stream per proxy carrying every type. The first request's node
 * identifies the proxy; each request is ACK, NACK, stale or a (re)subscription (see
 * watched-resource.ts) and only initial requests and subscription changes get an answer; pushes
 * come from `pushConnection`, which sends only the types whose resources changed.
 *
 * Resources come from an injected ProxyGenerator, called at most once per connection per
 * PushContext. Types are answered in Istio's push order (CDS, EDS, LDS, RDS, SDS).
 */
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { ADS_SERVICE_DEFINITION, decodeRequest, encodeResponse, ENDPOINT_TYPE_URL } from '../ads-protocol.js';
import type { DiscoveryRequestJson } from '../ads-protocol.js';
import type { AnyMessage } from '../proto/proto-json.js';
import type { PushContext } from '../../model/push-context.js';
import type { EndpointGenerator, EnvoyJson, ProxyGenerator, ProxyResources } from '../../translate/generated.js';
import { systemClock } from './clock.js';
import type { Clock } from './clock.js';
import { Connection } from './connection.js';
import type { SentResource } from './connection.js';
import { Fingerprints } from './fingerprints.js';
import { NameLists, resolveNameList } from './name-lists.js';
import { ResourceEncoder } from './resource-encoder.js';
import { SendBudget } from './send-budget.js';
import { SharedResponses } from './shared-responses.js';
import { proxyDisplayId, proxyFromNode } from './proxy-from-node.js';
import { placeholderFor, RESOURCE_TYPES, resourceName, resourceType } from './resource-types.js';
import type { ResourceType } from './resource-types.js';
import { applyRequest, classifyRequest } from './watched-resource.js';

/** How many snapshots back an endpoints-only regeneration can tell what changed. */
const HISTORY_LENGTH = 32;

/** What changed, Istio's PushRequest reduced to what SotW needs. */
export interface PushChange {
  /** Config changed: every type may differ. False: only endpoints changed (EDS only). */
  readonly full: boolean;
  /** For an endpoint-only change, the service hostnames whose endpoints changed (all when absent). */
  readonly endpointsOnlyFor?: readonly string[];
  /** Send every watched type even when unchanged (`/debug/adsz?push=true`). */
  readonly forced?: boolean;
}

export interface AdsServerOptions {
  readonly generator: ProxyGenerator;
  /** Regenerates endpoints alone for endpoints-only pushes; without it every push regenerates everything. */
  readonly endpointGenerator?: EndpointGenerator;
  readonly clock?: Clock;
  /** Connection, NACK and error lines; dropped by default. */
  readonly log?: (line: string) => void;
  /** Response bytes handed to gRPC and not yet written, at most (send-budget.ts); 32 MiB by default. */
  readonly sendBudgetBytes?: number;
}

const DEFAULT_SEND_BUDGET_BYTES = 32 * 1024 * 1024;
const SHARED_RESPONSE_BYTES = 8 * 1024 * 1024;

export class AdsServer {
  /** Identified connections (first request processed), in connection order. */
  readonly connections = new Set<Connection>();
  readonly #generator: ProxyGenerator;
  readonly #endpointGenerator: EndpointGenerator | undefined;
  readonly #clock: Clock;
  readonly #log: (line: string) => void;
  readonly #noncePrefix = randomBytes(4).toString('hex');
  #nonceSeq = 0;
  #connSeq = 0;
  #push: PushContext | undefined;
  #grpc: grpc.Server | undefined;
  #port = 0;
  /** Every accepted stream, identified or not, so stop() can end them all. */
  readonly #streams = new Set<Connection>();
  readonly #fingerprints = new Fingerprints();
  /** Packs resources, once per distinct content for every proxy that gets it (resource-encoder.ts). */
  readonly #encoder = new ResourceEncoder((json) => this.#fingerprints.of(json));
  readonly #budget: SendBudget;
  /** Responses proxies of one class share, encoded once (shared-responses.ts). */
  readonly #responses = new SharedResponses(SHARED_RESPONSE_BYTES);
  readonly #nameLists = new NameLists();
  /** #diff's answers by selection, then by what was last sent; forced sends apart. Weak: both lists die with their snapshots. */
  readonly #diffs = new WeakMap<readonly EnvoyJson[], WeakMap<object, Diff | { readonly error: string }>>();
  readonly #forcedDiffs = new WeakMap<readonly EnvoyJson[], WeakMap<object, Diff | { readonly error: string }>>();
  /**
   * The changes that led to the latest snapshots, oldest first, by snapshot sequence number: which
   * hostnames an endpoints-only regeneration must rebuild for a proxy last generated from an older
   * one. Numbers, not the snapshots themselves, so that old snapshots are not kept alive.
   */
  #history: { readonly seq: number; readonly change: PushChange }[] = [];
  readonly #pushSeq = new WeakMap<PushContext, number>();
  #lastSeq = 0;

  constructor(options: AdsServerOptions) {
    this.#generator = options.generator;
    this.#endpointGenerator = options.endpointGenerator;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.log ?? (() => undefined);
    this.#budget = new SendBudget(options.sendBudgetBytes ?? DEFAULT_SEND_BUDGET_BYTES);
  }

  /** Binds `host:port` (0: any free port) and resolves with the bound port. */
  async start(host: string, port: number): Promise<number> {
    const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024, 'grpc.max_send_message_length': 64 * 1024 * 1024 });
    server.addService(ADS_SERVICE_DEFINITION, { StreamAggregatedResources: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => this.#accept(call) });
    const address = host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
    this.#port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
    });
    this.#grpc = server;
    return this.#port;
  }

  get port(): number {
    return this.#port;
  }

  /** The PushContext requests are answered from (undefined until the first). */
  get pushContext(): PushContext | undefined {
    return this.#push;
  }

  /**
   * Makes `push` current; connections get it with their next push or request. `change` is what
   * changed since the previous one (a full change when not given).
   */
  setPushContext(push: PushContext, change: PushChange = { full: true }): void {
    if (push === this.#push) return;
    this.#fingerprints.rotate();
    this.#encoder.rotate();
    this.#responses.reset();
    this.#pushSeq.set(push, ++this.#lastSeq);
    this.#history.push({ seq: this.#lastSeq, change });
    if (this.#history.length > HISTORY_LENGTH) this.#history.shift();
    this.#push = push;
  }

  /**
   * Regenerates `con`'s resources from the current PushContext and sends each watched type
   * whose resources differ from what it was last sent, in push order. Endpoint-only changes
   * consider EDS alone, and skip proxies that watch none of the changed services' clusters.
   * Resolves once the writes are flushed to the stream.
   */
  async pushConnection(con: Connection, change: PushChange): Promise<void> {
    if (con.closed || con.proxy === undefined || this.#push === undefined) return;
    if (!change.full && change.endpointsOnlyFor !== undefined && !watchesAnyHost(con, change.endpointsOnlyFor)) return;
    if (!change.full) this.#regenerateEndpoints(con);
    const resources = this.#resourcesFor(con);
    if (resources === undefined) return;
    const writes: Promise<void>[] = [];
    for (const type of RESOURCE_TYPES) {
      if (!con.watched.has(type.typeUrl) || (!change.full && type.short !== 'EDS')) continue;
      const w = this.#sendType(con, type, resources, change.forced === true);
      if (w !== undefined) writes.push(w);
    }
    await Promise.all(writes);
  }

  /** Ends every stream with UNAVAILABLE (proxies reconnect elsewhere) and stops the gRPC server. */
  async stop(): Promise<void> {
    for (const con of this.#streams) this.#fail(con, grpc.status.UNAVAILABLE, 'server shutting down');
    const server = this.#grpc;
    this.#grpc = undefined;
    if (server === undefined) return;
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    server.forceShutdown();
  }

  #accept(call: grpc.ServerDuplexStream<Buffer, Buffer>): void {
    const con = new Connection(call, call.getPeer(), this.#clock.now());
    this.#streams.add(con);
    const gone = (): void => {
      if (con.closed) return;
      con.closed = true;
      this.#streams.delete(con);
      if (this.connections.delete(con)) this.#log(`ADS: ${con.id} disconnected`);
    };
    call.on('data', (buf: Buffer) => this.#onRequest(con, buf));
    call.on('end', () => {
      gone();
      call.end();
    });
    call.on('error', gone);
    call.on('cancelled', gone);
    call.on('close', gone);
  }

  #onRequest(con: Connection, buf: Buffer): void {
    if (con.closed) return;
    let req: DiscoveryRequestJson;
    try {
      req = decodeRequest(buf, (typeUrl, raw, decode) => resolveNameList(this.#nameLists, con.nameLists, typeUrl, raw, decode));
    } catch (err) {
      return this.#fail(con, grpc.status.INVALID_ARGUMENT, `undecodable DiscoveryRequest: ${(err as Error).message}`);
    }
    if (con.proxy === undefined && !this.#identify(con, req)) return;
    const typeUrl = req.type_url ?? '';
    const type = resourceType(typeUrl);
    if (type === undefined) {
      this.#log(`ADS: ${con.id}: ignoring request for unsupported type ${JSON.stringify(typeUrl)}`);
      return;
    }
    const watched = con.watched.get(typeUrl);
    const decision = classifyRequest(watched, req);
    con.watched.set(typeUrl, applyRequest(watched, req, decision, this.#clock.now()));
    if (decision.kind === 'nack') {
      this.#log(`ADS: ${type.short}: NACK from ${con.id} for nonce ${req.response_nonce}: ${req.error_detail?.message ?? ''}`);
    }
    if (!decision.respond) return;
    const resources = this.#resourcesFor(con);
    if (resources === undefined) return this.#fail(con, grpc.status.INTERNAL, `cannot generate ${type.short} for ${con.displayId}`);
    void this.#sendType(con, type, resources, true);
  }

  /** Reads the proxy's identity from the first request; ends the stream when it has none. */
  #identify(con: Connection, req: DiscoveryRequestJson): boolean {
    const result = proxyFromNode(req.node);
    if (!result.ok) {
      this.#fail(con, grpc.status.INVALID_ARGUMENT, result.reason);
      return false;
    }
    if (this.#push === undefined) {
      // Istio's wording: the proxy retries with backoff until the first config is in.
      this.#fail(con, grpc.status.UNAVAILABLE, 'server is not ready to serve discovery information');
      return false;
    }
    con.proxy = result.proxy;
    con.displayId = proxyDisplayId(result.proxy);
    con.id = `${con.displayId}-${++this.#connSeq}`;
    this.connections.add(con);
    this.#log(`ADS: new connection for node:${con.id} (${result.proxy.id}) from ${con.peer}`);
    return true;
  }

  /**
   * An endpoints-only push: carry the proxy's last listeners, routes and clusters over to the new
   * snapshot and regenerate its endpoints alone (most of a full generation's cost is elsewhere).
   */
  #regenerateEndpoints(con: Connection): void {
    const push = this.#push;
    const previous = con.generated;
    if (push === undefined || con.proxy === undefined || previous === undefined || con.generatedFrom === push || this.#endpointGenerator === undefined) return;
    try {
      const endpoints = this.#endpointGenerator(con.proxy, push, previous, this.#endpointHostsChangedSince(con.generatedFrom));
      if (endpoints === undefined) return;
      con.generated = { ...previous, endpoints };
      con.generatedFrom = push;
    } catch (err) {
      this.#log(`ADS: generating endpoints for ${con.id} failed: ${(err as Error).stack ?? String(err)}`);
    }
  }

  /**
   * The hostnames whose endpoints moved between `from` and the current snapshot; undefined when
   * that is not known to be endpoints alone (a full change in between, or `from` too old).
   */
  #endpointHostsChangedSince(from: PushContext | undefined): string[] | undefined {
    const seq = from === undefined ? undefined : this.#pushSeq.get(from);
    const i = this.#history.findIndex((h) => h.seq === seq);
    if (i < 0) return undefined;
    const hosts = new Set<string>();
    for (const { change } of this.#history.slice(i + 1)) {
      if (change.full || change.endpointsOnlyFor === undefined) return undefined;
      for (const h of change.endpointsOnlyFor) hosts.add(h);
    }
    return [...hosts];
  }

  /** con's resources from the current PushContext, generated once per PushContext. */
  #resourcesFor(con: Connection): ProxyResources | undefined {
    const push = this.#push;
    if (push === undefined || con.proxy === undefined) return undefined;
    if (con.generatedFrom === push && con.generated !== undefined) return con.generated;
    try {
      con.generated = this.#generator(con.proxy, push);
      con.generatedFrom = push;
      return con.generated;
    } catch (err) {
      this.#log(`ADS: generating config for ${con.id} failed: ${(err as Error).stack ?? String(err)}`);
      return undefined;
    }
  }

  /**
   * Sends `type` to `con`: the whole set for wildcard types, the names asked for otherwise (with
   * Istio's empty placeholders for unknown EDS/RDS names). Unless `force`, nothing is sent when
   * every resource equals what was last sent, and of the types a proxy names what it wants of
   * (EDS, RDS, SDS) only the resources that changed are: in the state-of-the-world protocol only
   * listeners and clusters must come complete, and a resource left out is kept, not deleted.
   * Returns the write, or undefined when nothing was sent.
   */
  #sendType(con: Connection, type: ResourceType, resources: ProxyResources, force: boolean): Promise<void> | undefined {
    const wr = con.watched.get(type.typeUrl);
    if (wr === undefined || con.closed) return undefined;
    const selected = select(type, resources[type.field], wr.names);
    const last = con.sent.get(type.typeUrl);
    const diff = this.#diff(type, selected, last?.resources, force);
    if ('error' in diff) {
      this.#log(`ADS: not sending ${type.short} to ${con.id}: ${diff.error}`);
      return undefined;
    }
    if (!diff.changed) return undefined;
    const version = con.generatedFrom?.version ?? '';
    const { packed } = diff;
    const response = this.#responses.response(version, type.typeUrl, packed, () => `${this.#noncePrefix}-${++this.#nonceSeq}`, (n) =>
      encodeResponse({ version_info: version, resources: packed, type_url: type.typeUrl, nonce: n }),
    );
    const nonce = response.nonce;
    const now = this.#clock.now();
    con.sent.set(type.typeUrl, { version, nonce, at: now, resources: diff.out });
    wr.nonceSent = nonce;
    wr.versionSent = version;
    wr.lastSendTime = now;
    return new Promise<void>((resolve) => {
      this.#budget.submit({
        size: diff.size,
        start: (done) => {
          const finish = (): void => {
            done();
            resolve();
          };
          if (con.closed) return finish();
          try {
            con.call.write(response.bytes(), finish);
          } catch {
            finish();
          }
        },
      });
    });
  }

  /**
   * What to send of `selected` to a proxy last sent `lastSent` (undefined: nothing yet) of `type`:
   * the whole set for wildcard types, a first send and `force`, else only what changed; and
   * whether anything changed at all. Proxies of a class have the same selection and, having been
   * sent the same, the same `lastSent` list: the answer is worked out once for all of them.
   */
  #diff(type: ResourceType, selected: readonly EnvoyJson[], lastSent: readonly SentResource[] | undefined, force: boolean): Diff | { readonly error: string } {
    const diffs = force ? this.#forcedDiffs : this.#diffs;
    let byLast = diffs.get(selected);
    if (byLast === undefined) diffs.set(selected, (byLast = new WeakMap()));
    const lastKey = lastSent ?? NOTHING_SENT;
    let diff = byLast.get(lastKey);
    if (diff === undefined) byLast.set(lastKey, (diff = this.#computeDiff(type, selected, lastSent, force)));
    return diff;
  }

  #computeDiff(type: ResourceType, selected: readonly EnvoyJson[], lastSent: readonly SentResource[] | undefined, force: boolean): Diff | { readonly error: string } {
    const previous = lastSent ?? [];
    let lastByName: Map<string, SentResource> | undefined;
    // Both lists are in name order, so what was sent at the same position is usually the one.
    const previousOf = (name: string, i: number): SentResource | undefined => {
      if (previous[i]?.name === name) return previous[i];
      lastByName ??= new Map(previous.map((r) => [r.name, r]));
      return lastByName.get(name);
    };
    const complete = force || type.wildcard || lastSent === undefined;
    let changed = complete && (force || lastSent === undefined || previous.length !== selected.length);
    const out: SentResource[] = [];
    const send: SentResource[] = [];
    try {
      for (const json of selected) {
        const name = resourceName(json);
        const prev = previousOf(name, out.length);
        // The very object last sent cannot have changed (generators never mutate what they
        // return); an equal one has the same interned fingerprint.
        if (prev !== undefined && prev.json === json) {
          out.push(prev);
          if (complete) send.push(prev);
          continue;
        }
        const key = this.#fingerprints.of(json);
        if (prev !== undefined && prev.key === key) {
          // Unchanged: the record of the new, equal object, so old snapshots are not kept alive.
          const same = sentRecord(json, () => ({ name, json, key, any: prev.any }));
          out.push(same);
          if (complete) send.push(same);
          continue;
        }
        changed = true;
        const sent = sentRecord(json, () => ({ name, json, key, any: this.#encoder.encode(type.typeUrl, key, json) }));
        out.push(sent);
        send.push(sent);
      }
    } catch (err) {
      // Invalid output from the generator: keep the proxy on its last config rather than delete it.
      return { error: `${type.proto.split('.').pop()} ${JSON.stringify(resourceName(selected[out.length] ?? {}))}: ${(err as Error).message}` };
    }
    const packed = send.map((r) => r.any);
    const size = packed.reduce((n, a) => n + a.value.length + a.type_url.length + 8, 64);
    return { out, packed, size, changed };
  }

  #fail(con: Connection, code: grpc.status, details: string): void {
    if (con.closed) return;
    this.#log(`ADS: closing stream ${con.id || con.peer}: ${grpc.status[code]}: ${details}`);
    con.call.emit('error', { code, details, metadata: new grpc.Metadata() });
  }
}

/** Selections by resource list, then by name list: proxies of a class share both (name-lists.ts). */
const SELECTIONS = new WeakMap<readonly EnvoyJson[], WeakMap<readonly string[], readonly EnvoyJson[]>>();

/** A type's resources for one subscription (names are kept in the order the proxy asked). */
function select(type: ResourceType, all: readonly EnvoyJson[], names: readonly string[]): readonly EnvoyJson[] {
  if (type.wildcard) return all;
  let byNames = SELECTIONS.get(all);
  if (byNames === undefined) SELECTIONS.set(all, (byNames = new WeakMap()));
  let out = byNames.get(names);
  if (out !== undefined) return out;
  const byName = byNameOf(all);
  const selected: EnvoyJson[] = [];
  for (const name of names) {
    const r = byName.get(name) ?? placeholderFor(type, name);
    if (r !== undefined) selected.push(r);
  }
  byNames.set(names, (out = selected));
  return out;
}

/** What a send of one type carries: see AdsServer.#diff. */
interface Diff {
  /** What the proxy has once this is sent, in order: its next `lastSent`. */
  readonly out: readonly SentResource[];
  /** What goes into the response. */
  readonly packed: readonly AnyMessage[];
  readonly size: number;
  readonly changed: boolean;
}

/** The `lastSent` key of a first send. */
const NOTHING_SENT: readonly SentResource[] = [];

/** Each generated object's record of being sent, one for every proxy it goes to. */
const SENT_RECORDS = new WeakMap<EnvoyJson, SentResource>();

function sentRecord(json: EnvoyJson, make: () => SentResource): SentResource {
  let record = SENT_RECORDS.get(json);
  if (record === undefined) SENT_RECORDS.set(json, (record = make()));
  return record;
}

/** Proxies of one class share their resource lists: each is indexed by name once. */
const BY_NAME = new WeakMap<readonly EnvoyJson[], ReadonlyMap<string, EnvoyJson>>();

function byNameOf(all: readonly EnvoyJson[]): ReadonlyMap<string, EnvoyJson> {
  let byName = BY_NAME.get(all);
  if (byName === undefined) BY_NAME.set(all, (byName = new Map(all.map((r) => [resourceName(r), r]))));
  return byName;
}

/**
 * Whether any cluster `con` watches endpoints of belongs to one of `hostnames`
 * (`outbound|80|v1|HOST`, or a cluster named HOST). Few hostnames change at a time: each watched
 * name is checked against their suffixes, with no per-proxy index to build.
 */
function watchesAnyHost(con: Connection, hostnames: readonly string[]): boolean {
  const eds = con.watched.get(ENDPOINT_TYPE_URL);
  if (eds === undefined) return false;
  let byHosts = WATCHES_ANY.get(eds.names);
  if (byHosts === undefined) WATCHES_ANY.set(eds.names, (byHosts = new WeakMap()));
  let watches = byHosts.get(hostnames);
  if (watches === undefined) {
    const suffixes = hostnames.map((h) => `|${h}`);
    watches = eds.names.some((n) => hostnames.includes(n) || (n.startsWith('outbound|') && suffixes.some((s) => n.endsWith(s) && n.split('|').length === 4)));
    byHosts.set(hostnames, watches);
  }
  return watches;
}

/** watchesAnyHost's answers by name list, then by the change's hostnames (one array per push). */
const WATCHES_ANY = new WeakMap<readonly string[], WeakMap<readonly string[], boolean>>();
