/**
 * Istio's gateway.IngressGatewayPortAnalyzer: a Gateway whose selector matches no pod
 * (IST0101 `Referenced selector not found`), and a server port that no Service in front of the
 * selected pods exposes over TCP (IST0104), so no listener can receive its traffic. As in Istio,
 * `istio: ingressgateway` with no pod in the files stands for the system ingress gateway and its
 * default ports, so analyzing application files alone does not complain about it.
 */
import { selectorMatches } from '../../model/labels.js';
import { Messages } from '../problems/messages.js';
import { list, obj, selectorString, str, stringMap, type AnalysisContext } from './context.js';

/** The ports of the istio-ingressgateway Service Istio's install creates. */
const DEFAULT_INGRESS_GATEWAY_PORTS: readonly number[] = [80, 443, 31400, 15443];

export function analyzeGatewayPorts(ctx: AnalysisContext): void {
  const pods = ctx.resources('Pod', '').map((l) => l.resource);
  const services = ctx.resources('Service', '').map((l) => l.resource);
  for (const { resource: gw } of ctx.resources('Gateway', 'networking.istio.io')) {
    const spec = obj(gw.spec);
    const selector = stringMap(spec.selector);
    // An empty selector selects every pod; Istio only checks gateways that name one.
    if (Object.keys(selector).length === 0) continue;
    const selected = pods.filter((p) => selectorMatches(selector, p.metadata.labels ?? {}));
    const ports = new Set<number>();
    if (selected.length === 0) {
      const systemIngress = Object.keys(selector).length === 1 && selector.istio === 'ingressgateway';
      if (!systemIngress) {
        ctx.report(Messages.ReferencedResourceNotFound, ['selector', selectorString(selector)], gw, ['spec', 'selector']);
        continue;
      }
      for (const p of DEFAULT_INGRESS_GATEWAY_PORTS) ports.add(p);
    }
    for (const pod of selected) {
      for (const svc of services) {
        if (svc.metadata.namespace !== pod.metadata.namespace) continue;
        const svcSelector = stringMap(obj(svc.spec).selector);
        if (Object.keys(svcSelector).length === 0 || !selectorMatches(svcSelector, pod.metadata.labels ?? {})) continue;
        for (const p of list(obj(svc.spec).ports)) {
          const n = obj(p).port;
          const protocol = str(obj(p).protocol) === '' ? 'TCP' : str(obj(p).protocol);
          if (typeof n === 'number' && protocol === 'TCP') ports.add(n);
        }
      }
    }
    list(spec.servers).forEach((server, i) => {
      const n = obj(obj(server).port).number;
      if (typeof n === 'number' && !ports.has(n)) {
        ctx.report(Messages.GatewayPortNotOnWorkload, [selectorString(selector), n], gw, ['spec', 'servers', i, 'port']);
      }
    });
  }
}
