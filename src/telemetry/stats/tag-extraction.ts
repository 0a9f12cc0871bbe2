/**
 * @module Envoy's stat tag extraction: turns `cluster.x.upstream_rq_503` into the metric family
 * `cluster.upstream_rq` with tags `envoy.response_code="503"`, `envoy.cluster_name="x"`.
 *
 * Two sources of tags, both evaluated once when a stat or scope is created, never per scrape:
 * 1. Scope tags: a scope named `cluster.<name>` (or `http.<prefix>`, `listener.<address>` …)
 *    knows exactly where its tag value ends, even when the value contains dots
 *    (`outbound|80||reviews.default.svc.cluster.local`), which Envoy's regexes cannot see.
 * 2. Regex extractors, Envoy's defaults (source/common/config/well_known_names.cc) plus the
 *    bootstrap's `stats_config.stats_tags`, run on the name with scope-tag values already removed.
 *
 * As in Envoy's TagProducerImpl: fixed tags first; then extractors without a name prefix
 * (`_rq_…`), then the prefixed ones in declaration order; the first extractor that matches
 * a tag name wins; group 1 of a regex is cut from the name, group 2 (or 1) is the value.
 */
import { ProxyConfigError } from '../../proxy/config/config-error.js';

export interface Tag {
  readonly name: string;
  readonly value: string;
}

/** Envoy's default tag names (TagNameValues). */
export const TAG_NAMES = {
  responseCode: 'envoy.response_code',
  responseCodeClass: 'envoy.response_code_class',
  clusterName: 'envoy.cluster_name',
  httpConnManagerPrefix: 'envoy.http_conn_manager_prefix',
  listenerAddress: 'envoy.listener_address',
  tcpPrefix: 'envoy.tcp_prefix',
  virtualHost: 'envoy.virtual_host',
  virtualCluster: 'envoy.virtual_cluster',
  faultDownstreamCluster: 'envoy.fault_downstream_cluster',
  ratelimitPrefix: 'envoy.ratelimit_prefix',
  rdsRouteConfig: 'envoy.rds_route_config',
  route: 'envoy.route',
} as const;

const TAG_VALUE = String.raw`[^.]+`;
const ADDRESS = String.raw`(?:(?:\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[[a-fA-F_\d]+\])_\d+)`;
/** An HCM stat prefix; Istio's carry an address (`inbound_0.0.0.0_8080`), so allow its dots. */
const HCM_PREFIX = String.raw`(?:[^.]*?${ADDRESS}|[^.]+)`;

/**
 * Envoy's defaults for the stats this proxy emits, in Envoy's order. Deviation: for
 * `envoy.cluster_name` we use Istio's bootstrap regex, which keeps `….svc.cluster.local`
 * cluster names whole (Envoy's default stops at the first dot); and the HCM prefix keeps an
 * embedded address. Stats created through scopes do not depend on either.
 */
const DEFAULT_SPECS: readonly { name: string; regex: string; negative?: string }[] = [
  { name: TAG_NAMES.responseCode, regex: String.raw`_rq(_(\d{3}))$` },
  { name: TAG_NAMES.responseCodeClass, regex: String.raw`_rq_((\d))xx$` },
  { name: TAG_NAMES.virtualCluster, regex: String.raw`^vhost\.${TAG_VALUE}\.vcluster\.((${TAG_VALUE})\.)` },
  { name: TAG_NAMES.faultDownstreamCluster, regex: String.raw`^http\.${HCM_PREFIX}\.fault\.((${TAG_VALUE})\.)` },
  { name: TAG_NAMES.tcpPrefix, regex: String.raw`^tcp\.((${TAG_VALUE})\.)` },
  { name: TAG_NAMES.ratelimitPrefix, regex: String.raw`^ratelimit\.((${TAG_VALUE})\.)` },
  { name: TAG_NAMES.clusterName, regex: String.raw`^cluster\.((.+?(\..+?\.svc\.cluster\.local)?)\.)` },
  { name: TAG_NAMES.httpConnManagerPrefix, regex: String.raw`^listener\..*?\.http\.((${HCM_PREFIX})\.)` },
  { name: TAG_NAMES.httpConnManagerPrefix, regex: String.raw`^http\.((${HCM_PREFIX})\.)` },
  { name: TAG_NAMES.listenerAddress, regex: String.raw`^listener\.((${ADDRESS}|${TAG_VALUE})\.)`, negative: 'admin' },
  { name: TAG_NAMES.virtualHost, regex: String.raw`^vhost\.((${TAG_VALUE})\.)` },
  { name: TAG_NAMES.rdsRouteConfig, regex: String.raw`^http\.${HCM_PREFIX}\.rds\.(([\w\-.]+)\.)\w+?$` },
  { name: TAG_NAMES.route, regex: String.raw`^vhost\.${TAG_VALUE}\.route\.((${TAG_VALUE})\.)` },
];

