import type { UpstreamFailure } from './upstream-request.js';

/** Maps socket and HTTP client errors to Envoy's reset reasons. */
export function classifyError(err: Error & { code?: string }): [UpstreamFailure, string] {
  const code = err.code ?? '';
  switch (code) {
    case 'ECONNREFUSED':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return ['connection_failure', `${code}: ${err.message}`];
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return ['connection_timeout', err.message];
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return ['connection_termination', err.message];
    case 'HPE_INVALID_CONSTANT':
    case 'HPE_INVALID_CHUNK_SIZE':
    case 'HPE_INVALID_HEADER_TOKEN':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
    case 'UND_ERR_HEADERS_OVERFLOW':
      return ['protocol_error', err.message];
    default:
      if (code.startsWith('HPE_')) return ['protocol_error', err.message];
      if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /certificate|SSL|TLS/i.test(err.message)) return ['connection_failure', `TLS error: ${err.message}`];
      return ['connection_termination', err.message];
  }
}
