/**
 * Listener conflicts within one Gateway (the Gateway API's Conflicted condition): listeners on
 * one port must speak compatible protocols and, for the same protocol, claim distinct hostnames.
 * Listeners keep their order of precedence: the earlier listener wins and the later one is
 * marked, as Istio does when merging listeners.
 */
import type { Listener } from './listener.js';

export type ConflictReason = 'ProtocolConflict' | 'HostnameConflict';

/** HTTPS and TLS listeners are told apart by SNI, so they may share a port; any other mix may not. */
function compatibleProtocols(a: string, b: string): boolean {
  if (a === b) return true;
  const sni = (p: string): boolean => p === 'HTTPS' || p === 'TLS';
  return sni(a) && sni(b);
}

/** Listener index → why it conflicts with an earlier listener. */
export function findListenerConflicts(listeners: readonly Listener[]): Map<number, ConflictReason> {
  const conflicts = new Map<number, ConflictReason>();
  const winners: Listener[] = [];
  listeners.forEach((l, i) => {
    let reason: ConflictReason | undefined;
    for (const w of winners) {
      if (w.port !== l.port) continue;
      if (!compatibleProtocols(w.protocol, l.protocol)) {
        reason = 'ProtocolConflict';
        break;
      }
      if ((w.hostname ?? '') === (l.hostname ?? '')) reason ??= 'HostnameConflict';
    }
    if (reason === undefined) winners.push(l);
    else conflicts.set(i, reason);
  });
  return conflicts;
}
