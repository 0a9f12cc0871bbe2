/**
 * IST0128 / IST0129: a DestinationRule originating TLS (SIMPLE or MUTUAL) with no caCertificates,
 * so the server's certificate is never verified (Istio's destinationrule.CaCertificateAnalyzer).
 * As in Istio, a credentialName only counts for a DestinationRule with a workloadSelector (the
 * secret is then read by the selected workloads), the rule is named `namespace/name`, and the port
 * prints as Go prints the PortSelector message (`number:8443`).
 */
import { Messages } from '../problems/messages.js';
import { list, obj, str, type AnalysisContext } from './context.js';

function unverified(tls: Record<string, unknown>, selected: boolean): string | undefined {
  const mode = str(tls.mode);
  if (mode !== 'SIMPLE' && mode !== 'MUTUAL') return undefined;
  if (str(tls.caCertificates) !== '' || (str(tls.credentialName) !== '' && selected)) return undefined;
  return mode;
}

export function analyzeCaCertificates(ctx: AnalysisContext): void {
  for (const { resource: dr } of ctx.resources('DestinationRule', 'networking.istio.io')) {
    const spec = obj(dr.spec);
    const policy = obj(spec.trafficPolicy);
    const ns = dr.metadata.namespace ?? '';
    const name = `${ns}/${dr.metadata.name ?? ''}`;
    const selected = spec.workloadSelector !== undefined;
    const host = str(spec.host);
    const mode = unverified(obj(policy.tls), selected);
    if (mode !== undefined) {
      ctx.report(Messages.NoServerCertificateVerificationDestinationLevel, [name, ns, mode, host], dr, ['spec', 'trafficPolicy', 'tls', 'mode']);
    }
    list(policy.portLevelSettings).forEach((pls, i) => {
      const settings = obj(pls);
      const portMode = unverified(obj(settings.tls), selected);
      if (portMode === undefined) return;
      const port = obj(settings.port).number;
      ctx.report(Messages.NoServerCertificateVerificationPortLevel, [name, ns, portMode, host, port === undefined ? '' : `number:${String(port)}`], dr,
        ['spec', 'trafficPolicy', 'portLevelSettings', i, 'tls', 'mode']);
    });
  }
}
