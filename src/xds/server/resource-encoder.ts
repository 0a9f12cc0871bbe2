/**
 * Packs generated resources into Anys for the ADS server, once per distinct content. The costly
 * part of a push is the JSON → proto conversion; two things keep it to what changed:
 *
 * - an Any is kept by fingerprint (fingerprints.ts) for the current and the previous snapshot, so
 *   a resource rebuilt unchanged is not converted again, and proxies sharing it share one Any;
 * - a RouteConfiguration is packed from its virtual hosts, each converted once by its own
 *   fingerprint: the route configurations of two namespaces differ in a few virtual hosts (the
 *   short-name domains of each namespace's own services), and a change to one VirtualService
 *   changes one virtual host, so only those are converted. Protobuf lets a repeated field's
 *   elements follow the other fields, so the packed bytes decode to the same message.
 */
import { packForResponses } from '../ads-protocol.js';
import { lengthDelimitedKey } from '../proto/wire.js';
import { encodeAny, encodeJson } from '../proto/proto-json.js';
import type { AnyMessage } from '../proto/proto-json.js';
import type { EnvoyJson } from '../../translate/generated.js';

const ROUTE_CONFIGURATION = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
const VIRTUAL_HOST = 'envoy.config.route.v3.VirtualHost';
/** RouteConfiguration.virtual_hosts. */
const VIRTUAL_HOSTS_FIELD = 2;

/** A map kept for two generations: what the previous snapshot used is found again. */
class TwoGenerations<V> {
  #current = new Map<string, V>();
  #previous = new Map<string, V>();

  get(key: string): V | undefined {
    const v = this.#current.get(key);
    if (v !== undefined) return v;
    const old = this.#previous.get(key);
    if (old !== undefined) this.#current.set(key, old);
    return old;
  }

  set(key: string, value: V): void {
    this.#current.set(key, value);
  }

  rotate(): void {
    this.#previous = this.#current;
    this.#current = new Map();
  }
}

export class ResourceEncoder {
  /** By type, then fingerprint (no key concatenation: fingerprints can be megabytes). */
  readonly #anys = new Map<string, TwoGenerations<AnyMessage>>();
  readonly #virtualHosts = new TwoGenerations<Buffer>();
  readonly #fingerprint: (json: object) => string;

  /** `fingerprint`: a resource's canonical text (the same one the ADS server compares). */
  constructor(fingerprint: (json: object) => string) {
    this.#fingerprint = fingerprint;
  }

  /** `json` (of `typeUrl`, fingerprint `key`) as an Any. Throws JsonConversionError. */
  encode(typeUrl: string, key: string, json: EnvoyJson): AnyMessage {
    let byKey = this.#anys.get(typeUrl);
    if (byKey === undefined) this.#anys.set(typeUrl, (byKey = new TwoGenerations()));
    let any = byKey.get(key);
    if (any === undefined) {
      any = packForResponses(typeUrl === ROUTE_CONFIGURATION ? this.#routeConfiguration(json) : encodeAny({ '@type': typeUrl, ...json } as never));
      byKey.set(key, any);
    }
    return any;
  }

  /** A new snapshot: what the one before last used may go. */
  rotate(): void {
    for (const byKey of this.#anys.values()) byKey.rotate();
    this.#virtualHosts.rotate();
  }

  #routeConfiguration(json: EnvoyJson): AnyMessage {
    const { virtual_hosts: hosts, ...rest } = json;
    const parts: Buffer[] = [Buffer.from(encodeJson('envoy.config.route.v3.RouteConfiguration', rest))];
    for (const vh of Array.isArray(hosts) ? (hosts as EnvoyJson[]) : []) {
      const key = this.#fingerprint(vh);
      let bytes = this.#virtualHosts.get(key);
      if (bytes === undefined) {
        const body = encodeJson(VIRTUAL_HOST, vh);
        bytes = Buffer.concat([lengthDelimitedKey(VIRTUAL_HOSTS_FIELD, body.length), body]);
        this.#virtualHosts.set(key, bytes);
      }
      parts.push(bytes);
    }
    return { type_url: ROUTE_CONFIGURATION, value: Buffer.concat(parts) };
  }
}
