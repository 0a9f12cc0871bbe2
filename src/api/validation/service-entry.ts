/**
 * ValidateServiceEntry: hosts (no `*`, no partial wildcards, FQDNs when DNS resolution has no
 * endpoints), addresses (IPs or CIDRs, CIDRs only for NONE/STATIC), ports (unique names and
 * numbers), endpoints checked against the resolution, workloadSelector vs endpoints, exportTo.
 */
import type { LoadedResource } from '../yaml/load-yaml.js';
import { Findings } from './findings.js';
import { isValidIPAddress, validateFQDN, validateIPSubnet, validatePartialWildcard, validateWildcardDomain } from './hosts.js';
import { validateLabels } from './labels.js';
import { isHTTPProtocol, isTCPProtocol, isTLSProtocol, parseProtocol, validatePort, validatePortName, validateProtocol } from './ports.js';
import { validateAlphaWorkloadSelector, validateExportTo } from './selectors.js';
import { entries, enumValue, isList, list, num, obj, str, strings } from './spec.js';
import { validateWorkloadEntrySpec } from './workload-entry.js';

// The label that opts a ServiceEntry out of Istio's IP auto-allocation (on by default since 1.25).
const AUTOALLOCATE_LABEL = 'networking.istio.io/enable-autoallocate-ip';

export function validateServiceEntry(loaded: LoadedResource): Findings {
  const f = new Findings();
  const spec = obj(loaded.resource.spec) ?? {};
  const namespace = loaded.resource.metadata.namespace ?? '';
  const resolution = enumValue(spec.resolution, 'NONE');
  const hosts = strings(spec.hosts);
  const addresses = strings(spec.addresses);
  const endpoints = list(spec.endpoints);
  const hasSelector = obj(spec.workloadSelector) !== undefined;

  const before = f.hasErrors;
  const selectorWarning = validateAlphaWorkloadSelector(f, ['spec', 'workloadSelector'], spec.workloadSelector);
  // A bad selector is reported on its own, as Istio returns at once.
  if (!before && f.hasErrors) return f;
  if (selectorWarning !== undefined) f.warn(['spec', 'workloadSelector'], `service entry: ${selectorWarning}, will be applied to all services in namespace`);
  if (hasSelector && isList(spec.endpoints)) f.error(['spec', 'endpoints'], 'only one of WorkloadSelector or Endpoints is allowed in Service Entry');

  if (hosts.length === 0) f.error(['spec', 'hosts'], 'service entry must have at least one host');
  hosts.forEach((host, i) => {
    if (host === '*') {
      f.error(['spec', 'hosts', i], `invalid host ${host}`);
      return;
    }
    f.error(['spec', 'hosts', i], validateWildcardDomain(host));
    f.warn(['spec', 'hosts', i], validatePartialWildcard(host));
  });

  addresses.forEach((address, i) => f.error(['spec', 'addresses', i], validateIPSubnet(address)));
  if (addresses.some((a) => a.includes('/')) && resolution !== 'NONE' && resolution !== 'STATIC') {
    f.error(['spec', 'addresses'], 'CIDR addresses are allowed only for NONE/STATIC resolution types');
  }

  const labels = loaded.resource.metadata.labels ?? {};
  const autoAllocation = resolution !== 'NONE' && (labels[AUTOALLOCATE_LABEL] ?? '').toLowerCase() !== 'false' && addresses.length === 0;
  const portNames = new Set<string>();
  const portNumbers = new Set<number>();
  list(spec.ports).forEach((raw, i) => {
    const path = ['spec', 'ports', i];
    const port = obj(raw);
    if (port === undefined) {
      f.error(path, 'service entry port may not be null');
      return;
    }
    const name = str(port.name);
    const number = num(port.number);
    const protocol = str(port.protocol);
    if (portNames.has(name)) f.error([...path, 'name'], `service entry port name ${JSON.stringify(name)} already defined`);
    portNames.add(name);
    if (portNumbers.has(number)) f.error([...path, 'number'], `service entry port ${number} already defined`);
    portNumbers.add(number);
    if (num(port.targetPort) !== 0) f.error([...path, 'targetPort'], validatePort(num(port.targetPort)));
    if (addresses.length === 0 && !autoAllocation && (protocol === '' || protocol === 'TCP')) {
      f.warn(path, 'addresses are required for ports serving TCP (or unset) protocol when IP Autoallocation is not enabled');
    }
    f.error([...path, 'name'], validatePortName(name));
    f.error([...path, 'protocol'], validateProtocol(protocol));
    f.error([...path, 'number'], validatePort(number));
  });

  switch (resolution) {
    case 'NONE':
      if (endpoints.length !== 0) f.error(['spec', 'endpoints'], 'no endpoints should be provided for resolution type none');
      if (hasSelector) f.warn(['spec', 'workloadSelector'], 'workloadSelector should not be set when resolution mode is NONE');
      break;
    case 'STATIC':
      endpoints.forEach((raw, i) => {
        const endpoint = obj(raw);
        if (endpoint === undefined) f.error(['spec', 'endpoints', i], 'endpoint cannot be nil');
        else validateWorkloadEntrySpec(f, ['spec', 'endpoints', i], endpoint, portNames, false);
      });
      break;
    case 'DNS':
    case 'DNS_ROUND_ROBIN':
      validateDNSEndpoints(f, resolution, hosts, addresses, endpoints, portNames, list(spec.ports));
      break;
    default:
      f.error(['spec', 'resolution'], `unsupported resolution type ${resolution}`);
  }

  // With several hosts, plain TCP cannot tell them apart (HTTP has Host, TLS has SNI); NONE ignores hosts.
  if (resolution !== 'NONE' && hosts.length > 1) {
    for (const raw of list(spec.ports)) {
      const p = parseProtocol(str(obj(raw)?.protocol));
      if (!isHTTPProtocol(p) && !isTLSProtocol(p)) {
        f.error(['spec', 'hosts'], 'multiple hosts provided with non-HTTP, non-TLS ports');
        break;
      }
    }
  }
  validateExportTo(f, namespace, spec.exportTo, { serviceEntry: true });
  return f;
}

