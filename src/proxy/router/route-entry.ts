/**
 * One Route of a virtual host, compiled: its matcher, its action (a discriminated union), and the
 * header mutations and per-filter configs it resolves to once its virtual host and route
 * configuration are layered in.
 */
import { ProxyConfigError } from '../config/config-error.js';
import { compileDirectResponse } from './direct-response.js';
import type { DirectResponseConfig, DirectResponseOptions } from './direct-response.js';
import { compileHeaderMutationLevel, orderLevels } from './header-mutation.js';
import type { HeaderMutationLevel, HeaderMutations } from './header-mutation.js';
import { mergePerFilterConfig } from './per-filter-config.js';
import type { PerFilterConfigs } from './per-filter-config.js';
import { compileRedirect } from './redirect.js';
import type { RedirectConfig } from './redirect.js';
import { compileRouteAction } from './route-action.js';
import type { ForwardAction, RouteActionContext } from './route-action.js';
import { compileRouteMatch } from './route-match.js';
import type { RouteMatcher } from './route-match.js';
import { join, oneOf, optBool, optList, optString, optStringList, optUint, readMessage } from './proto-json.js';
import type { Message } from './proto-json.js';

export type RouteActionConfig =
  | ForwardAction
  | { readonly kind: 'redirect'; readonly redirect: RedirectConfig }
  | ({ readonly kind: 'direct_response' } & DirectResponseConfig)
  /** The route matches but nothing is forwarded; for filters that answer themselves. */
  | { readonly kind: 'non_forwarding' };

export interface Decorator {
  readonly operation: string;
  readonly propagate: boolean;
}

export class CompiledRoute {
  constructor(
    /** Route.name, "" when unnamed. */
    readonly name: string,
    readonly match: RouteMatcher | null,
    readonly action: RouteActionConfig,
    readonly decorator: Decorator | null,
    /** Route.metadata as proto3 JSON, or null. */
    readonly metadata: unknown,
    /** Route, virtual-host and route-configuration levels in application order. */
    readonly requestMutations: HeaderMutations,
    readonly responseMutations: HeaderMutations,
    readonly perFilterConfigs: PerFilterConfigs,
    readonly perRequestBufferLimitBytes: number | null,
    /** Route.tracing as proto3 JSON (custom tags, sampling) for the tracing issue, or null. */
    readonly tracing: unknown,
    /** Route.stat_prefix (route-level stats), "" when unset. */
    readonly statPrefix: string,
  ) {}

  /** typed_per_filter_config for `filterName`, most specific level first (route > virtual host > route configuration). */
  perFilterConfig(filterName: string): unknown {
    return this.perFilterConfigs.get(filterName);
  }
}

/** Everything a route takes from its virtual host and route configuration. */
export interface RouteContext {
  readonly mostSpecificHeaderMutationsWins: boolean;
  /** The virtual host's and route configuration's levels, most specific first. */
  readonly requestLevels: readonly (HeaderMutationLevel | null)[];
  readonly responseLevels: readonly (HeaderMutationLevel | null)[];
  readonly perFilterConfigs: PerFilterConfigs;
  readonly retryPolicy: unknown;
  readonly hedgePolicy: unknown;
  readonly requestMirrorPolicies: readonly unknown[];
  readonly perRequestBufferLimitBytes: number | null;
  readonly directResponse: DirectResponseOptions;
  readonly checkCluster: (name: string, path: string) => void;
}

const ACTIONS = ['route', 'redirect', 'direct_response', 'filter_action', 'non_forwarding_action'] as const;

const FIELDS = [
  'name',
  'match',
  ...ACTIONS,
  'metadata',
  'decorator',
  'typed_per_filter_config',
  'request_headers_to_add',
  'request_headers_to_remove',
  'response_headers_to_add',
  'response_headers_to_remove',
  'tracing',
  'per_request_buffer_limit_bytes',
  'stat_prefix',
];

/** Compiles one level of request or response mutations of any message that carries them. */
export function compileMutationLevel(msg: Message, path: string, which: 'request' | 'response'): HeaderMutationLevel | null {
  return compileHeaderMutationLevel(
    optList(msg, `${which}_headers_to_add`, path),
    optStringList(msg, `${which}_headers_to_remove`, path),
    join(path, `${which}_headers_to_add`),
    join(path, `${which}_headers_to_remove`),
  );
}

/** Orders a route's own level with its parents' (given most specific first) per most_specific_header_mutations_wins. */
function layered(own: HeaderMutationLevel | null, parents: readonly (HeaderMutationLevel | null)[], mostSpecificWins: boolean): HeaderMutations {
  const mostSpecificFirst = [own, ...parents];
  return orderLevels(...(mostSpecificWins ? mostSpecificFirst.reverse() : mostSpecificFirst));
}

function compileDecorator(json: unknown, path: string): Decorator {
  const msg = readMessage(json, path, ['operation', 'propagate']);
  const operation = optString(msg, 'operation', path) ?? '';
  if (operation === '') throw new ProxyConfigError(`${path}.operation`, 'is required');
  return { operation, propagate: optBool(msg, 'propagate', path) ?? true };
}

export function compileRoute(json: unknown, path: string, ctx: RouteContext): CompiledRoute {
  const msg = readMessage(json, path, FIELDS);
  if (msg['match'] === undefined) throw new ProxyConfigError(`${path}.match`, 'is required');
  const match = compileRouteMatch(msg['match'], `${path}.match`);
  const requestMutations = layered(compileMutationLevel(msg, path, 'request'), ctx.requestLevels, ctx.mostSpecificHeaderMutationsWins);
  const responseMutations = layered(compileMutationLevel(msg, path, 'response'), ctx.responseLevels, ctx.mostSpecificHeaderMutationsWins);
  const perFilterConfigs = mergePerFilterConfig(ctx.perFilterConfigs, msg, path);

  const kind = oneOf(msg, path, ACTIONS);
  const at = `${path}.${kind ?? ''}`;
  let action: RouteActionConfig;
  switch (kind) {
    case undefined:
      throw new ProxyConfigError(path, 'one of route, redirect, direct_response or non_forwarding_action is required');
    case 'filter_action':
      throw new ProxyConfigError(at, 'is not supported by tsmesh');
    case 'route': {
      const actionCtx: RouteActionContext = { ...ctx, requestMutations, responseMutations, perFilterConfigs };
      action = compileRouteAction(msg[kind], at, actionCtx);
      break;
    }
    case 'redirect':
      action = { kind, redirect: compileRedirect(msg[kind], at) };
      break;
    case 'direct_response':
      action = { kind, ...compileDirectResponse(msg[kind], at, ctx.directResponse) };
      break;
    case 'non_forwarding_action':
      readMessage(msg[kind], at, []);
      action = { kind: 'non_forwarding' };
      break;
  }

  return new CompiledRoute(
    optString(msg, 'name', path) ?? '',
    match,
    action,
    msg['decorator'] === undefined ? null : compileDecorator(msg['decorator'], `${path}.decorator`),
    msg['metadata'] ?? null,
    requestMutations,
    responseMutations,
    perFilterConfigs,
    optUint(msg, 'per_request_buffer_limit_bytes', path) ?? ctx.perRequestBufferLimitBytes,
    msg['tracing'] ?? null,
    optString(msg, 'stat_prefix', path) ?? '',
  );
}
