/**
 * What one connection has subscribed to for one type, and what became of the last response
 * (Istio's model.WatchedResource), plus the rule that decides whether a DiscoveryRequest gets a
 * response (Istio's shouldRespond, Envoy's xDS protocol "ACK/NACK and resource type instance
 * version"):
 *
 *   request                                   → kind            respond?
 *   error_detail set                          → nack            no  (record the message; keep serving)
 *   no response_nonce                         → initial         yes (new subscription or reconnect)
 *   nonce, but nothing sent on this stream    → initial         yes (nonce from a previous server)
 *   nonce ≠ last nonce sent                   → stale           no  (a newer response is on its way)
 *   nonce = last sent, same names             → ack             no
 *   nonce = last sent, other names            → ack-resubscribe yes (RDS/EDS names changed)
 */
import type { DiscoveryRequestJson } from '../ads-protocol.js';

export interface WatchedResource {
  readonly typeUrl: string;
  /**
   * Names asked for; empty means wildcard for LDS/CDS and "none" for the named types. Never
   * mutated: the list a request came with is kept as is (the server shares equal lists between
   * streams, and caches key on a list's identity).
   */
  names: readonly string[];
  /** Nonce and version_info of the last response sent ('' before the first). */
  nonceSent: string;
  versionSent: string;
  /** Nonce of the last response the proxy ACKed. */
  nonceAcked: string;
  versionAcked: string;
  /** Nonce of the last response the proxy NACKed, and its error_detail.message. */
  nonceNacked: string;
  lastError: string;
  /** Clock times (ms) of the last response sent and of the last ACK. */
  lastSendTime: number;
  lastAckTime: number;
}

export type RequestKind = 'initial' | 'ack' | 'ack-resubscribe' | 'nack' | 'stale';

export interface RequestDecision {
  kind: RequestKind;
  respond: boolean;
}

export function newWatchedResource(typeUrl: string, names: readonly string[]): WatchedResource {
  return {
    typeUrl, names, nonceSent: '', versionSent: '', nonceAcked: '', versionAcked: '', nonceNacked: '', lastError: '', lastSendTime: 0, lastAckTime: 0,
  };
}

/** Classifies `req` against the type's current state (undefined: never asked for on this stream). Pure. */
export function classifyRequest(watched: WatchedResource | undefined, req: DiscoveryRequestJson): RequestDecision {
  const nonce = req.response_nonce ?? '';
  if (req.error_detail !== undefined && nonce !== '') {
    return { kind: 'nack', respond: false };
  }
  if (nonce === '' || watched === undefined || watched.nonceSent === '') return { kind: 'initial', respond: true };
  if (nonce !== watched.nonceSent) return { kind: 'stale', respond: false };
  return sameNames(watched.names, req.resource_names ?? []) ? { kind: 'ack', respond: false } : { kind: 'ack-resubscribe', respond: true };
}

/**
 * Applies `req` to the type's state according to `decision` (at `now`, from the injected clock)
 * and returns the new state. NACKs of stale nonces are recorded too: Envoy rejected config we
 * sent, whichever response it was, and that is what operators need to see.
 */
export function applyRequest(watched: WatchedResource | undefined, req: DiscoveryRequestJson, decision: RequestDecision, now: number): WatchedResource {
  const typeUrl = req.type_url ?? '';
  const names = req.resource_names ?? [];
  const wr = watched ?? newWatchedResource(typeUrl, names);
  switch (decision.kind) {
    case 'nack':
      wr.nonceNacked = req.response_nonce ?? '';
      wr.lastError = req.error_detail?.message ?? '';
      break;
    case 'initial':
      wr.names = names;
      break;
    case 'ack':
    case 'ack-resubscribe':
      wr.nonceAcked = req.response_nonce ?? '';
      wr.versionAcked = req.version_info ?? '';
      wr.lastAckTime = now;
      wr.lastError = '';
      wr.nonceNacked = '';
      // A plain ACK names what is watched already: the list keeps its identity (caches key on it).
      if (decision.kind === 'ack-resubscribe') wr.names = names;
      break;
    case 'stale':
      break;
  }
  return wr;
}

/** Order-insensitive name comparison: Envoy may list the same subscription in any order. */
export function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  // Usually the very same order: compare in place before building a set.
  if (a.every((n, i) => n === b[i])) return true;
  const set = new Set(a);
  return b.every((n) => set.has(n));
}
