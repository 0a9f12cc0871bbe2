/**
 * What the listener, route and cluster patchers share: the patch context a resource is built in,
 * the patches by applyTo, where warnings go, and Istio's list helpers (envoyfilter/util.go).
 */
import type { EnvoyJson } from '../generated.js';
import type { ApplyTo, CompiledPatch, PatchContext } from './envoy-filter-spec.js';
import { DEPRECATED_FILTER_NAMES } from './envoy-filter-spec.js';
import { cloneJson } from './proto-merge.js';

/** The context of one generated resource (never ANY). */
export type ResourceContext = Exclude<PatchContext, 'ANY'>;

export interface PatchRun {
  readonly patches: ReadonlyMap<ApplyTo, readonly CompiledPatch[]>;
  readonly warnings: string[];
}

export function patchesFor(run: PatchRun, applyTo: ApplyTo): readonly CompiledPatch[] {
  return run.patches.get(applyTo) ?? [];
}

/** commonConditionMatch: the patch's context is this one, or ANY (the default). */
export function contextMatches(ctx: ResourceContext, p: CompiledPatch): boolean {
  const c = p.match.context ?? 'ANY';
  return c === 'ANY' || c === ctx;
}

/** ADD of a whole listener or cluster without a context only adds for sidecar outbound and gateways. */
export function addAllowed(ctx: ResourceContext, p: CompiledPatch): boolean {
  if ((p.match.context ?? 'ANY') === 'ANY' && ctx !== 'SIDECAR_OUTBOUND' && ctx !== 'GATEWAY') return false;
  return contextMatches(ctx, p);
}

/** The patch's value, copied so later patches never write into the EnvoyFilter's own data. */
export function valueOf(p: CompiledPatch): EnvoyJson {
  return cloneJson(p.value ?? {});
}

/** A filter name as matches compare it: deprecated names mean their current ones. */
export function canonicalFilterName(name: string | undefined): string {
  if (name === undefined) return '';
  return DEPRECATED_FILTER_NAMES[name] ?? name;
}

/** Inserts `value` before the first element `matches`; false when none does. */
export function insertBefore<T>(list: T[], matches: (e: T) => boolean, value: () => T): boolean {
  const i = list.findIndex(matches);
  if (i < 0) return false;
  list.splice(i, 0, value());
  return true;
}

export function insertAfter<T>(list: T[], matches: (e: T) => boolean, value: () => T): boolean {
  const i = list.findIndex(matches);
  if (i < 0) return false;
  list.splice(i + 1, 0, value());
  return true;
}

/** Replaces the first element `matches`. */
export function replaceFirst<T>(list: T[], matches: (e: T) => boolean, value: () => T): boolean {
  const i = list.findIndex(matches);
  if (i < 0) return false;
  list[i] = value();
  return true;
}

export function removeAll<T>(list: T[], matches: (e: T) => boolean): T[] {
  return list.filter((e) => !matches(e));
}

/** Go's strconv.Atoi, 0 on error: how Istio reads ports out of resource names. */
export function atoi(s: string): number {
  return /^[+-]?\d+$/.test(s) ? Number(s) : 0;
}

/** model.ParseSubsetKey: `dir|port|subset|host` (or `outbound_.port_.subset_.host`), zeros when it is not one. */
export function parseSubsetKey(name: string): { direction: string; port: number; subset: string; hostname: string } {
  const sep = name.startsWith('outbound_.') || name.startsWith('inbound_.') ? '_.' : '|';
  const out = { direction: '', port: 0, subset: '', hostname: '' };
  const parts = name.split(sep);
  if (parts.length < 2) return out;
  out.direction = parts[0]!;
  if (parts.length < 3) return out;
  out.port = atoi(parts[1]!);
  if (parts.length < 4) return out;
  out.subset = parts[2]!;
  if (parts.length > 4) return out;
  out.hostname = parts[3]!;
  return out;
}
