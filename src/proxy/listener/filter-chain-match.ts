/**
 * Filter chain selection by `FilterChainMatch`, as Envoy's FilterChainManagerImpl: nine criteria
 * in a fixed order, and at each step only the chains that match *most specifically* go on to the
 * next; there is no backtracking. See listener_components.proto (FilterChainMatch).
 */
import { ProxyConfigError, at } from '../config/config-error.js';
import { asArray, asEnum, asObject, asString, asStringList, asUint32, field, rejectUnsupported } from '../tls/config-fields.js';
import type { Json } from '../tls/config-fields.js';
import { ANY_RANGES, compileCidrRange, inRange, isLoopback, parseIp } from './cidr.js';
import type { CidrRange, IpFamily } from './cidr.js';

/** What listener filters and the socket know about a new connection. */
export interface ConnectionFacts {
  destinationIp: string;
  destinationPort: number;
  sourceIp: string;
  sourcePort: number;
  /** The peer address before proxy_protocol rewrote it; equals sourceIp without one. */
  directSourceIp: string;
  /** SNI from tls_inspector; '' when none. */
  serverName: string;
  /** 'tls' from tls_inspector; '' is read as Envoy's default 'raw_buffer'. */
  transportProtocol: string;
  /** ALPN from tls_inspector or the protocol from http_inspector, in the client's order. */
  applicationProtocols: readonly string[];
}

/** Index into `filter_chains`, the listener's `default_filter_chain`, or none (close the connection). */
export type FilterChainSelection = number | 'default' | null;

export interface FilterChainSelector {
  select(facts: ConnectionFacts): FilterChainSelection;
  /** Which inspector-provided facts any chain looks at: without them those chains cannot match. */
  readonly matchesOn: { readonly serverNames: boolean; readonly transportProtocol: boolean; readonly applicationProtocols: boolean };
}

const SOURCE_TYPES = ['ANY', 'SAME_IP_OR_LOOPBACK', 'EXTERNAL'] as const;
type SourceType = (typeof SOURCE_TYPES)[number];

interface CompiledMatch {
  readonly destinationPort: number; // 0: any
  readonly prefixRanges: readonly CidrRange[]; // empty: any
  readonly serverNamesExact: ReadonlySet<string>;
  readonly serverNameSuffixes: readonly string[]; // "*.example.com" is kept as ".example.com"
  readonly transportProtocol: string; // '': any
  readonly applicationProtocols: readonly string[];
  readonly directSourceRanges: readonly CidrRange[];
  readonly sourceType: SourceType;
  readonly sourceRanges: readonly CidrRange[];
  readonly sourcePorts: readonly number[];
  /** Per criterion, the keys this chain occupies, to find chains that could tie (Envoy rejects them). */
  readonly keys: readonly (readonly string[])[];
}

const MATCH_FIELDS = [
  'destination_port', 'prefix_ranges', 'address_suffix', 'suffix_len', 'direct_source_prefix_ranges', 'source_type',
  'source_prefix_ranges', 'source_ports', 'server_names', 'transport_protocol', 'application_protocols',
];

function compileRanges(value: unknown, path: string): CidrRange[] {
  return asArray(value, path).map((r, i) => compileCidrRange(asObject(r, `${path}[${i}]`) ?? {}, `${path}[${i}]`));
}

function compilePort(value: unknown, path: string): number {
  const port = asUint32(value, path) ?? 0;
  if (value !== undefined && (port < 1 || port > 65535)) throw new ProxyConfigError(path, `port ${port} is out of range 1-65535`);
  return port;
}

function rangeKeys(ranges: readonly CidrRange[]): string[] {
  return (ranges.length ? ranges : ANY_RANGES).map((r) => r.key);
}

