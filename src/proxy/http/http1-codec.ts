import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { HcmConfig } from './connection-manager-config.js';
import type { HcmStats } from './hcm-stats.js';

/**
 * Envoy's HTTP/1 codec rules that Node's parser (llhttp, strict) does not apply by itself: the
 * methods and versions Envoy refuses, one request at a time per connection, and the local reply
 * for a codec error followed by a delayed close. The connection manager calls these; they hold
 * no state beyond what they tag on the socket.
 */

/** Set once the connection got a protocol-error reply: nothing more is read from it or answered. */
const kProtocolError = Symbol('tsmesh.protocolError');
/** HTTP/1 requests parsed while an earlier one on the connection is still in progress. */
const kPipelined = Symbol('tsmesh.pipelined');
type CodecSocket = Duplex & { [kProtocolError]?: boolean; [kPipelined]?: Http1Dispatch };

/** A connection's HTTP/1 dispatch state: whether a request is in progress, and who waits. */
interface Http1Dispatch {
  busy: boolean;
  readonly waiting: Array<() => void>;
}

/** Methods Node's HTTP/1 parser accepts that are not in Envoy's list of HTTP/1 methods. */
const NODE_ONLY_METHODS: ReadonlySet<string> = new Set(['QUERY', 'M-SEARCH']);

/** Envoy's delayed_close_timeout default: how long a closing connection may still drain. */
const DELAYED_CLOSE_MS = 1000;

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  426: 'Upgrade Required',
  431: 'Request Header Fields Too Large',
  501: 'Not Implemented',
};

export function codecReason(status: number): string {
  return REASONS[status] ?? 'Bad Request';
}

export function hasProtocolError(socket: Duplex): boolean {
  return (socket as CodecSocket)[kProtocolError] === true;
}

export function markProtocolError(socket: Duplex): void {
  (socket as CodecSocket)[kProtocolError] = true;
}

/** Destroys the socket after Envoy's delayed-close period, unless it closes first. */
export function closeAfterDelay(socket: Duplex): void {
  const timer = setTimeout(() => socket.destroy(), DELAYED_CLOSE_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/** The status Envoy answers a parser or header-timeout error with (`code`: llhttp's HPE_*, or ERR_HTTP_REQUEST_TIMEOUT). */
export function codecErrorStatus(code: string, message: string): number {
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  // llhttp says HPE_INVALID_TRANSFER_ENCODING both for CL+TE (Envoy: 400) and for codings
  // other than a final "chunked" (Envoy: 501, "unsupported transfer encoding").
  if (code === 'HPE_INVALID_TRANSFER_ENCODING' && !/content-length/i.test(message)) return 501;
  return 400;
}

/** Envoy's local reply for a codec error (body: the reason phrase), then a delayed close. */
export function writeCodecError(socket: Duplex, status: number, config: HcmConfig, body?: string): void {
  if (socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const reason = codecReason(status);
  body ??= reason;
  let head = `HTTP/1.1 ${status} ${reason}\r\ncontent-length: ${body.length}\r\ncontent-type: text/plain\r\ndate: ${new Date().toUTCString()}\r\n`;
  if (config.serverHeaderTransformation !== 'PASS_THROUGH') head += `server: ${config.serverName}\r\n`;
  socket.end(`${head}connection: close\r\n\r\n${body}`);
  // Keep draining what the client still sends so closing does not reset the reply away.
  socket.on('data', () => {});
  socket.resume();
  closeAfterDelay(socket);
}

/**
 * A request Node's parser accepted but Envoy's HTTP/1 codec rejects (HTTP/1.0 without
 * accept_http_10: 426; a transfer-coding other than exactly "chunked": 501). A codec error:
 * counted as downstream_cx_protocol_error, answered, and the connection closed; nothing
 * after it on the connection is read as a request.
 */
function rejectCodec(req: http.IncomingMessage, res: http.ServerResponse, status: number, config: HcmConfig, stats: HcmStats): void {
  markProtocolError(req.socket);
  stats.cxProtocolError.inc();
  const reason = codecReason(status);
  const headers: Record<string, string> = { 'content-length': String(reason.length), 'content-type': 'text/plain', connection: 'close' };
  if (config.serverHeaderTransformation !== 'PASS_THROUGH') headers['server'] = config.serverName;
  res.writeHead(status, reason, headers);
  res.end(reason);
  req.resume();
}

/** Envoy's HTTP/1 codec checks on a parsed request head; returns false when it was rejected. */
export function checkHttp1(req: http.IncomingMessage, res: http.ServerResponse, config: HcmConfig, stats: HcmStats): boolean {
  if (hasProtocolError(req.socket)) {
    // Pipelined after a rejected request: Envoy never reads it. Drop it unanswered.
    req.resume();
    return false;
  }
  if (NODE_ONLY_METHODS.has(req.method ?? '')) {
    // Envoy's parser (allow_custom_methods off) knows neither: HPE_INVALID_METHOD, 400.
    rejectCodec(req, res, 400, config, stats);
    return false;
  }
  if (req.httpVersion !== '1.1') {
    // Envoy treats every version other than HTTP/1.1 (1.0, 0.9, 2.0 in an HTTP/1 request line) as HTTP/1.0.
    if (!config.acceptHttp10) {
      rejectCodec(req, res, 426, config, stats);
      return false;
    }
    req.httpVersion = '1.0';
    req.httpVersionMajor = 1;
    req.httpVersionMinor = 0;
    if (req.headers.host === undefined && config.defaultHostForHttp10) req.headers.host = config.defaultHostForHttp10;
  }
  const te = req.headers['transfer-encoding'];
  if (te !== undefined && te.toLowerCase() !== 'chunked') {
    rejectCodec(req, res, 501, config, stats);
    return false;
  }
  return true;
}

/**
 * Envoy's HTTP/1 codec dispatches one request at a time: a pipelined request is decoded only
 * once the response before it is complete, so the upstream sees a connection's requests in
 * order and never two at once. Node's parser hands them over as soon as it reads them; hold
 * each until the one before it is done. Returns false when `req` was queued: `dispatch(req, res)`
 * runs it when its turn comes. The caller calls http1ResponseClosed when a response it was
 * given the go-ahead for closes.
 */
export function serializeHttp1(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  dispatch: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): boolean {
  const socket = req.socket as CodecSocket;
  const state = (socket[kPipelined] ??= { busy: false, waiting: [] });
  if (state.busy) {
    state.waiting.push(() => dispatch(req, res));
    return false;
  }
  state.busy = true;
  return true;
}

/** The response in progress on `socket` closed: the next pipelined request, if any, may go. */
export function http1ResponseClosed(socket: Duplex): void {
  const state = (socket as CodecSocket)[kPipelined];
  if (state === undefined) return;
  state.busy = false;
  // A client gone meanwhile takes its queued requests with it: nothing to send upstream.
  if (socket.destroyed) state.waiting.length = 0;
  else state.waiting.shift()?.();
}
