import type { ServiceDefinition } from '@grpc/grpc-js';
import { lookupType, typeUrlOf } from './proto/envoy-protos.js';
import { decodeAny } from './proto/proto-json.js';
import type { AnyMessage } from './proto/proto-json.js';
import { bytesField, lengthDelimitedKey, stringField } from './proto/wire.js';
import { decodeDiscoveryRequest, encodeDiscoveryRequest, type NameListResolver } from './discovery-request-codec.js';

/**
 * The wire side of Envoy's Aggregated Discovery Service (SotW), shared by our xDS client and
 * the fake/real ADS servers: method path, type URLs, and DiscoveryRequest/Response codecs.
 */

export const ADS_METHOD_PATH = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';

export const LISTENER_TYPE_URL = typeUrlOf('envoy.config.listener.v3.Listener');
export const ROUTE_TYPE_URL = typeUrlOf('envoy.config.route.v3.RouteConfiguration');
export const CLUSTER_TYPE_URL = typeUrlOf('envoy.config.cluster.v3.Cluster');
export const ENDPOINT_TYPE_URL = typeUrlOf('envoy.config.endpoint.v3.ClusterLoadAssignment');
export const SECRET_TYPE_URL = typeUrlOf('envoy.extensions.transport_sockets.tls.v3.Secret');
/** envoy.service.discovery.v3.Resource: a resource wrapped with its name (servers may send these). */
export const RESOURCE_WRAPPER_TYPE_URL = typeUrlOf('envoy.service.discovery.v3.Resource');

/** google.rpc.Code INVALID_ARGUMENT, what Envoy puts in a NACK's error_detail. */
export const GRPC_INVALID_ARGUMENT = 3;

/** DiscoveryRequest in proto3 JSON (snake_case), as sent and as recorded. */
export interface DiscoveryRequestJson {
  version_info?: string;
  node?: Record<string, unknown>;
  resource_names?: readonly string[];
  type_url?: string;
  response_nonce?: string;
  error_detail?: { code?: number; message?: string };
}

/** DiscoveryResponse with its resources still packed, so each can fail to decode on its own. */
export interface DiscoveryResponseWire {
  version_info: string;
  resources: readonly AnyMessage[];
  type_url: string;
  nonce: string;
}

const RESPONSE = 'envoy.service.discovery.v3.DiscoveryResponse';

export function encodeRequest(req: DiscoveryRequestJson): Buffer {
  return encodeDiscoveryRequest(req);
}

/** `resolveNames`: see NameListResolver (servers share repeated name lists instead of decoding them). */
export function decodeRequest(buf: Buffer, resolveNames?: NameListResolver): DiscoveryRequestJson {
  return decodeDiscoveryRequest(buf, resolveNames);
}

/**
 * Encoded by hand rather than by protobufjs: a response to each of hundreds of proxies repeats the
 * same packed resources, so each resource's field bytes are made once (ANY_FIELDS) and a
 * response is one copy of them behind its three string fields.
 */
export function encodeResponse(resp: DiscoveryResponseWire): Buffer {
  const parts: Buffer[] = [];
  stringField(parts, 1, resp.version_info);
  for (const any of resp.resources) parts.push(anyField(any));
  stringField(parts, 4, resp.type_url);
  stringField(parts, 5, resp.nonce);
  return Buffer.concat(parts);
}

/** Field 2 (resources) of a DiscoveryResponse for one Any, by the Any it was made from. */
const ANY_FIELDS = new WeakMap<AnyMessage, Buffer>();

function anyField(any: AnyMessage): Buffer {
  let field = ANY_FIELDS.get(any);
  if (field === undefined) ANY_FIELDS.set(any, (field = encodeAnyField(any)));
  return field;
}

function encodeAnyField(any: AnyMessage): Buffer {
  const inner: Buffer[] = [];
  stringField(inner, 1, any.type_url);
  if (any.value.length > 0) bytesField(inner, 2, any.value); // proto3: empty bytes are not sent
  const body = Buffer.concat(inner);
  return Buffer.concat([lengthDelimitedKey(2, body.length), body]);
}

/**
 * `any` ready to be sent many times: its response field bytes are made now, and its value is a
 * view into them, so the resource's bytes are held once, not twice.
 */
export function packForResponses(any: AnyMessage): AnyMessage {
  const field = encodeAnyField(any);
  const value = any.value.length === 0 ? new Uint8Array() : field.subarray(field.length - any.value.length);
  const packed = { type_url: any.type_url, value };
  ANY_FIELDS.set(packed, field);
  return packed;
}

export function decodeResponse(buf: Buffer): DiscoveryResponseWire {
  const m = lookupType(RESPONSE).decode(buf) as unknown as Partial<DiscoveryResponseWire>;
  return {
    version_info: m.version_info ?? '',
    resources: (m.resources ?? []).map((r) => ({ type_url: r.type_url ?? '', value: r.value ?? new Uint8Array() })),
    type_url: m.type_url ?? '',
    nonce: m.nonce ?? '',
  };
}

/** A decoded resource: its name and its proto3 JSON (without "@type"). */
export interface DecodedResource {
  name: string;
  json: Record<string, unknown>;
}

/**
 * Decodes one resource of a response of type `typeUrl`, unwrapping envoy.service.discovery.v3.Resource.
 * Throws with a reason (unknown type, undecodable bytes, wrong type, no name).
 */
export function decodeResource(any: AnyMessage, typeUrl: string): DecodedResource {
  let wrappedName: string | undefined;
  let inner = any;
  if (any.type_url === RESOURCE_WRAPPER_TYPE_URL) {
    const wrapper = lookupType('envoy.service.discovery.v3.Resource').decode(any.value) as unknown as { name?: string; resource?: AnyMessage };
    if (!wrapper.resource) throw new Error('envoy.service.discovery.v3.Resource without a resource');
    wrappedName = wrapper.name || undefined;
    inner = wrapper.resource;
  }
  if (inner.type_url !== typeUrl) throw new Error(`resource has type ${JSON.stringify(inner.type_url)}, expected ${JSON.stringify(typeUrl)}`);
  const { '@type': _, ...json } = decodeAny(inner);
  // ClusterLoadAssignment is named by cluster_name; everything else by name.
  const name = wrappedName ?? (typeof json.name === 'string' ? json.name : typeof json.cluster_name === 'string' ? json.cluster_name : '');
  if (!name) throw new Error('resource has no name');
  return { name, json };
}

function passThrough(b: Buffer): Buffer {
  return b;
}

/**
 * grpc-js service definition for AggregatedDiscoveryService.StreamAggregatedResources, carrying
 * raw bytes: servers decode requests with decodeRequest and encode with encodeResponse, so the
 * proto codecs stay in one place.
 */
export const ADS_SERVICE_DEFINITION: ServiceDefinition = {
  StreamAggregatedResources: {
    path: ADS_METHOD_PATH,
    requestStream: true,
    responseStream: true,
    requestSerialize: passThrough,
    requestDeserialize: passThrough,
    responseSerialize: passThrough,
    responseDeserialize: passThrough,
  },
};
