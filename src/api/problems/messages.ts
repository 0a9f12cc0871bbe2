import type { Severity } from './problem.js';

/**
 * One kind of message: its code, level and template, as Istio declares each analyzer message once
 * in pkg/config/analysis/msg/messages.yaml. Templates use Go's verbs because they are Istio's
 * text: %s and %v print the value, %q quotes it, %d prints a number, %t a boolean.
 */
export interface MessageType {
  readonly name: string;
  readonly code: string;
  readonly level: Severity;
  readonly description: string;
  readonly template: string;
}

function message(name: string, code: string, level: Severity, description: string, template: string): MessageType {
  return Object.freeze({ name, code, level, description, template });
}

/**
 * The messages tsmesh reports. IST codes keep Istio's name, level and wording so users can look
 * them up in Istio's docs; TSM codes cover what Istio reports without a code (a file that is not
 * YAML, a kind the API server does not serve).
 */
export const Messages = {
  InternalError: message('InternalError', 'IST0001', 'Error',
    'There was an internal error in the toolchain. This is almost always a bug in the implementation.',
    'Internal error: %v'),
  Deprecated: message('Deprecated', 'IST0002', 'Warning',
    'A feature that the configuration is depending on is now deprecated.', 'Deprecated: %s'),
  ReferencedResourceNotFound: message('ReferencedResourceNotFound', 'IST0101', 'Error',
    'A resource being referenced does not exist.', 'Referenced %s not found: %q'),
  NamespaceNotInjected: message('NamespaceNotInjected', 'IST0102', 'Info',
    'A namespace is not enabled for Istio injection.',
    "The namespace is not enabled for Istio injection. Run 'kubectl label namespace %s istio-injection=enabled' to enable it, or 'kubectl label namespace %s istio-injection=disabled' to explicitly mark it as not needing injection."),
  // Retired in current Istio, kept because `tsmesh analyze` checks gateway ports against workloads.
  GatewayPortNotOnWorkload: message('GatewayPortNotOnWorkload', 'IST0104', 'Warning',
    'Unhandled gateway port',
    'The gateway refers to a port that is not exposed on the workload (pod selector %s; port %d)'),
  SchemaValidationError: message('SchemaValidationError', 'IST0106', 'Error',
    'The resource has a schema validation error.', 'Schema validation error: %v'),
  UnknownAnnotation: message('UnknownAnnotation', 'IST0108', 'Warning',
    'An Istio annotation is not recognized for any kind of resource', 'Unknown annotation: %s'),
  ConflictingMeshGatewayVirtualServiceHosts: message('ConflictingMeshGatewayVirtualServiceHosts', 'IST0109', 'Error',
    'Conflicting hosts on VirtualServices associated with mesh gateway',
    'The VirtualServices %s associated with mesh gateway define the same host %s which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.'),
  PortNameIsNotUnderNamingConvention: message('PortNameIsNotUnderNamingConvention', 'IST0118', 'Info',
    'Port name is not under naming convention. Protocol detection is applied to the port.',
    "Port name %s (port: %d, targetPort: %s) doesn't follow the naming convention of Istio port."),
  InvalidRegexp: message('InvalidRegexp', 'IST0122', 'Warning', 'Invalid Regex',
    'Field %q regular expression invalid: %q (%s)'),
  NoServerCertificateVerificationDestinationLevel: message('NoServerCertificateVerificationDestinationLevel', 'IST0128', 'Warning',
    'No caCertificates are set in DestinationRule, this results in no verification of presented server certificate.',
    'DestinationRule %s in namespace %s has TLS mode set to %s but no caCertificates are set to validate server identity for host: %s'),
  NoServerCertificateVerificationPortLevel: message('NoServerCertificateVerificationPortLevel', 'IST0129', 'Warning',
    'No caCertificates are set in DestinationRule, this results in no verification of presented server certificate for traffic to a given port.',
    'DestinationRule %s in namespace %s has TLS mode set to %s but no caCertificates are set to validate server identity for host: %s at port %s'),
  VirtualServiceUnreachableRule: message('VirtualServiceUnreachableRule', 'IST0130', 'Warning',
    'A VirtualService rule will never be used because a previous rule uses the same match.',
    'VirtualService rule %v not used (%s).'),
  VirtualServiceIneffectiveMatch: message('VirtualServiceIneffectiveMatch', 'IST0131', 'Info',
    'A VirtualService rule match duplicates a match in a previous rule.',
    'VirtualService rule %v match %v is not used (duplicate/overlapping match in rule %v).'),
  VirtualServiceHostNotFoundInGateway: message('VirtualServiceHostNotFoundInGateway', 'IST0132', 'Warning',
    'Host defined in VirtualService not found in Gateway.',
    'one or more host %v defined in VirtualService %s not found in Gateway %s.'),
  SchemaWarning: message('SchemaWarning', 'IST0133', 'Warning',
    'The resource has a schema validation warning.', 'Schema validation warning: %v'),
  ConflictingGateways: message('ConflictingGateways', 'IST0145', 'Error',
    'Gateway should not have the same selector, port and matched hosts of server',
    'Conflict with gateways %s (workload selector %s, port %s, hosts %v).'),
  YamlSyntaxError: message('YamlSyntaxError', 'TSM0001', 'Error',
    'A file could not be parsed as YAML or JSON; the document is skipped.', 'YAML syntax error: %s'),
  UnknownKind: message('UnknownKind', 'TSM0002', 'Error',
    'A document names a kind, or a version of a kind, that tsmesh does not serve; it is refused as a Kubernetes API server refuses it.',
    'no matches for kind %q in version %q%s'),
  InvalidDocument: message('InvalidDocument', 'TSM0003', 'Error',
    'A YAML document is not a resource (not a mapping, or a List whose items are not resources).',
    'invalid document: %s'),
} as const satisfies Record<string, MessageType>;

/**
 * Renders a Go-style template with the verbs Istio's messages use. Lists print as Go prints a
 * slice (`[a b]`); %q quotes like Go's strconv.Quote for the strings these messages carry.
 */
export function renderTemplate(template: string, args: readonly unknown[]): string {
  let next = 0;
  return template.replace(/%([svqdt%])/g, (_match, verb: string) => {
    if (verb === '%') return '%';
    const arg = args[next++];
    if (verb === 'q') return JSON.stringify(String(arg));
    return goValue(arg);
  });
}

function goValue(arg: unknown): string {
  if (Array.isArray(arg)) return `[${arg.map(goValue).join(' ')}]`;
  if (arg instanceof Error) return arg.message;
  return String(arg);
}
