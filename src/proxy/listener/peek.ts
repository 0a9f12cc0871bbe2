/**
 * Reads a new connection's first bytes for listener filters without consuming them: Node has no
 * MSG_PEEK, so we buffer what arrives and `unshift` it back, leaving the socket paused with the
 * bytes at the front of its read queue for whatever takes the socket next (a TLSSocket, an HTTP
 * server's 'connection', a TCP proxy).
 *
 *   accepted ──data──▶ buffering ──decide()='done'─────────▶ done    (paused, bytes unshifted)
 *                          │ ├─────buffered ≥ maxBytes────────▶ limit   (paused, bytes unshifted)
 *                          │ ├─────listener_filters_timeout───▶ timeout (paused, bytes unshifted)
 *                          │ └─────'end' / 'close' / 'error'──▶ eof | closed | error
 */
import type { Socket } from 'node:net';

export type PeekOutcome = 'done' | 'limit' | 'timeout' | 'eof' | 'closed' | 'error';

export interface PeekResult {
  /** Why peeking stopped. Only 'done', 'limit' and 'timeout' leave the bytes unshifted on a usable socket. */
  readonly outcome: PeekOutcome;
  /** Everything received so far (also what was unshifted). */
  readonly bytes: Buffer;
  readonly error?: Error;
}

export interface PeekOptions {
  /** Stop with 'limit' once this many bytes are buffered and decide() still wants more. Default 16 KiB. */
  readonly maxBytes?: number;
  /** Injected timers, for tests with a virtual clock. */
  readonly timers?: { setTimeout(fn: () => void, ms: number): unknown; clearTimeout(handle: unknown): void };
}

const DEFAULT_MAX_BYTES = 16 * 1024;
const realTimers = {
  setTimeout: (fn: () => void, ms: number): unknown => setTimeout(fn, ms),
  clearTimeout: (handle: unknown): void => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Buffers the socket's first bytes until `decide(allBytesSoFar)` returns 'done', the byte limit
 * or `timeoutMs` (0: no timeout) is reached, or the peer goes away. Always resolves, never
 * rejects; removes every listener and timer it added. The caller owns the socket afterwards and
 * must attach its own 'error' handler and resume it. Hand-offs that work (tested):
 * `new tls.TLSSocket(socket, {isServer: true, ...})` (reads the unshifted bytes itself), and
 * `httpServer.emit('connection', socket); socket.resume()` (HTTP/1 and http2 servers alike; without
 * the resume the unshifted bytes never reach the parser).
 */
export function peekInitialBytes(
  socket: Socket,
  decide: (buf: Buffer) => 'done' | 'need-more',
  timeoutMs: number,
  options: PeekOptions = {},
): Promise<PeekResult> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const timers = options.timers ?? realTimers;
  return new Promise<PeekResult>((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let timer: unknown = null;
    let settled = false;

    const bytes = (): Buffer => (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total));
    const finish = (outcome: PeekOutcome, error?: Error): void => {
      if (settled) return;
      settled = true;
      // Pause before removing 'data': a flowing socket with no listener drops what it reads.
      socket.pause();
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onClose);
      socket.off('error', onError);
      if (timer !== null) timers.clearTimeout(timer);
      const buf = bytes();
      const usable = outcome === 'done' || outcome === 'limit' || outcome === 'timeout';
      if (usable && buf.length > 0) socket.unshift(buf);
      resolve(error ? { outcome, bytes: buf, error } : { outcome, bytes: buf });
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      total += chunk.length;
      const buf = bytes();
      if (chunks.length > 1) {
        chunks.length = 0;
        chunks.push(buf);
      }
      if (decide(buf) === 'done') finish('done');
      else if (total >= maxBytes) finish('limit');
    };
    const onEnd = (): void => finish('eof');
    const onClose = (): void => finish('closed');
    const onError = (err: Error): void => finish('error', err);

    if (socket.destroyed) {
      finish('closed');
      return;
    }
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onClose);
    socket.on('error', onError);
    if (timeoutMs > 0) timer = timers.setTimeout(() => finish('timeout'), timeoutMs);
    socket.resume();
  });
}
