/**
 * ValidateWorkloadEntry and ValidateWorkloadGroup, and validateWorkloadEntry as ServiceEntry
 * uses it for STATIC endpoints (where an address must be an IP or a unix socket, and each port
 * name must be one of the ServiceEntry's).
 */
import type { FieldPath } from '../resource/field-path.js';
import type { LoadedResource } from '../yaml/load-yaml.js';
import { Findings } from './findings.js';
import { validateProbeHeaderName } from './headers.js';
import { isValidIPAddress, validateFQDN, validateUnixAddress } from './hosts.js';
import { validateLabels } from './labels.js';
import { validatePort, validatePortName } from './ports.js';
import { entries, list, num, obj, str, type Obj } from './spec.js';

const UNIX_PREFIX = 'unix://';

/**
 * `servicePorts` is set when validating a ServiceEntry endpoint; `allowFQDN` is false for STATIC
 * resolution, where Envoy needs an IP.
 */
export function validateWorkloadEntrySpec(f: Findings, path: FieldPath, we: Obj, servicePorts: ReadonlySet<string> | undefined, allowFQDN: boolean): void {
  const address = str(we.address);
  if (address === '') {
    if (str(we.network) === '') {
      f.error(path, 'address is required');
      return;
    }
    f.warn([...path, 'network'], `address is unset with network ${JSON.stringify(str(we.network))}`);
  }
  const ports = entries(we.ports);
  const unix = address.startsWith(UNIX_PREFIX);
  if (unix) {
    f.error([...path, 'address'], validateUnixAddress(address.slice(UNIX_PREFIX.length)));
    if (ports.length !== 0) f.error([...path, 'ports'], `unix endpoint ${address} must not include ports`);
  } else if (address !== '' && !isValidIPAddress(address)) {
    // Without its ServiceEntry we cannot tell STATIC from DNS, so a WorkloadEntry may name a host.
    if (!allowFQDN) f.error([...path, 'address'], `endpoint address ${JSON.stringify(address)} is not a valid IP address`);
    else if (validateFQDN(address) !== undefined) f.error([...path, 'address'], `endpoint address ${JSON.stringify(address)} is not a valid FQDN or an IP address`);
  }
  for (const [name, port] of ports) {
    const p = [...path, 'ports', name];
    if (servicePorts !== undefined && !servicePorts.has(name)) f.error(p, `endpoint port ${num(port)} is not defined by the service entry`);
    f.error(p, validatePortName(name));
    f.error(p, validatePort(num(port)));
  }
  f.error([...path, 'labels'], validateLabels(entries(we.labels)));
  if (unix && servicePorts !== undefined && servicePorts.size !== 1) f.error([...path, 'address'], 'exactly 1 service port required for unix endpoints');
}

export function validateWorkloadEntry(loaded: LoadedResource): Findings {
  const f = new Findings();
  validateWorkloadEntrySpec(f, ['spec'], obj(loaded.resource.spec) ?? {}, undefined, true);
  return f;
}

export function validateWorkloadGroup(loaded: LoadedResource): Findings {
  const f = new Findings();
  const spec = obj(loaded.resource.spec) ?? {};
  // The template is not validated as a WorkloadEntry: address and the like are filled in per workload.
  if (obj(spec.template) === undefined) {
    f.error(['spec', 'template'], 'template is required');
    return f;
  }
  const labelErrs = validateLabels(entries(obj(spec.metadata)?.labels));
  if (labelErrs.length > 0) {
    f.error(['spec', 'metadata', 'labels'], `invalid labels: ${labelErrs.join('; ')}`);
    return f;
  }
  validateReadinessProbe(f, ['spec', 'probe'], spec.probe);
  return f;
}

function validateReadinessProbe(f: Findings, path: FieldPath, value: unknown): void {
  const probe = obj(value);
  if (probe === undefined) return;
  for (const key of ['periodSeconds', 'initialDelaySeconds', 'timeoutSeconds', 'successThreshold', 'failureThreshold']) {
    if (num(probe[key]) < 0) f.error([...path, key], `${key} must be non-negative`);
  }
  const httpGet = obj(probe.httpGet);
  const tcpSocket = obj(probe.tcpSocket);
  const exec = obj(probe.exec);
  if (httpGet !== undefined) {
    const p = [...path, 'httpGet'];
    f.error([...p, 'port'], validatePort(num(httpGet.port)));
    const scheme = str(httpGet.scheme);
    if (scheme !== '' && scheme !== 'HTTPS' && scheme !== 'HTTP') f.error([...p, 'scheme'], 'httpGet.scheme must be one of "HTTPS", "HTTP"');
    list(httpGet.httpHeaders).forEach((raw, i) => {
      const header = obj(raw);
      if (header === undefined) f.error([...p, 'httpHeaders', i], 'invalid nil header');
      else f.error([...p, 'httpHeaders', i, 'name'], validateProbeHeaderName(str(header.name)));
    });
  } else if (tcpSocket !== undefined) {
    f.error([...path, 'tcpSocket', 'port'], validatePort(num(tcpSocket.port)));
  } else if (exec !== undefined) {
    if (list(exec.command).length === 0) f.error([...path, 'exec', 'command'], 'exec.command is required');
  } else {
    f.error(path, 'unknown health check method <nil>');
  }
}
