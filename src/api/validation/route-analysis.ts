/**
 * The VirtualService warnings about rules that can never match (analyzeUnreachable*Rules in
 * validation.go): a rule after a catch-all rule, a match repeated from an earlier rule, and an
 * HTTP prefix match already covered by an earlier, shorter prefix with the same other conditions.
 * istioctl analyze reports them as IST0130 VirtualServiceUnreachableRule and IST0131
 * VirtualServiceIneffectiveMatch.
 */
import type { FieldPath } from '../resource/field-path.js';
import type { Findings } from './findings.js';
import { goQuote } from './go-format.js';
import { entries, list, num, obj, str, type Obj } from './spec.js';

type RouteKind = 'http' | 'tcp' | 'tls';

/** How a prefix-matching HTTP match is compared with later ones. */
interface PrefixMatch {
  readonly rule: number;
  readonly match: number;
  readonly routeStr: string;
  readonly matchStr: string;
  readonly prefix: string;
  readonly port: number;
  readonly method: string;
  readonly authority: string;
  readonly headers: ReadonlyMap<string, string>;
  readonly queryParams: ReadonlyMap<string, string>;
  readonly withoutHeaders: ReadonlyMap<string, string>;
}

export function analyzeUnreachableRules(f: Findings, kind: RouteKind, value: unknown): void {
  const routes = list(value);
  const unreachable = (rule: number, ruleStr: string, reason: string): void =>
    f.analysis(['spec', kind, rule], 'VirtualServiceUnreachableRule', `virtualService rule ${ruleStr} not used (${reason})`, [ruleStr, reason]);
  const ineffective = (path: FieldPath, ruleStr: string, matchStr: string, dupStr: string): void =>
    f.analysis(path, 'VirtualServiceIneffectiveMatch', `virtualService rule ${ruleStr} match ${matchStr} is not used (duplicate/overlapping match in rule ${dupStr})`, [ruleStr, matchStr, dupStr]);

  const seen = new Map<string, number>();
  let catchAll = -1;
  const prefixMatches: PrefixMatch[] = [];
  routes.forEach((raw, rule) => {
    const route = obj(raw);
    if (route === undefined) return;
    const matches = list(route.match);
    const ruleStr = routeName(kind, route, rule);
    if (matches.length === 0) {
      if (catchAll >= 0) unreachable(rule, ruleStr, 'only the last rule can have no matches');
      catchAll = rule;
      return;
    }
    let duplicates = 0;
    matches.forEach((m, matchIndex) => {
      if (catchAll >= 0) {
        unreachable(rule, ruleStr, 'route without matches defined before');
        return;
      }
      const key = canonicalMatch(kind, m);
      const dup = seen.get(key);
      if (dup !== undefined) {
        ineffective(['spec', kind, rule, 'match', matchIndex], ruleStr, requestName(kind, m, matchIndex), routeName(kind, obj(routes[dup]) ?? {}, dup));
        duplicates++;
        return;
      }
      seen.set(key, rule);
      if (kind === 'http') {
        const pm = prefixMatch(route, obj(m), rule, matchIndex);
        if (pm !== undefined) prefixMatches.push(pm);
      }
    });
    if (duplicates === matches.length) unreachable(rule, ruleStr, 'all matches used by prior rules');
  });

  for (let a = 0; a < prefixMatches.length; a++) {
    const earlier = prefixMatches[a] as PrefixMatch;
    for (let b = a + 1; b < prefixMatches.length; b++) {
      const later = prefixMatches[b] as PrefixMatch;
      if (later.prefix === earlier.prefix) continue; // reported above as a duplicate, or differs elsewhere
      if (!covers(earlier, later)) continue;
      ineffective(
        ['spec', 'http', later.rule, 'match', later.match],
        later.routeStr,
        `${later.matchStr} of prefix ${later.prefix}`,
        `${earlier.matchStr} of prefix ${earlier.prefix} on ${earlier.routeStr}`,
      );
    }
  }
}

function routeName(kind: RouteKind, route: Obj, index: number): string {
  const name = kind === 'http' ? str(route.name) : '';
  return name !== '' ? goQuote(name) : `#${index}`;
}

function requestName(kind: RouteKind, match: unknown, index: number): string {
  const name = kind === 'http' ? str(obj(match)?.name) : '';
  return name !== '' ? goQuote(name) : `#${index}`;
}

/**
 * A match as a comparable string, like Istio's asJSON: the HTTP match name left out, zero values
 * left out (Go's omitempty), keys sorted.
 */
function canonicalMatch(kind: RouteKind, match: unknown): string {
  const m = obj(match);
  if (m === undefined) return 'null';
  if (kind !== 'http') return JSON.stringify(canonical(m));
  const { name: _name, ...rest } = m;
  return JSON.stringify(canonical(rest));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  const o = obj(value);
  if (o === undefined) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(o).sort()) {
    const v = o[key];
    if (v === undefined || v === null || v === '' || v === 0 || v === false || (Array.isArray(v) && v.length === 0)) continue;
    out[key] = canonical(v);
  }
  return out;
}

/** Istio's assignExactOrPrefix: `exact:v`, `prefix:v`, or '' for other kinds of match. */
function exactOrPrefix(value: unknown): string {
  const m = obj(value);
  const exact = str(m?.exact);
  if (exact !== '') return `exact:${exact}`;
  const prefix = str(m?.prefix);
  return prefix !== '' ? `prefix:${prefix}` : '';
}

function matchMap(value: unknown): Map<string, string> {
  return new Map(entries(value).map(([k, v]) => [k, exactOrPrefix(v)]));
}

/** genMatchHTTPRoutes: only matches on a non-empty URI prefix take part. */
function prefixMatch(route: Obj, match: Obj | undefined, rule: number, matchIndex: number): PrefixMatch | undefined {
  if (match === undefined) return undefined;
  const prefix = str(obj(match.uri)?.prefix);
  if (prefix === '') return undefined;
  return {
    rule,
    match: matchIndex,
    routeStr: routeName('http', route, rule),
    matchStr: requestName('http', match, matchIndex),
    prefix,
    port: num(match.port),
    // A match without a method is treated as GET.
    method: exactOrPrefix(match.method) || 'exact:GET',
    authority: exactOrPrefix(match.authority),
    headers: matchMap(match.headers),
    queryParams: matchMap(match.queryParams),
    withoutHeaders: matchMap(match.withoutHeaders),
  };
}

/** coveredValidation: everything `later` matches, `earlier` matches too. */
function covers(earlier: PrefixMatch, later: PrefixMatch): boolean {
  if (!later.prefix.startsWith(earlier.prefix)) return false;
  if (later.port !== earlier.port) return false;
  if (earlier.method !== later.method && !earlier.method.startsWith(later.method)) return false;
  if (earlier.authority !== later.authority && !earlier.authority.startsWith(later.authority)) return false;
  return mapCovers(earlier.headers, later.headers) && mapCovers(earlier.queryParams, later.queryParams) && mapCovers(earlier.withoutHeaders, later.withoutHeaders);
}

function mapCovers(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const other = b.get(k);
    if (other === undefined) return false;
    if (v !== other && !v.startsWith(other)) return false;
  }
  return true;
}
