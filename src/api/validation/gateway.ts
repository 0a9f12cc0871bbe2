/**
 * ValidateGateway (networking.istio.io Gateway): a DNS-label name, at least one server, and per
 * server: hosts in `namespace/host` form, port number/protocol/name, bind address, TLS settings
 * that fit the protocol, unique port names, httpsRedirect on HTTP servers only.
 */
import type { FieldPath } from '../resource/field-path.js';
import type { LoadedResource } from '../yaml/load-yaml.js';
import { Findings } from './findings.js';
import { goQuote } from './go-format.js';
import { validateIPAddress, validateNamespaceSlashWildcardHostname, validateUnixAddress } from './hosts.js';
import { isDNS1123Label } from './labels.js';
import { formatPortProto, isHTTPProtocol, isTLSProtocol, parseProtocol, validatePort } from './ports.js';
import { serverTLSMode, validateServerTLS } from './server-tls.js';
import { bool, list, num, obj, str, strings, type Obj } from './spec.js';

const UNIX_PREFIX = 'unix://';

export function validateGateway(loaded: LoadedResource): Findings {
  const f = new Findings();
  const name = loaded.resource.metadata.name ?? '';
  if (!isDNS1123Label(name)) f.error(['metadata', 'name'], `invalid gateway name: ${goQuote(name)}`);
  const spec = obj(loaded.resource.spec) ?? {};
  const servers = list(spec.servers);
  if (servers.length === 0) f.error(['spec', 'servers'], 'gateway must have at least one server');
  servers.forEach((raw, i) => validateServer(f, ['spec', 'servers', i], obj(raw)));
  const portNames = new Set<string>();
  servers.forEach((raw, i) => {
    const server = obj(raw);
    if (server === undefined) {
      f.error(['spec', 'servers', i], 'server may not be nil');
      return;
    }
    const port = obj(server.port);
    if (port === undefined) return;
    const portName = str(port.name);
    if (portNames.has(portName)) f.error(['spec', 'servers', i, 'port', 'name'], `port names in servers must be unique: duplicate name ${portName}`);
    portNames.add(portName);
    if (!isHTTPProtocol(parseProtocol(str(port.protocol))) && bool(obj(server.tls)?.httpsRedirect)) {
      f.warn(['spec', 'servers', i, 'tls', 'httpsRedirect'], 'tls.httpsRedirect should only be used with http servers');
    }
  });
  return f;
}

function validateServer(f: Findings, path: FieldPath, server: Obj | undefined): void {
  if (server === undefined) {
    f.error(path, 'cannot have nil server');
    return;
  }
  const hosts = strings(server.hosts);
  if (hosts.length === 0) f.error([...path, 'hosts'], 'server config must contain at least one host');
  hosts.forEach((host, i) => f.error([...path, 'hosts', i], validateNamespaceSlashWildcardHostname(host, true)));
  const bind = str(server.bind);
  const portOk = validateServerPort(f, [...path, 'port'], obj(server.port), bind);
  validateServerBind(f, [...path, 'bind'], obj(server.port), bind);
  validateServerTLS(f, [...path, 'tls'], server.tls);
  const port = obj(server.port);
  if (!portOk || port === undefined) return;
  const protocol = parseProtocol(str(port.protocol));
  const tls = obj(server.tls);
  if (isTLSProtocol(protocol) && tls === undefined) {
    f.error(path, 'server must have TLS settings for HTTPS/TLS protocols');
  } else if (!isTLSProtocol(protocol) && tls !== undefined) {
    // A plain HTTP server may only carry httpsRedirect (its mode then stays PASSTHROUGH).
    if (isHTTPProtocol(protocol)) {
      const passthrough = ['PASSTHROUGH', 'AUTO_PASSTHROUGH'].includes(serverTLSMode(tls));
      if (!passthrough || str(tls.caCertificates) !== '' || str(tls.privateKey) !== '' || str(tls.serverCertificate) !== '') {
        f.error([...path, 'tls'], 'server cannot have TLS settings for plain text HTTP ports');
      }
    } else {
      f.error([...path, 'tls'], 'server cannot have TLS settings for non HTTPS/TLS ports');
    }
  }
}

/** validateServerPort; true when the port had no error (Istio then checks TLS against the protocol). */
function validateServerPort(f: Findings, path: FieldPath, port: Obj | undefined, bind: string): boolean {
  if (port === undefined) {
    f.error(path, 'port is required');
    return false;
  }
  const errors: [FieldPath, string | undefined][] = [];
  const protocol = str(port.protocol);
  if (parseProtocol(protocol) === 'UnsupportedProtocol') {
    errors.push([[...path, 'protocol'], `invalid protocol ${goQuote(protocol)}, supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP`]);
  }
  // A server bound to a unix socket has port number 0.
  const number = num(port.number);
  if (number > 0 || !bind.startsWith(UNIX_PREFIX)) errors.push([[...path, 'number'], validatePort(number)]);
  if (num(port.targetPort) > 0) errors.push([[...path, 'targetPort'], 'targetPort has no impact on Gateways']);
  if (str(port.name) === '') errors.push([path, `port name must be set: ${formatPortProto(port)}`]);
  for (const [p, message] of errors) f.error(p, message);
  return errors.every(([, message]) => message === undefined);
}

function validateServerBind(f: Findings, path: FieldPath, port: Obj | undefined, bind: string): void {
  if (bind.startsWith(UNIX_PREFIX)) {
    f.error(path, validateUnixAddress(bind.slice(UNIX_PREFIX.length)));
    if (port !== undefined && num(port.number) !== 0) f.error(path, `port number must be 0 for unix domain socket: ${formatPortProto(port)}`);
  } else if (bind !== '') {
    f.error(path, validateIPAddress(bind));
  }
}
