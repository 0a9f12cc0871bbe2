/**
 * IST0118: a Service port whose name (and appProtocol) names no protocol Istio knows, so Istio
 * falls back to protocol sniffing (Istio's service.PortNameAnalyzer). UDP and SCTP ports are
 * exempt, as kube.ConvertProtocol gives them their protocol outright.
 */
import { protocolOfServicePort } from '../../model/protocol.js';
import { Messages } from '../problems/messages.js';
import { list, obj, str, type AnalysisContext } from './context.js';

/** Namespaces Istio's analyzer skips (util.IsSystemNamespace). */
const SYSTEM_NAMESPACES: ReadonlySet<string> = new Set(['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage']);

export function analyzePortNames(ctx: AnalysisContext): void {
  for (const { resource: svc } of ctx.resources('Service', '')) {
    if (SYSTEM_NAMESPACES.has(svc.metadata.namespace ?? '')) continue;
    list(obj(svc.spec).ports).forEach((p, i) => {
      const port = obj(p);
      const proto = str(port.protocol).toUpperCase();
      if (proto === 'UDP' || proto === 'SCTP') return;
      const name = str(port.name);
      // grpc-web carries a dash inside the protocol name itself.
      if (name.toLowerCase().startsWith('grpc-web')) return;
      if (protocolOfServicePort(name, str(port.appProtocol)) !== 'UNSUPPORTED') return;
      const number = typeof port.port === 'number' ? port.port : 0;
      const target = port.targetPort === undefined ? String(number) : String(port.targetPort);
      ctx.report(Messages.PortNameIsNotUnderNamingConvention, [name, number, target], svc, ['spec', 'ports', i]);
    });
  }
}
