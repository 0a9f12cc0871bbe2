import type { UpstreamRequestSpec } from './upstream-request.js';

/** Methods whose requests carry no body: no `content-length: 0` is added for them (Envoy's requestShouldHaveNoBody). */
function bodiless(method: string): boolean {
  switch (method) {
    case 'GET':
    case 'HEAD':
    case 'DELETE':
    case 'TRACE':
    case 'CONNECT':
      return true;
    default:
      return false;
  }
}

/** CR, LF or NUL would end a header line early: request splitting. */
const UNSAFE = /[\r\n\0]/;

/**
 * The request head as one latin1 string, without its final CRLF (the connection adds
 * `connection: close` first when it is the last request): request line, host, the headers
 * (arrays as repeated lines) and framing: `transfer-encoding: chunked` for a body without a
 * content-length, `content-length: 0` for a bodiless request whose method expects one (as
 * Envoy's codec adds it). Null when a value would break the framing.
 */
export function encodeRequestHead(spec: UpstreamRequestSpec): string | null {
  if (UNSAFE.test(spec.path) || UNSAFE.test(spec.authority) || UNSAFE.test(spec.method)) return null;
  let head = `${spec.method} ${spec.path} HTTP/1.1\r\nhost: ${spec.authority}\r\n`;
  const headers = spec.headers;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    // Host is written above; framing and connection management are this codec's own.
    switch (name.length) {
      case 4:
        if (name === 'host') continue;
        break;
      case 7:
        if (name === 'upgrade') continue;
        break;
      case 10:
        if (name === 'connection' || name === 'keep-alive') continue;
        break;
      case 17:
        if (name === 'transfer-encoding') continue;
        break;
    }
    if (typeof value === 'string') {
      if (UNSAFE.test(value) || UNSAFE.test(name)) return null;
      head += `${name}: ${value}\r\n`;
    } else {
      for (const one of value) {
        if (UNSAFE.test(one) || UNSAFE.test(name)) return null;
        head += `${name}: ${one}\r\n`;
      }
    }
  }
  if (spec.body !== null) {
    if (headers['content-length'] === undefined) head += 'transfer-encoding: chunked\r\n';
  } else if (headers['content-length'] === undefined && !bodiless(spec.method)) {
    head += 'content-length: 0\r\n';
  }
  return head;
}
