/**
 * A `config.core.v3.TransportSocket` on a filter chain (downstream) or cluster (upstream):
 * `envoy.transport_sockets.tls` becomes a TLS context, `raw_buffer` (or none) plain TCP.
 */
import { ProxyConfigError, at } from '../config/config-error.js';
import { asObject, asString, field, rejectUnsupported } from './config-fields.js';
import type { Json } from './config-fields.js';
import type { DataSourceEnv } from './data-source.js';
import type { SecretStore } from './secret-store.js';
import { DownstreamTlsContext, UpstreamTlsContext } from './tls-context.js';

const TLS_NAME = 'envoy.transport_sockets.tls';
const RAW_NAME = 'envoy.transport_sockets.raw_buffer';
const TYPES = {
  downstream: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
  upstream: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
  raw: 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer',
} as const;

export function compileTransportSocket(json: unknown, side: 'downstream', store: SecretStore, env?: DataSourceEnv): DownstreamTlsContext | null;
export function compileTransportSocket(json: unknown, side: 'upstream', store: SecretStore, env?: DataSourceEnv): UpstreamTlsContext | null;
/**
 * Compiles a transport_socket; null means plaintext. Envoy picks the factory by the typed_config
 * type URL, else by name; anything but TLS and raw_buffer is a ProxyConfigError.
 */
export function compileTransportSocket(json: unknown, side: 'downstream' | 'upstream', store: SecretStore, env?: DataSourceEnv): DownstreamTlsContext | UpstreamTlsContext | null {
  const socket = asObject(json, '');
  if (!socket) return null;
  rejectUnsupported(socket, ['name', 'typed_config'], '');
  const name = asString(field(socket, 'name'), 'name');
  const config: Json = asObject(field(socket, 'typed_config'), 'typed_config') ?? {};
  const typeUrl = asString(config['@type'], 'typed_config.@type');
  if (typeUrl ? typeUrl === TYPES.raw : name === RAW_NAME || name === 'raw_buffer') return null;
  if (typeUrl ? typeUrl !== TYPES[side] : name !== TLS_NAME && name !== 'tls') {
    throw new ProxyConfigError(typeUrl ? 'typed_config.@type' : 'name', `transport socket ${JSON.stringify(typeUrl || name)} is not supported on the ${side} side`);
  }
  return at('typed_config', () => (side === 'downstream' ? new DownstreamTlsContext(config, store, env) : new UpstreamTlsContext(config, store, env)));
}
