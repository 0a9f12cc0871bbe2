import type { AccessRecord } from '../lib/serve.js';
import { clfTime, clientIp } from '../lib/serve.js';

/** What the Bookinfo services share: their port, and the headers they propagate (from Istio's sources). */

/** Every Bookinfo image listens on 9080. */
export const BOOKINFO_PORT = 9080;

/**
 * Headers productpage forwards to details and reviews (productpage.py `getForwardHeaders`): the
 * trace context (its B3 headers go verbatim through the tracer), user-agent, and the session
 * headers cookie / authorization / jwt. `end-user` is added from the signed-in user.
 */
export const PRODUCTPAGE_FORWARDED: readonly string[] = [
  'x-request-id',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'b3',
  'x-ot-span-context',
  'x-datadog-trace-id',
  'x-datadog-parent-id',
  'x-datadog-sampling-priority',
  'traceparent',
  'tracestate',
  'x-cloud-trace-context',
  'grpc-trace-bin',
  'sw8',
  'user-agent',
  'cookie',
  'authorization',
  'jwt',
];

/** Headers reviews forwards to ratings (LibertyRestEndpoint `headers_to_propagate`), end-user included. */
export const REVIEWS_FORWARDED: readonly string[] = [
  'x-request-id',
  'x-ot-span-context',
  'x-datadog-trace-id',
  'x-datadog-parent-id',
  'x-datadog-sampling-priority',
  'traceparent',
  'tracestate',
  'x-cloud-trace-context',
  'grpc-trace-bin',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'b3',
  'sw8',
  'end-user',
  'user-agent',
];

/** `http://NAME[.SERVICES_DOMAIN]:9080`, with NAME overridable by `<SERVICE>_HOSTNAME`, as the Bookinfo sources build it. */
export function serviceBase(env: Readonly<Record<string, string>>, service: 'details' | 'reviews' | 'ratings'): string {
  const domain = env['SERVICES_DOMAIN'] ? `.${env['SERVICES_DOMAIN']}` : '';
  const host = env[`${service.toUpperCase()}_HOSTNAME`] ?? service;
  return `http://${host}${domain}:${BOOKINFO_PORT}`;
}

/** Werkzeug's request line (productpage is Flask): `127.0.0.1 - - [06/Dec/2026 22:31:02] "GET /productpage HTTP/1.1" 200 -`. */
export function werkzeugLog(r: AccessRecord): string {
  const t = clfTime(r.start).replace(':', ' ').replace(' +0000', '');
  return `${clientIp(r.req)} - - [${t}] "${r.req.method} ${r.req.url} HTTP/${r.req.httpVersion}" ${r.status} -`;
}

/** WEBrick's access line (details is Ruby). */
export function webrickLog(r: AccessRecord): string {
  return `${clientIp(r.req)} - - [${clfTime(r.start)}] "${r.req.method} ${r.req.url} HTTP/${r.req.httpVersion}" ${r.status} ${r.bytes}`;
}
