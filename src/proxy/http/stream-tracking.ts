/**
 * Which HttpStream a Node request or response object belongs to, kept on the objects themselves:
 * the request's body chunks and end are seen on their way to the router (pushTracking), and a
 * codec error in the middle of an HTTP/1 body can answer the stream it interrupts.
 */
import { Readable } from 'node:stream';
import type { HttpStream } from './http-stream.js';

/** The request's stream, on the downstream request object, for pushTracking. */
const kStream = Symbol('tsmesh.httpStream');
/**
 * An HTTP/1 response's stream, on the response object, so a codec error mid-body can answer that
 * stream. A property, not a WeakMap: with the WeakMap (a long-lived table holding each request's
 * young response as a key) every request's objects survived young-generation GCs and were
 * promoted, ~3 KB per request measured with --trace-gc, and the resulting old-space collections
 * were the main source of p99 latency.
 */
const kStreamOfResponse = Symbol('tsmesh.streamOfResponse');
type TrackedRequest = Readable & { [kStream]?: HttpStream };
type TrackedResponse = { [kStreamOfResponse]?: HttpStream };

/**
 * Installed as the downstream request's `push`: both Node codecs hand every body chunk, and the
 * end of the request (null), to it. Envoy restarts the stream idle timer on request data and
 * disarms request_timeout once the request is complete; this is where both are seen without
 * taking the body away from the router.
 */
function pushTracking(this: TrackedRequest, chunk: unknown, encoding?: BufferEncoding): boolean {
  const stream = this[kStream];
  if (stream !== undefined) {
    if (chunk === null) {
      stream.requestComplete = true;
      if (stream.requestTimer !== null) {
        clearTimeout(stream.requestTimer);
        stream.requestTimer = null;
      }
      const complete = stream.onRequestComplete;
      if (complete !== null) {
        stream.onRequestComplete = null;
        complete();
      }
    } else {
      stream.info.bytesReceived += (chunk as Buffer).length;
      stream.idleTimer?.refresh();
    }
  }
  return Readable.prototype.push.call(this, chunk, encoding);
}

/** From now on the request's body chunks and end update `stream` (idle timer, request timeout, completion). */
export function trackRequest(req: unknown, stream: HttpStream): void {
  (req as TrackedRequest)[kStream] = stream;
  (req as TrackedRequest).push = pushTracking;
}

/** Remembers an HTTP/1 response's stream, for a codec error that arrives while it is produced. */
export function trackResponse(res: unknown, stream: HttpStream): void {
  (res as TrackedResponse)[kStreamOfResponse] = stream;
}

export function streamOfResponse(res: unknown): HttpStream | undefined {
  return (res as TrackedResponse)[kStreamOfResponse];
}