function compileMatch(json: Json): CompiledMatch {
  rejectUnsupported(json, MATCH_FIELDS, '');
  if (field(json, 'address_suffix') || field(json, 'suffix_len') !== undefined) {
    throw new ProxyConfigError('address_suffix', 'filter chain match fields address_suffix and suffix_len are unimplemented (as in Envoy)');
  }
  const serverNames = asStringList(field(json, 'server_names'), 'server_names').map((n) => n.toLowerCase());
  serverNames.forEach((name, i) => {
    // Envoy: "partial wildcards are not supported"; "*" alone is not supported either.
    if (name.includes('*') && !(name.startsWith('*.') && !name.slice(1).includes('*'))) {
      throw new ProxyConfigError(`server_names[${i}]`, `partial wildcards are not supported in "server_names": ${JSON.stringify(name)}`);
    }
  });
  const sourcePorts = asArray(field(json, 'source_ports'), 'source_ports').map((p, i) => compilePort(p, `source_ports[${i}]`));
  const m = {
    destinationPort: compilePort(field(json, 'destination_port'), 'destination_port'),
    prefixRanges: compileRanges(field(json, 'prefix_ranges'), 'prefix_ranges'),
    serverNamesExact: new Set(serverNames.filter((n) => !n.startsWith('*.'))),
    serverNameSuffixes: serverNames.filter((n) => n.startsWith('*.')).map((n) => n.slice(1)),
    transportProtocol: asString(field(json, 'transport_protocol'), 'transport_protocol'),
    applicationProtocols: asStringList(field(json, 'application_protocols'), 'application_protocols'),
    directSourceRanges: compileRanges(field(json, 'direct_source_prefix_ranges'), 'direct_source_prefix_ranges'),
    sourceType: asEnum(field(json, 'source_type'), SOURCE_TYPES, 'source_type') ?? 'ANY',
    sourceRanges: compileRanges(field(json, 'source_prefix_ranges'), 'source_prefix_ranges'),
    sourcePorts,
  };
  const orAny = (list: readonly string[]): readonly string[] => (list.length ? list : ['']);
  const keys = [
    [String(m.destinationPort)], rangeKeys(m.prefixRanges), orAny(serverNames), [m.transportProtocol],
    orAny(m.applicationProtocols), rangeKeys(m.directSourceRanges), [m.sourceType], rangeKeys(m.sourceRanges),
    m.sourcePorts.length ? m.sourcePorts.map(String) : ['0'],
  ];
  return { ...m, keys };
}

const intersects = (a: readonly string[], b: readonly string[]): boolean => a.some((k) => b.includes(k));
const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((k) => b.includes(k));

/**
 * Two chains that share a key in every criterion would both survive all nine steps for some
 * connection; Envoy refuses such listeners, and so do we.
 */
function checkOverlaps(matches: readonly CompiledMatch[], names: readonly string[]): void {
  for (let j = 1; j < matches.length; j++) {
    for (let i = 0; i < j; i++) {
      const a = matches[i]!.keys;
      const b = matches[j]!.keys;
      if (!a.every((keys, d) => intersects(keys, b[d]!))) continue;
      const path = `filter_chains[${j}].filter_chain_match`;
      if (a.every((keys, d) => sameSet(keys, b[d]!))) {
        throw new ProxyConfigError(path, `filter chain '${names[j]}' has the same matching rules defined as '${names[i]}'`);
      }
      throw new ProxyConfigError(path, `multiple filter chains with overlapping matching rules are defined (filter_chains[${i}] and filter_chains[${j}])`);
    }
  }
}

function longestPrefix(ranges: readonly CidrRange[], family: IpFamily, words: Uint32Array): number {
  if (ranges.length === 0) return 0; // "any" ranks below every explicit range except /0
  let best = -1;
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i]!;
    if (r.prefixLen > best && inRange(r, family, words)) best = r.prefixLen;
  }
  return best;
}

const EXACT_NAME = 0x7fffffff;
const STEPS = 9;

/**
 * Compiles a Listener's `filter_chains[].filter_chain_match` (and notes `default_filter_chain`).
 * Throws ProxyConfigError for invalid or overlapping matches, with paths relative to the Listener.
 */
export function compileFilterChainSelector(listener: Json): FilterChainSelector {
  if (field(listener, 'filter_chain_matcher') !== undefined) {
    throw new ProxyConfigError('filter_chain_matcher', 'field is not supported by tsmesh proxy; use filter_chains[].filter_chain_match');
  }
  const chains = asArray(field(listener, 'filter_chains'), 'filter_chains');
  const hasDefault = asObject(field(listener, 'default_filter_chain'), 'default_filter_chain') !== undefined;
  if (chains.length === 0 && !hasDefault) throw new ProxyConfigError('filter_chains', 'no filter chains specified');
  const names: string[] = [];
  const matches = chains.map((c, i) => at(`filter_chains[${i}]`, () => {
    const chain = asObject(c, '') ?? {};
    names.push(asString(field(chain, 'name'), 'name') || `filter_chains[${i}]`);
    return at('filter_chain_match', () => compileMatch(asObject(field(chain, 'filter_chain_match'), '') ?? {}));
  }));
  checkOverlaps(matches, names);
  return new Selector(matches, hasDefault);
}

