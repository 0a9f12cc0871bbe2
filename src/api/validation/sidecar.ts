/**
 * ValidateSidecar: ingress listeners (port, bind, defaultEndpoint, TLS, connection pool), egress
 * listeners (one catch-all without a port, last; unique ports and sockets; `namespace/host`
 * hosts), and the outbound traffic policy's egress proxy.
 */
import type { FieldPath } from '../resource/field-path.js';
import type { LoadedResource } from '../yaml/load-yaml.js';
import { Findings } from './findings.js';
import { validateFQDN, validateIPAddress, validateNamespaceSlashWildcardHostname, validateUnixAddress } from './hosts.js';
import { validateDestination } from './http-route.js';
import { isHTTPProtocol, isTLSProtocol, parseProtocol, validatePort, validatePortName, validateProtocol } from './ports.js';
import { validateAlphaWorkloadSelector } from './selectors.js';
import { validateServerTLS } from './server-tls.js';
import { bool, enumValue, list, num, obj, str, strings, type Obj } from './spec.js';
import { validateConnectionPool } from './traffic-policy.js';

const UNIX_PREFIX = 'unix://';
const at = (path: FieldPath, ...rest: (string | number)[]): FieldPath => [...path, ...rest];

export function validateSidecar(loaded: LoadedResource): Findings {
  const f = new Findings();
  const spec = obj(loaded.resource.spec) ?? {};
  const namespace = loaded.resource.metadata.namespace ?? '';
  const selectorWarning = validateAlphaWorkloadSelector(f, ['spec', 'workloadSelector'], spec.workloadSelector);
  if (f.hasErrors) return f;
  if (selectorWarning !== undefined) f.warn(['spec', 'workloadSelector'], `sidecar: ${selectorWarning}, will be applied to all services in namespace`);
  const ingress = list(spec.ingress);
  const egress = list(spec.egress);
  if (ingress.length === 0 && egress.length === 0 && obj(spec.outboundTrafficPolicy) === undefined && obj(spec.inboundConnectionPool) === undefined) {
    f.error(['spec'], 'sidecar: empty configuration provided');
    return f;
  }
  validateIngress(f, ingress);
  validateConnectionPool(f, ['spec', 'inboundConnectionPool'], spec.inboundConnectionPool);
  validateEgress(f, egress, namespace);
  validateOutboundTrafficPolicy(f, ['spec', 'outboundTrafficPolicy'], spec.outboundTrafficPolicy);
  return f;
}

function validateIngress(f: Findings, ingress: readonly unknown[]): void {
  const ports = new Set<number>();
  ingress.forEach((raw, i) => {
    const path: FieldPath = ['spec', 'ingress', i];
    const listener = obj(raw);
    if (listener === undefined) {
      f.error(path, 'sidecar: ingress may not be null');
      return;
    }
    const port = obj(listener.port);
    if (port === undefined) {
      f.error(path, 'sidecar: port is required for ingress listeners');
      return;
    }
    if (num(port.targetPort) > 0) f.error(at(path, 'port', 'targetPort'), 'targetPort has no impact on Sidecars');
    validatePortAndBind(f, path, port, str(listener.bind));
    const number = num(port.number);
    if (ports.has(number)) f.error(at(path, 'port', 'number'), 'sidecar: ports on IP bound listeners must be unique');
    ports.add(number);
    validateDefaultEndpoint(f, at(path, 'defaultEndpoint'), str(listener.defaultEndpoint));
    const tls = obj(listener.tls);
    if (tls !== undefined) validateIngressTLS(f, at(path, 'tls'), tls, port);
    validateConnectionPool(f, at(path, 'connectionPool'), listener.connectionPool);
    if (obj(obj(listener.connectionPool)?.http) !== undefined && !isHTTPProtocol(parseProtocol(str(port.protocol)))) {
      f.warn(at(path, 'connectionPool', 'http'),
        `sidecar: HTTP connection pool settings are configured for port ${number} (${JSON.stringify(str(port.name))}) but its protocol is not HTTP (${str(port.protocol)}); only TCP settings will apply`);
    }
  });
}

