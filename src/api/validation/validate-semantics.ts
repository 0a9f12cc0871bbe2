/**
 * Istio's semantic validation (the validation webhook, pkg/config/validation) for one resource
 * that has passed its schema: rules a CRD schema cannot express, such as "weights may not all be
 * zero", "a redirect excludes a route", "hosts must be FQDNs when DNS resolves them". Errors are
 * IST0106 SchemaValidationError and warnings IST0133 SchemaWarning, worded as the webhook words
 * them, which is how `istioctl analyze` reports them; the two unreachable-rule warnings keep their
 * own codes (IST0130, IST0131), as istioctl does.
 */
import { parseApiVersion } from '../kinds/kind.js';
import { Messages } from '../problems/messages.js';
import { problem, type Problem } from '../problems/problem.js';
import type { ResourceRef } from '../resource/resource.js';
import { siteOf, type LoadedResource } from '../yaml/load-yaml.js';
import { validateDestinationRule } from './destination-rule.js';
import { validateEnvoyFilter } from './envoy-filter.js';
import { Findings, type Finding } from './findings.js';
import { validateGateway } from './gateway.js';
import { validateAuthorizationPolicy, validatePeerAuthentication, validateRequestAuthentication } from './security.js';
import { validateServiceEntry } from './service-entry.js';
import { validateSidecar } from './sidecar.js';
import { validateTelemetry } from './telemetry.js';
import { validateVirtualService } from './virtual-service.js';
import { validateWasmPlugin } from './wasm-plugin.js';
import { validateWorkloadEntry, validateWorkloadGroup } from './workload-entry.js';

type Validator = (loaded: LoadedResource) => Findings;

/** Validators by `Kind.group`, for every version of the kind (the rules do not change by version). */
const VALIDATORS: Readonly<Record<string, Validator>> = {
  'VirtualService.networking.istio.io': validateVirtualService,
  'DestinationRule.networking.istio.io': validateDestinationRule,
  'Gateway.networking.istio.io': validateGateway,
  'ServiceEntry.networking.istio.io': validateServiceEntry,
  'WorkloadEntry.networking.istio.io': validateWorkloadEntry,
  'WorkloadGroup.networking.istio.io': validateWorkloadGroup,
  'Sidecar.networking.istio.io': validateSidecar,
  'EnvoyFilter.networking.istio.io': validateEnvoyFilter,
  'AuthorizationPolicy.security.istio.io': validateAuthorizationPolicy,
  'PeerAuthentication.security.istio.io': validatePeerAuthentication,
  'RequestAuthentication.security.istio.io': validateRequestAuthentication,
  'Telemetry.telemetry.istio.io': validateTelemetry,
  'WasmPlugin.extensions.istio.io': validateWasmPlugin,
};

// Annotations the webhook refuses on any Istio resource (pkg/config/constants).
const ALWAYS_REJECT = 'internal.istio.io/webhook-always-reject';
const DRY_RUN = 'istio.io/dry-run';

/**
 * The semantic problems of one resource, in file order. Kinds Istio's webhook does not validate
 * (Kubernetes kinds, Gateway API kinds and the like here) have none. Never throws:
 * a validator bug becomes an IST0001 internal error for this resource only.
 */
export function validateSemantics(loaded: LoadedResource, ref: ResourceRef): Problem[] {
  const { group } = parseApiVersion(loaded.resource.apiVersion);
  const validator = VALIDATORS[`${loaded.resource.kind}.${group}`];
  if (validator === undefined) return [];
  let findings: readonly Finding[];
  try {
    findings = validateMetadata(loaded) ?? validator(loaded).items;
  } catch (err) {
    return [problem(Messages.InternalError, [`semantic validation of ${loaded.resource.kind}: ${(err as Error).message}`], siteOf(loaded, [], ref))];
  }
  const problems = findings.map((finding) => toProblem(loaded, ref, finding));
  return problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
}

/** validateMetadata: annotations that refuse a resource before its spec is looked at. */
function validateMetadata(loaded: LoadedResource): readonly Finding[] | undefined {
  const { kind, metadata } = loaded.resource;
  const annotations = metadata.annotations ?? {};
  const f = new Findings();
  // Only AuthorizationPolicy supports dry-run; its own validator checks the value.
  if (annotations[DRY_RUN] !== undefined && kind !== 'AuthorizationPolicy') {
    f.error(['metadata', 'annotations', DRY_RUN], `${metadata.namespace ?? ''}/${metadata.name ?? ''} has unsupported annotation ${DRY_RUN}, please remove the annotation`);
  } else if (annotations[ALWAYS_REJECT] !== undefined) {
    f.error(['metadata', 'annotations', ALWAYS_REJECT], `${JSON.stringify(ALWAYS_REJECT)} annotation found, rejecting`);
  }
  return f.items.length > 0 ? f.items : undefined;
}

function toProblem(loaded: LoadedResource, ref: ResourceRef, finding: Finding): Problem {
  const site = siteOf(loaded, finding.path, ref);
  if (finding.analysis?.type === 'VirtualServiceUnreachableRule') return problem(Messages.VirtualServiceUnreachableRule, finding.analysis.params, site);
  if (finding.analysis?.type === 'VirtualServiceIneffectiveMatch') return problem(Messages.VirtualServiceIneffectiveMatch, finding.analysis.params, site);
  return problem(finding.level === 'Error' ? Messages.SchemaValidationError : Messages.SchemaWarning, [finding.message], site);
}
