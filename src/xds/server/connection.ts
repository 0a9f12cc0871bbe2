/**
 * One ADS stream from one proxy (Istio's xds.Connection): the Proxy it identified as, what it
 * watches per type, what was last sent to it per type (for diffing pushes and for
 * /debug/config_dump), and the resources generated for it from the current PushContext.
 */
import type * as grpc from '@grpc/grpc-js';
import type { Proxy } from '../../model/proxy.js';
import type { PushContext } from '../../model/push-context.js';
import type { EnvoyJson, ProxyResources } from '../../translate/generated.js';
import type { AnyMessage } from '../proto/proto-json.js';
import type { NameList } from './name-lists.js';
import type { WatchedResource } from './watched-resource.js';

/**
 * One resource as last sent: its canonical JSON (for diffing) and its packed form (reused while
 * unchanged). One object per generated resource, shared by every proxy that was sent it.
 */
export interface SentResource {
  readonly name: string;
  readonly json: EnvoyJson;
  readonly key: string;
  readonly any: AnyMessage;
}

export interface SentType {
  readonly version: string;
  readonly nonce: string;
  /** Clock time of the send. */
  readonly at: number;
  /** In the order sent. */
  readonly resources: readonly SentResource[];
}

export class Connection {
  /** Istio's connection id: `POD.NAMESPACE-N`. */
  id = '';
  proxy: Proxy | undefined;
  /** Istio's Proxy.ID (`POD.NAMESPACE`), set with `proxy`. */
  displayId = '';
  readonly watched = new Map<string, WatchedResource>();
  readonly sent = new Map<string, SentType>();
  /** The name list of the last request per type URL (name-lists.ts). */
  readonly nameLists = new Map<string, NameList>();
  /** Resources generated for `proxy` from `generatedFrom`; regenerated when the push changes. */
  generated: ProxyResources | undefined;
  generatedFrom: PushContext | undefined;
  closed = false;

  constructor(
    readonly call: grpc.ServerDuplexStream<Buffer, Buffer>,
    readonly peer: string,
    readonly connectedAt: number,
  ) {}
}
