/**
 * Port and protocol rules (pkg/config/validation, pkg/config/protocol): port numbers, port names
 * (DNS-1123 labels) and the protocol names Istio knows. The protocol table is Istio's, kept here
 * rather than imported from src/model because api/ sits below model/ in the import order.
 */
import { isDNS1123Label } from './labels.js';

export type IstioProtocol =
  | 'TCP' | 'UDP' | 'GRPC' | 'GRPC-Web' | 'HTTP' | 'HTTP_PROXY' | 'HTTP2' | 'HTTPS' | 'TLS' | 'Mongo' | 'Redis' | 'MySQL'
  | 'UnsupportedProtocol';

const PROTOCOLS: ReadonlyMap<string, IstioProtocol> = new Map(
  (['TCP', 'UDP', 'GRPC', 'GRPC-Web', 'HTTP', 'HTTP_PROXY', 'HTTP2', 'HTTPS', 'TLS', 'Mongo', 'Redis', 'MySQL'] as const).map((p) => [p.toLowerCase(), p]),
);

/** protocol.Parse: case-insensitive; anything else (including '') is UnsupportedProtocol. */
export function parseProtocol(value: string): IstioProtocol {
  return PROTOCOLS.get(value.toLowerCase()) ?? 'UnsupportedProtocol';
}

export function isHTTPProtocol(p: IstioProtocol): boolean {
  return p === 'HTTP' || p === 'HTTP2' || p === 'HTTP_PROXY' || p === 'GRPC' || p === 'GRPC-Web';
}

export function isTLSProtocol(p: IstioProtocol): boolean {
  return p === 'HTTPS' || p === 'TLS';
}

export function isTCPProtocol(p: IstioProtocol): boolean {
  return p === 'TCP' || p === 'HTTPS' || p === 'TLS' || p === 'Mongo' || p === 'Redis' || p === 'MySQL';
}

/** agent.ValidatePort. */
export function validatePort(port: number): string | undefined {
  if (Number.isInteger(port) && port >= 1 && port <= 65535) return undefined;
  return `port number ${port} must be in the range 1..65535`;
}

/** ValidatePortName: a DNS-1123 label. */
export function validatePortName(name: string): string | undefined {
  return isDNS1123Label(name) ? undefined : `invalid port name: ${name}`;
}

/**
 * ValidateProtocol: empty is allowed (protocol sniffing). The newest validation.go we read
 * prefixes this message with a developer's tag ("jaellio2 "); the released text is used.
 */
export function validateProtocol(protocol: string): string | undefined {
  if (protocol !== '' && parseProtocol(protocol) === 'UnsupportedProtocol') return `unsupported protocol: ${protocol}`;
  return undefined;
}

/** A Port message as Go's %v prints a proto: `number:80 protocol:"HTTP" name:"http"`. */
export function formatPortProto(port: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  for (const key of ['number', 'protocol', 'name', 'targetPort']) {
    const v = port[key];
    if (v === undefined || v === null || v === '' || v === 0) continue;
    parts.push(`${key === 'targetPort' ? 'target_port' : key}:${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
  }
  return parts.join(' ');
}
