import type { HeaderMap } from '../http/header-map.js';

/** The parts of a request that route selection reads. Pseudo-headers are fields here. */
export interface RouteRequest {
  readonly method: string;
  /** Host header or :authority, exactly as received (may include a port). */
  readonly authority: string;
  /** Path including the query string, after the connection manager's normalisation. */
  readonly path: string;
  /** "http" or "https" (x-forwarded-proto when trusted). */
  readonly scheme: string;
  readonly headers: HeaderMap;
  /** Downstream peer address (for source-IP hashing). */
  readonly sourceIp: string;
}