function validateDNSEndpoints(
  f: Findings,
  resolution: string,
  hosts: readonly string[],
  addresses: readonly string[],
  endpoints: readonly unknown[],
  portNames: ReadonlySet<string>,
  ports: readonly unknown[],
): void {
  if (endpoints.length === 0) {
    // Without endpoints the hosts themselves are resolved, so each must be a name DNS can look up.
    hosts.forEach((host, i) => {
      if (validateFQDN(host) !== undefined) f.error(['spec', 'hosts', i], `hosts must be FQDN if no endpoints are provided for resolution mode ${resolution}`);
    });
  }
  if (resolution === 'DNS_ROUND_ROBIN' && endpoints.length > 1) {
    f.error(['spec', 'endpoints'], `there must only be 0 or 1 endpoint for resolution mode ${resolution}`);
  }
  endpoints.forEach((raw, i) => {
    const path = ['spec', 'endpoints', i];
    const endpoint = obj(raw);
    if (endpoint === undefined) {
      f.error(path, 'endpoint cannot be nil');
      return;
    }
    const address = str(endpoint.address);
    if (!isValidIPAddress(address) && validateFQDN(address) !== undefined) {
      f.error([...path, 'address'], `endpoint address ${JSON.stringify(address)} is not a valid FQDN or an IP address`);
    }
    f.error([...path, 'labels'], validateLabels(entries(endpoint.labels)));
    for (const [name, port] of entries(endpoint.ports)) {
      const p = [...path, 'ports', name];
      if (!portNames.has(name)) f.error(p, `endpoint port ${num(port)} is not defined by the service entry`);
      f.error(p, validatePortName(name));
      f.error(p, validatePort(num(port)));
    }
  });
  if (addresses.length > 0 && hosts.length > 1) {
    for (const raw of ports) {
      if (obj(raw) === undefined) continue;
      if (isTCPProtocol(parseProtocol(str(obj(raw)?.protocol)))) {
        f.warn(['spec', 'hosts'], 'service entry can not have more than one host specified simultaneously with address and tcp port');
        break;
      }
    }
  }
}
