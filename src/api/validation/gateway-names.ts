/**
 * validateGatewayNames: the `gateways` of a VirtualService and of its matches. `namespace/name`
 * is the form; a bare name (`mesh`, `my-gateway`) must be an FQDN-like name; `name.namespace` is
 * the legacy form, accepted with a warning.
 */
import type { FieldPath } from '../resource/field-path.js';
import type { Findings } from './findings.js';
import { goQuote } from './go-format.js';
import { validateFQDN } from './hosts.js';
import { isDNS1123Label } from './labels.js';
import { list, str } from './spec.js';

export function validateGatewayNames(f: Findings, path: FieldPath, value: unknown): void {
  const names = list(value);
  for (let i = 0; i < names.length; i++) {
    const name = str(names[i]);
    const p = [...path, i];
    const slash = name.indexOf('/');
    if (slash < 0) {
      if (name.includes('.')) {
        const parts = name.split('.');
        f.warn(p, `using legacy gatewayName format ${goQuote(name)}; prefer the <namespace>/<name> format: ${goQuote(`${parts[1] ?? ''}/${parts[0] ?? ''}`)}`);
      }
      f.error(p, validateFQDN(name));
      // Istio stops at the first name without a slash; the names after it are not checked.
      return;
    }
    const ns = name.slice(0, slash);
    const gw = name.slice(slash + 1);
    if (ns === '' || gw === '') f.error(p, 'config namespace and gateway name cannot be empty');
    if (!isDNS1123Label(ns)) f.error(p, `invalid value for namespace: ${goQuote(ns)}`);
    if (!isDNS1123Label(gw)) f.error(p, `invalid value for gateway name: ${goQuote(gw)}`);
  }
}
