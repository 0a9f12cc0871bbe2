import type { UpstreamFailure } from './upstream-request.js';

/**
 * Maps socket, TLS, parser and pool errors to Envoy's reset reasons. The ERR_* codes without a
 * Node meaning are H1Connection's own; UND_ERR_CONNECT_TIMEOUT is H2Pool's connect timeout.
 */
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
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return ['connection_timeout', err.message];
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ERR_UPSTREAM_CLOSED':
    case 'ERR_REQUEST_BODY_ABORTED':
    case 'ERR_POOL_DESTROYED':
      return ['connection_termination', err.message];
    case 'ERR_UPSTREAM_PROTOCOL':
      return ['protocol_error', err.message];
    case 'ERR_LOCAL_RESET':
      return ['local_reset', err.message];
    default:
      // llhttp's errors: a malformed response, a head over max_response_headers_kb, a bad chunk.
      if (code.startsWith('HPE_')) return ['protocol_error', err.message];
      if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /certificate|SSL|TLS/i.test(err.message)) return ['connection_failure', `TLS error: ${err.message}`];
      return ['connection_termination', err.message];
  }
}
