/**
 * IST0145: two Gateways selecting the same workload serve the same port number for the same host
 * (and bind address); the proxy builds one listener and one of them loses (Istio's
 * gateway.ConflictingGatewayAnalyzer). As in Istio, hosts conflict when written identically
 * (model.CheckDuplicates), each server of a Gateway reports its own conflicts, and selectors are the
 * same when their strings are equal or one contains the other and some pod matches both.
 */
import { selectorMatches } from '../../model/labels.js';
import { Messages } from '../problems/messages.js';
import { fullNameOf, list, obj, selectorString, str, stringMap, type AnalysisContext } from './context.js';

interface ServerEntry {
  readonly gateway: string;
  readonly selector: Record<string, string>;
  readonly selectorText: string;
  readonly port: string;
  /** host → bind, as Istio's gatewayHostsBind. */
  readonly hosts: ReadonlyMap<string, string>;
}

export function analyzeConflictingGateways(ctx: AnalysisContext): void {
  const pods = ctx.resources('Pod', '').map((l) => l.resource);
  const gateways = ctx.resources('Gateway', 'networking.istio.io').map((l) => l.resource);
  // Istio keys by selector~port then gateway name, so a gateway's later server on a port replaces its earlier one.
  const entries = new Map<string, ServerEntry>();
  for (const gw of gateways) {
    const selector = stringMap(obj(gw.spec).selector);
    for (const s of list(obj(gw.spec).servers)) {
      const server = obj(s);
      const port = String(obj(server.port).number ?? 0);
      const hosts = new Map(list(server.hosts).map((h) => [str(h), str(server.bind)] as const));
      const entry = { gateway: fullNameOf(gw), selector, selectorText: selectorString(selector), port, hosts };
      entries.set(`${entry.selectorText}~${port}~${entry.gateway}`, entry);
    }
  }
  const sameWorkload = (a: ServerEntry, sel: Record<string, string>, text: string): boolean => {
    if (a.selectorText === text) return true;
    if (!a.selectorText.includes(text) && !text.includes(a.selectorText)) return false;
    return pods.some((p) => selectorMatches(sel, p.metadata.labels ?? {}) && selectorMatches(a.selector, p.metadata.labels ?? {}));
  };
  for (const gw of gateways) {
    const name = fullNameOf(gw);
    const selector = stringMap(obj(gw.spec).selector);
    const text = selectorString(selector);
    list(obj(gw.spec).servers).forEach((s, i) => {
      const server = obj(s);
      const port = String(obj(server.port).number ?? 0);
      const hosts = list(server.hosts).map(str);
      const bind = str(server.bind);
      const conflicts: string[] = [];
      for (const other of entries.values()) {
        if (other.gateway === name || other.port !== port || !sameWorkload(other, selector, text)) continue;
        if (hosts.some((h) => other.hosts.has(h) && other.hosts.get(h) === bind)) conflicts.push(other.gateway);
      }
      if (conflicts.length === 0) return;
      conflicts.sort();
      ctx.report(Messages.ConflictingGateways, [conflicts.join(','), text, port, hosts.join(',')], gw, ['spec', 'servers', i]);
    });
  }
}