/** validateSidecarIngressPortAndBind. */
function validatePortAndBind(f: Findings, path: FieldPath, port: Obj, bind: string): void {
  const name = str(port.name);
  if (name !== '') f.error(at(path, 'port', 'name'), validatePortName(name));
  f.error(at(path, 'port', 'protocol'), validateProtocol(str(port.protocol)));
  f.error(at(path, 'port', 'number'), validatePort(num(port.number)));
  if (bind !== '') f.error(at(path, 'bind'), validateIPAddress(bind));
}

/** `127.0.0.1:PORT`, `0.0.0.0:PORT`, `[::1]:PORT`, `[::]:PORT`, `:PORT` or `unix://PATH`. */
function validateDefaultEndpoint(f: Findings, path: FieldPath, endpoint: string): void {
  if (endpoint === '') return;
  if (endpoint.startsWith(UNIX_PREFIX)) {
    f.error(path, validateUnixAddress(endpoint.slice(UNIX_PREFIX.length)));
    return;
  }
  const split = splitHostPort(endpoint);
  if (typeof split === 'string') f.error(path, split);
  const { host, port } = typeof split === 'string' ? { host: '', port: '' } : split;
  if (host !== '' && !['127.0.0.1', '0.0.0.0', '::1', '::'].includes(host)) {
    f.error(path, 'sidecar: defaultEndpoint must be of form 127.0.0.1:<port>,0.0.0.0:<port>,[::1]:port,[::]:port,unix://filepath or unset');
  }
  if (!/^[+-]?\d+$/.test(port)) f.error(path, `sidecar: defaultEndpoint port (${port}) is not a number: strconv.Atoi: parsing ${JSON.stringify(port)}: invalid syntax`);
  else f.error(path, validatePort(Number(port)));
}

/** Go's net.SplitHostPort, for the cases a defaultEndpoint can hit. */
function splitHostPort(hostport: string): { host: string; port: string } | string {
  const colon = hostport.lastIndexOf(':');
  if (colon < 0) return `address ${hostport}: missing port in address`;
  if (hostport.startsWith('[')) {
    const end = hostport.indexOf(']');
    if (end < 0) return `address ${hostport}: missing ']' in address`;
    if (end + 1 !== colon) return `address ${hostport}: missing port in address`;
    return { host: hostport.slice(1, end), port: hostport.slice(colon + 1) };
  }
  const host = hostport.slice(0, colon);
  if (host.includes(':')) return `address ${hostport}: too many colons in address`;
  return { host, port: hostport.slice(colon + 1) };
}

function validateIngressTLS(f: Findings, path: FieldPath, tls: Obj, port: Obj): void {
  if (list(tls.subjectAltNames).length > 0) f.error(at(path, 'subjectAltNames'), 'sidecar: subjectAltNames is not supported in ingress tls');
  if (bool(tls.httpsRedirect)) f.error(at(path, 'httpsRedirect'), 'sidecar: httpsRedirect is not supported');
  if (str(tls.credentialName) !== '') f.error(at(path, 'credentialName'), 'sidecar: credentialName is not currently supported');
  if (list(tls.credentialNames).length > 0) f.error(at(path, 'credentialNames'), 'sidecar: credentialNames is not currently supported');
  if (list(tls.tlsCertificates).length > 0) f.error(at(path, 'tlsCertificates'), 'sidecar: tls_certificates is not currently supported');
  const mode = enumValue(tls.mode, 'PASSTHROUGH');
  if (mode === 'ISTIO_MUTUAL' || mode === 'AUTO_PASSTHROUGH') f.error(at(path, 'mode'), `configuration is invalid: cannot set mode to ${mode} in sidecar ingress tls`);
  if (!isTLSProtocol(parseProtocol(str(port.protocol)))) f.error(path, 'server cannot have TLS settings for non HTTPS/TLS ports');
  validateServerTLS(f, path, tls);
}

