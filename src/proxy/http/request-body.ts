import type http from 'node:http';
import type http2 from 'node:http2';
import { Readable } from 'node:stream';
import type { HttpStream } from './http-stream.js';

/** The downstream request's body as a stream, or null when the request has none. */
export function downstreamRequestBody(stream: HttpStream): Readable | null {
  const req = stream.req;
  if (req.httpVersion === '2.0') return (req as http2.Http2ServerRequest).stream.endAfterHeaders ? null : (req as unknown as Readable);
  const h = (req as http.IncomingMessage).headers;
  const cl = h['content-length'];
  if (h['transfer-encoding'] !== undefined || (cl !== undefined && cl !== '0')) return req as unknown as Readable;
  return null;
}

/**
 * The body the router sends upstream: what a filter buffered (stream.bufferedRequestBody), else
 * the downstream request itself; null when there is none.
 */
export function upstreamRequestBody(stream: HttpStream): Readable | null {
  const buffered = stream.bufferedRequestBody;
  if (buffered !== null) return buffered.length === 0 ? null : Readable.from([buffered]);
  return downstreamRequestBody(stream);
}
