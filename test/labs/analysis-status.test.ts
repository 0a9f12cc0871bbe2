/**
 * Istio's in-cluster analysis on the local mesh, through the CLI: `tsmesh install --set
 * values.global.istiod.enableAnalysis=true`, a VirtualService naming a gateway that does not exist,
 * and `tsmesh get virtualservice NAME -o yaml` showing IST0101 in its status, as
 * `kubectl get virtualservice NAME -o yaml` does against istiod with PILOT_ENABLE_ANALYSIS.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, LabShell } from './lab-shell.js';

const VS = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  gateways: [bogus-gateway]
  http:
  - route:
    - destination: { host: reviews }
`;

describe('local mesh: analyzer messages in status (values.global.istiod.enableAnalysis=true)', { concurrency: false }, () => {
  const sh = new LabShell();
  before(() => sh.ok(['install', '--set', 'profile=empty', '--set', 'values.global.istiod.enableAnalysis=true', '-y']));
  after(() => sh.close());

  test('a VirtualService naming a missing gateway shows IST0101 in `get -o yaml`; fixing it clears the messages', async () => {
    const file = join(sh.stateDir, '..', 'vs.yaml');
    writeFileSync(file, VS);
    await sh.ok(['apply', '-f', file]);
    let yaml = '';
    await eventually('IST0101 in the VirtualService status', async () => {
      yaml = await sh.ok(['get', 'virtualservice', 'reviews', '-o', 'yaml']);
      return yaml.includes('validationMessages');
    }, 10_000);
    // Keys sorted, as kubectl prints; one entry per message, and the profile has no reviews Service,
    // so the destination host is a second IST0101 (AnalysisMessageBase carries no message text).
    const entry = (code: string, name: string, level: string): string =>
      `  - documentationUrl: https://istio.io/latest/docs/reference/config/analysis/${code.toLowerCase()}/\n    level: ${level}\n    type:\n      code: ${code}\n      name: ${name}\n`;
    assert.equal(
      yaml.slice(yaml.indexOf('\nstatus:') + 1),
      'status:\n  observedGeneration: "1"\n  validationMessages:\n' +
        entry('IST0101', 'ReferencedResourceNotFound', 'ERROR').repeat(2) +
        entry('IST0132', 'VirtualServiceHostNotFoundInGateway', 'WARNING'),
    );

    // The fix: no gateway, and the Service the route names.
    writeFileSync(file, `${VS.replace('  gateways: [bogus-gateway]\n', '')}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: reviews\nspec:\n  ports: [{ name: http, port: 9080 }]\n`);
    await sh.ok(['apply', '-f', file]);
    await eventually('the messages cleared', async () => {
      yaml = await sh.ok(['get', 'virtualservice', 'reviews', '-o', 'yaml']);
      return !yaml.includes('validationMessages');
    }, 10_000);
    assert.equal(yaml.slice(yaml.indexOf('\nstatus:') + 1), 'status:\n  observedGeneration: "2"\n');
  });
});
