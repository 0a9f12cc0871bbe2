/**
 * Per snapshot, what was built for one service under one DestinationRule for proxies of the same
 * attributes (proxy-class.ts proxyAttributesKey): the service's clusters and load assignments do
 * not depend on the proxy's namespace beyond which DestinationRule it resolves, so proxies of
 * every namespace share them (istiod's CDS/EDS cache keys carry the rule, not the namespace).
 */
import type { DestinationRule } from '../model/config-types.js';
import type { PushContext } from '../model/push-context.js';
import type { Service } from '../model/service.js';

const MEMOS = new WeakMap<PushContext, WeakMap<Service, Map<string, unknown>>>();

export function perServiceMemo<T>(push: PushContext, service: Service, dr: DestinationRule | undefined, key: string, build: () => T): T {
  let byService = MEMOS.get(push);
  if (byService === undefined) MEMOS.set(push, (byService = new WeakMap()));
  let entries = byService.get(service);
  if (entries === undefined) byService.set(service, (entries = new Map()));
  const full = `${dr === undefined ? '' : `${dr.metadata.namespace}/${dr.metadata.name}`}\n${key}`;
  if (entries.has(full)) return entries.get(full) as T;
  const value = build();
  entries.set(full, value);
  return value;
}