class Selector implements FilterChainSelector {
  readonly matchesOn: FilterChainSelector['matchesOn'];
  private readonly usesIps: boolean;
  // Scratch state reused by every select(): selection is synchronous, so one set per selector.
  private readonly dst = new Uint32Array(4);
  private readonly src = new Uint32Array(4);
  private readonly direct = new Uint32Array(4);
  private readonly candidates: Int32Array;
  private readonly scores: Int32Array;
  private dstFamily: IpFamily = 0;
  private srcFamily: IpFamily = 0;
  private directFamily: IpFamily = 0;

  constructor(private readonly matches: readonly CompiledMatch[], private readonly hasDefault: boolean) {
    this.candidates = new Int32Array(matches.length);
    this.scores = new Int32Array(matches.length);
    this.matchesOn = Object.freeze({
      serverNames: matches.some((m) => m.serverNamesExact.size + m.serverNameSuffixes.length > 0),
      transportProtocol: matches.some((m) => m.transportProtocol !== ''),
      applicationProtocols: matches.some((m) => m.applicationProtocols.length > 0),
    });
    this.usesIps = matches.some((m) => m.prefixRanges.length + m.directSourceRanges.length + m.sourceRanges.length > 0 || m.sourceType !== 'ANY');
  }

  select(facts: ConnectionFacts): FilterChainSelection {
    if (this.usesIps) {
      this.dstFamily = parseIp(facts.destinationIp, this.dst);
      this.srcFamily = parseIp(facts.sourceIp, this.src);
      this.directFamily = parseIp(facts.directSourceIp || facts.sourceIp, this.direct);
    }
    const serverName = facts.serverName.toLowerCase();
    let n = this.matches.length;
    for (let i = 0; i < n; i++) this.candidates[i] = i;
    for (let step = 0; step < STEPS && n > 0; step++) {
      let best = -1;
      for (let i = 0; i < n; i++) {
        const s = this.score(this.matches[this.candidates[i]!]!, step, facts, serverName);
        this.scores[i] = s;
        if (s > best) best = s;
      }
      let kept = 0;
      if (best >= 0) for (let i = 0; i < n; i++) if (this.scores[i] === best) this.candidates[kept++] = this.candidates[i]!;
      n = kept;
    }
    // checkOverlaps guarantees at most one survivor.
    if (n > 0) return this.candidates[0]!;
    return this.hasDefault ? 'default' : null;
  }

  /** How specifically chain `m` matches at `step`: -1 no match, 0 "any", higher is more specific. */
  private score(m: CompiledMatch, step: number, f: ConnectionFacts, serverName: string): number {
    switch (step) {
      case 0:
        return m.destinationPort === 0 ? 0 : m.destinationPort === f.destinationPort ? 1 : -1;
      case 1:
        return longestPrefix(m.prefixRanges, this.dstFamily, this.dst);
      case 2: {
        if (m.serverNamesExact.size === 0 && m.serverNameSuffixes.length === 0) return 0;
        if (m.serverNamesExact.has(serverName)) return EXACT_NAME;
        // "*.example.com" matches any name with at least one more label; longer suffixes win.
        let best = -1;
        for (const suffix of m.serverNameSuffixes) {
          if (suffix.length > best && suffix.length > 1 && serverName.length > suffix.length && serverName.endsWith(suffix)) best = suffix.length;
        }
        return best;
      }
      case 3:
        return m.transportProtocol === '' ? 0 : m.transportProtocol === (f.transportProtocol || 'raw_buffer') ? 1 : -1;
      case 4: {
        // Envoy walks the connection's protocols in order and takes the first one any chain lists.
        if (m.applicationProtocols.length === 0) return 0;
        const protos = f.applicationProtocols;
        for (let i = 0; i < protos.length; i++) if (m.applicationProtocols.includes(protos[i]!)) return protos.length - i;
        return -1;
      }
      case 5:
        return longestPrefix(m.directSourceRanges, this.directFamily, this.direct);
      case 6: {
        if (m.sourceType === 'ANY') return 0;
        const local = isLoopback(this.srcFamily, this.src) || (this.srcFamily === this.dstFamily && this.src.every((w, i) => w === this.dst[i]));
        return (m.sourceType === 'SAME_IP_OR_LOOPBACK') === local ? 1 : -1;
      }
      case 7:
        return longestPrefix(m.sourceRanges, this.srcFamily, this.src);
      default:
        return m.sourcePorts.length === 0 ? 0 : m.sourcePorts.includes(f.sourcePort) ? 1 : -1;
    }
  }
}