function validateEgress(f: Findings, egress: readonly unknown[], namespace: string): void {
  const ports = new Set<number>();
  const sockets = new Set<string>();
  let catchAllFound = false;
  egress.forEach((raw, index) => {
    const path: FieldPath = ['spec', 'egress', index];
    const listener = obj(raw);
    if (listener === undefined) {
      f.error(path, 'egress listener may not be null');
      return;
    }
    const port = obj(listener.port);
    if (port === undefined) {
      // One catch-all listener without a port is allowed, and it must come last.
      if (catchAllFound) {
        f.error(path, 'sidecar: egress can have only one listener with empty port');
        return;
      }
      if (index === egress.length - 1) catchAllFound = true;
      else f.error(path, 'sidecar: the egress listener with empty port should be the last listener in the list');
    } else {
      if (num(port.targetPort) > 0) f.error(at(path, 'port', 'targetPort'), 'targetPort has no impact on Sidecars');
      const bind = str(listener.bind);
      validateEgressPortBindAndCaptureMode(f, path, port, bind, enumValue(listener.captureMode, 'DEFAULT'));
      const number = num(port.number);
      if (number === 0) {
        if (sockets.has(bind)) f.error(at(path, 'bind'), 'sidecar: unix domain socket values for listeners must be unique');
        sockets.add(bind);
      } else {
        if (ports.has(number)) f.error(at(path, 'port', 'number'), 'sidecar: ports on IP bound listeners must be unique');
        ports.add(number);
      }
    }
    validateEgressHosts(f, at(path, 'hosts'), strings(listener.hosts), namespace);
  });
}

function validateEgressPortBindAndCaptureMode(f: Findings, path: FieldPath, port: Obj, bind: string, captureMode: string): void {
  const name = str(port.name);
  if (name !== '') f.error(at(path, 'port', 'name'), validatePortName(name));
  f.error(at(path, 'port', 'protocol'), validateProtocol(str(port.protocol)));
  if (num(port.number) === 0) {
    // Port 0 means a unix domain socket listener.
    if (!bind.startsWith(UNIX_PREFIX)) f.error(at(path, 'bind'), 'sidecar: ports with 0 value must have a unix domain socket bind address');
    else f.error(at(path, 'bind'), validateUnixAddress(bind.slice(UNIX_PREFIX.length)));
    if (captureMode !== 'DEFAULT' && captureMode !== 'NONE') f.error(at(path, 'captureMode'), 'sidecar: captureMode must be DEFAULT/NONE for unix domain socket listeners');
  } else {
    f.error(at(path, 'port', 'number'), validatePort(num(port.number)));
    if (bind !== '') f.error(at(path, 'bind'), validateIPAddress(bind));
  }
}

/** Hosts are `namespace/dnsName`; repeats, and other hosts beside the select-all host, are warnings. */
function validateEgressHosts(f: Findings, path: FieldPath, hosts: readonly string[], namespace: string): void {
  if (hosts.length === 0) {
    f.error(path, 'sidecar: egress listener must contain at least one host');
    return;
  }
  const byNamespace = new Map<string, Set<string>>();
  hosts.forEach((hostname, i) => {
    const slash = hostname.indexOf('/');
    if (slash >= 0) {
      const ns = hostname.slice(0, slash) === '.' ? namespace : hostname.slice(0, slash);
      const svc = hostname.slice(slash + 1);
      const svcs = byNamespace.get(ns) ?? new Set<string>();
      byNamespace.set(ns, svcs);
      if (svc !== '*' ? svcs.has(svc) || svcs.has('*') : svcs.size !== 0) f.warn([...path, i], `duplicated egress host: ${hostname}`);
      svcs.add(svc);
    }
    f.error([...path, i], validateNamespaceSlashWildcardHostname(hostname, false));
  });
  if (byNamespace.get('*')?.has('*') === true && byNamespace.size !== 1) {
    f.warn(path, '`*/*` host select all resources, no other hosts can be added');
  }
}

function validateOutboundTrafficPolicy(f: Findings, path: FieldPath, value: unknown): void {
  const policy = obj(value);
  if (policy === undefined) return;
  const egressProxy = obj(policy.egressProxy);
  if (egressProxy === undefined) return;
  if (enumValue(policy.mode, 'REGISTRY_ONLY') !== 'ALLOW_ANY') {
    f.error(at(path, 'egressProxy'), 'sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode');
    return;
  }
  f.error(at(path, 'egressProxy', 'host'), validateFQDN(str(egressProxy.host)));
  if (obj(egressProxy.port) === undefined) {
    f.error(at(path, 'egressProxy'), 'sidecar: egress_proxy port must be non-nil');
    return;
  }
  validateDestination(f, at(path, 'egressProxy'), egressProxy);
}
