/** @module The shape of one admin endpoint: a pure function from request to response. */
import type { AdminSource } from './admin-source.js';

export interface AdminRequest {
  readonly method: string;
  /** Path without the query (`/stats`). */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly source: AdminSource;
}

export interface AdminResponse {
  status: number;
  contentType: string;
  body: string;
  /** Runs after the response is flushed (quitquitquit exits only once "OK" is on the wire). */
  after?: () => void;
}

/** An endpoint as Envoy's UrlHandler: prefix, help text, and whether it needs POST. */
export interface AdminHandler {
  readonly path: string;
  readonly help: string;
  readonly mutatesState: boolean;
  readonly handle: (req: AdminRequest) => AdminResponse;
}

export const TEXT = 'text/plain; charset=UTF-8';
export const JSON_TYPE = 'application/json';

export function text(body: string, status = 200): AdminResponse {
  return { status, contentType: TEXT, body };
}

/** Envoy pretty-prints protobuf JSON with one-space indentation. */
export function json(value: unknown, status = 200): AdminResponse {
  return { status, contentType: JSON_TYPE, body: `${JSON.stringify(value, null, 1)}\n` };
}

/** Envoy's Utility::queryParam: present, even with an empty value (`?usedonly`). */
export function hasParam(query: URLSearchParams, name: string): boolean {
  return query.has(name);
}

/** `host:port`, bracketing IPv6 as Envoy's Address::asString(). */
export function addressString(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Envoy's core.v3.Address proto JSON for a socket address. */
export function socketAddress(address: string, port: number): Record<string, unknown> {
  return { socket_address: { address, port_value: port } };
}