/**
 * Scopes whose name ends in a tag value: `<parent>.<token>.<value>`. `parent` is the reduced
 * (tag-free) prefix of the enclosing scope, so `listener.<addr>` then `http.<prefix>` works.
 */
const SCOPE_RULES: readonly { parent: string; token: string; name: string; negative?: string }[] = [
  { parent: 'listener', token: 'http', name: TAG_NAMES.httpConnManagerPrefix },
  { parent: '', token: 'cluster', name: TAG_NAMES.clusterName },
  { parent: '', token: 'http', name: TAG_NAMES.httpConnManagerPrefix },
  { parent: '', token: 'listener', name: TAG_NAMES.listenerAddress, negative: 'admin' },
  { parent: '', token: 'tcp', name: TAG_NAMES.tcpPrefix },
  { parent: '', token: 'vhost', name: TAG_NAMES.virtualHost },
  { parent: '', token: 'ratelimit', name: TAG_NAMES.ratelimitPrefix },
];

interface Extractor {
  readonly name: string;
  readonly regex: RegExp;
  readonly negative: string | undefined;
}

export interface ExtractedName {
  readonly tagExtractedName: string;
  readonly tags: readonly Tag[];
}

export interface ScopeTag {
  /** The scope's prefix with the tag value cut out (`cluster`, `listener.http`). */
  readonly reducedPrefix: string;
  readonly tag: Tag;
}

export class TagExtractor {
  readonly #extractors: readonly Extractor[];
  readonly #fixed: readonly Tag[];
  readonly #names: ReadonlySet<string>;

  constructor(extractors: readonly Extractor[], fixed: readonly Tag[]) {
    // Envoy runs extractors without a literal name prefix first (forEachExtractorMatching).
    const noPrefix = extractors.filter((e) => regexPrefix(e.regex.source) === '');
    const prefixed = extractors.filter((e) => regexPrefix(e.regex.source) !== '');
    this.#extractors = [...noPrefix, ...prefixed];
    this.#fixed = fixed;
    this.#names = new Set(extractors.map((e) => e.name));
  }

