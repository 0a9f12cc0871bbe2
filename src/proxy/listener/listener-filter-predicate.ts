/**
 * ListenerFilter.filter_disabled (envoy.config.listener.v3.ListenerFilterChainMatchPredicate): a
 * listener filter is skipped for connections the predicate matches. Istio turns http_inspector
 * off on virtualInbound for ports whose protocol is declared (sniffing would stall server-first
 * protocols). Matching uses the connection's local port after original_dst restored it, as
 * Envoy's ListenerFilterMatcher reads the socket's (restored) local address.
 */
import { ProxyConfigError, at } from '../config/config-error.js';

/** Compiled predicate: true = the filter is disabled for this destination port. */
export type PortPredicate = (port: number) => boolean;

const RULES = ['or_match', 'and_match', 'not_match', 'any_match', 'destination_port_range'] as const;

export function compilePortPredicate(json: unknown, path: string): PortPredicate {
  return at(path, () => compile(json));
}

function compile(json: unknown): PortPredicate {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new ProxyConfigError('', 'must be an object');
  const obj = json as Record<string, unknown>;
  const keys = Object.keys(obj).map((k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
  const set = keys.filter((k) => (RULES as readonly string[]).includes(k));
  const unknown = keys.find((k) => !(RULES as readonly string[]).includes(k));
  if (unknown !== undefined) throw new ProxyConfigError(unknown, 'field is not supported by tsmesh proxy');
  if (set.length !== 1) throw new ProxyConfigError('', `exactly one of ${RULES.join(', ')} must be set`);
  const rule = set[0]!;
  const value = obj[rule] ?? obj[rule.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())];
  switch (rule) {
    case 'any_match':
      if (value !== true) throw new ProxyConfigError('any_match', 'must be true');
      return () => true;
    case 'not_match': {
      const inner = at('not_match', () => compile(value));
      return (port) => !inner(port);
    }
    case 'or_match':
    case 'and_match': {
      const rules = at(rule, () => {
        const list = (value as Record<string, unknown> | null)?.['rules'];
        if (!Array.isArray(list) || list.length < 2) throw new ProxyConfigError('rules', 'needs at least 2 rules');
        return list.map((r, i) => at(`rules[${i}]`, () => compile(r)));
      });
      return rule === 'or_match' ? (port) => rules.some((r) => r(port)) : (port) => rules.every((r) => r(port));
    }
    default: {
      // type.v3.Int32Range: start inclusive, end exclusive.
      const range = at('destination_port_range', () => {
        const r = value as Record<string, unknown> | null;
        const start = Number(r?.['start'] ?? 0);
        const end = Number(r?.['end'] ?? 0);
        if (!Number.isInteger(start) || !Number.isInteger(end)) throw new ProxyConfigError('', 'start and end must be integers');
        if (end < start) throw new ProxyConfigError('end', 'must not be less than start');
        return { start, end };
      });
      return (port) => port >= range.start && port < range.end;
    }
  }
}