  /**
   * If a scope named `prefix` inside a scope with reduced prefix `parentReduced` ends in a tag
   * value (`cluster.<name>`), returns that tag; null otherwise or when `have` already has it.
   */
  scopeTag(parentReduced: string, prefix: string, have: readonly Tag[]): ScopeTag | null {
    const candidate = parentReduced ? `${parentReduced}.${prefix}` : prefix;
    for (const rule of SCOPE_RULES) {
      if (!this.#names.has(rule.name) || have.some((t) => t.name === rule.name)) continue;
      const base = rule.parent ? `${rule.parent}.${rule.token}` : rule.token;
      if (parentReduced !== rule.parent && parentReduced !== base) continue;
      if (!candidate.startsWith(`${base}.`)) continue;
      const value = candidate.slice(base.length + 1);
      if (value === '' || value === rule.negative) continue;
      return { reducedPrefix: base, tag: { name: rule.name, value } };
    }
    return null;
  }

  /** Tags for a stat whose name, with `scopeTags` values already cut out, is `reducedName`. */
  extract(reducedName: string, scopeTags: readonly Tag[] = []): ExtractedName {
    const tags: Tag[] = [...this.#fixed];
    const done = new Set<string>();
    const cuts: [number, number][] = [];
    for (const ex of this.#extractors) {
      if (done.has(ex.name)) continue;
      const given = scopeTags.find((t) => t.name === ex.name);
      if (given) {
        tags.push(given);
        done.add(ex.name);
        continue;
      }
      const m = ex.regex.exec(reducedName);
      if (!m || m[1] === undefined || !m.indices?.[1]) continue;
      const value = m.length > 2 && m[2] !== undefined ? m[2] : m[1];
      if (value === ex.negative) continue;
      tags.push({ name: ex.name, value });
      done.add(ex.name);
      cuts.push(m.indices[1]);
    }
    for (const t of scopeTags) if (!done.has(t.name)) tags.push(t);
    return { tagExtractedName: cutOut(reducedName, cuts), tags };
  }
}

/** Removes the (possibly overlapping) [start, end) ranges from `s`. */
function cutOut(s: string, cuts: [number, number][]): string {
  if (cuts.length === 0) return s;
  cuts.sort((a, b) => a[0] - b[0]);
  let out = '';
  let pos = 0;
  for (const [start, end] of cuts) {
    if (start > pos) out += s.slice(pos, start);
    pos = Math.max(pos, end);
  }
  return out + s.slice(pos);
}

/** Envoy's TagExtractorImplBase::extractRegexPrefix: `^cluster\.` → "cluster". */
function regexPrefix(regex: string): string {
  if (!regex.startsWith('^')) return '';
  let i = 1;
  while (i < regex.length && /[A-Za-z0-9_]/.test(regex[i]!)) i++;
  if (i === 1) return '';
  const rest = regex.slice(i);
  return rest.startsWith('\\.') || rest.startsWith('(?=\\.)') ? regex.slice(1, i) : '';
}

function compile(name: string, source: string, negative?: string): Extractor {
  // std::regex (ECMAScript grammar) accepts POSIX classes inside brackets; JS does not.
  const js = source.replaceAll('[:digit:]', '0-9').replaceAll('[:alpha:]', 'A-Za-z').replaceAll('[:alnum:]', 'A-Za-z0-9');
  return { name, regex: new RegExp(js, 'd'), negative };
}

/** Bootstrap `stats_config` fields that shape tag extraction (proto3 JSON, snake or camel case). */
export interface StatsTagsConfig {
  stats_tags?: { tag_name?: string; tagName?: string; regex?: string; fixed_value?: string; fixedValue?: string }[];
  statsTags?: StatsTagsConfig['stats_tags'];
  use_all_default_tags?: boolean;
  useAllDefaultTags?: boolean;
}

/**
 * Builds the extractor from `stats_config` as Envoy's TagProducerImpl does: custom tags first
 * (a name with neither regex nor fixed_value selects the default regex of that name), then all
 * defaults not already named unless `use_all_default_tags` is false. Throws ProxyConfigError
 * with paths relative to `stats_config`.
 */
export function createTagExtractor(config: StatsTagsConfig = {}): TagExtractor {
  const specs = config.stats_tags ?? config.statsTags ?? [];
  const useDefaults = config.use_all_default_tags ?? config.useAllDefaultTags ?? true;
  const extractors: Extractor[] = [];
  const fixed: Tag[] = [];
  const named = new Set<string>();
  specs.forEach((spec, i) => {
    const name = spec.tag_name ?? spec.tagName ?? '';
    if (!name) throw new ProxyConfigError(`stats_tags[${i}].tag_name`, 'must be non-empty');
    named.add(name);
    const fixedValue = spec.fixed_value ?? spec.fixedValue;
    if (fixedValue !== undefined && spec.regex) {
      throw new ProxyConfigError(`stats_tags[${i}]`, 'only one of regex and fixed_value may be set');
    }
    if (fixedValue !== undefined) {
      fixed.push({ name, value: fixedValue });
    } else if (spec.regex) {
      try {
        extractors.push(compile(name, spec.regex));
      } catch (err) {
        throw new ProxyConfigError(`stats_tags[${i}].regex`, `invalid regex: ${(err as Error).message}`);
      }
    } else {
      const defaults = DEFAULT_SPECS.filter((d) => d.name === name);
      if (defaults.length === 0) {
        throw new ProxyConfigError(`stats_tags[${i}]`, `no regex for tag "${name}" and it is not a default tag`);
      }
      for (const d of defaults) extractors.push(compile(d.name, d.regex, d.negative));
    }
  });
  if (useDefaults) {
    for (const d of DEFAULT_SPECS) if (!named.has(d.name)) extractors.push(compile(d.name, d.regex, d.negative));
  }
  return new TagExtractor(extractors, fixed);
}
