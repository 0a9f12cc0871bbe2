/**
 * A bound listener socket and the connection path Envoy runs for each accepted connection:
 * original_dst restores the destination an iptables REDIRECT rewrote (and, with use_original_dst,
 * hands the connection to the listener for that destination), listener filters (tls_inspector,
 * http_inspector) peek at the first bytes, filter chain matching
 * picks a chain, TLS is terminated when the chain has a transport socket, and the chain's
 * terminal network filter takes the connection.
 *
 * The compiled config is swapped with `update()`; each connection uses the version current when
 * it was accepted, so a config change never disturbs a connection in progress.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Counter, Gauge, StatsStore } from '../../telemetry/stats/stats-store.js';
import type { DownstreamConnection } from '../http/connection-manager.js';
import type { CompiledFilterChain, CompiledListener } from './compiled-listener.js';
import { NOTHING_DETECTED, inspectInitialBytes, inspectionForPort } from './listener-inspection.js';
import type { InspectionResult } from './listener-inspection.js';
import { peekInitialBytes } from './peek.js';
import { readOriginalDst } from './original-dst.js';
import type { OriginalDst } from './original-dst.js';
import { TLS_MAX_CLIENT_HELLO, parseClientHello } from './tls-inspector.js';

/** The HTTP/2 connection preface; plaintext connections starting with it are h2c (prior knowledge). */
const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

class ListenerStats {
  readonly cxTotal: Counter;
  readonly cxActive: Gauge;
  readonly cxDestroy: Counter;
  readonly noFilterChainMatch: Counter;
  readonly listenerFiltersTimeout: Counter;
  readonly sslHandshake: Counter;
  readonly sslConnectionError: Counter;

  constructor(store: StatsStore, prefix: string) {
    const s = store.scope(prefix);
    this.cxTotal = s.counter('downstream_cx_total');
    this.cxActive = s.gauge('downstream_cx_active');
    this.cxDestroy = s.counter('downstream_cx_destroy');
    this.noFilterChainMatch = s.counter('no_filter_chain_match');
    this.listenerFiltersTimeout = s.counter('downstream_pre_cx_timeout');
    this.sslHandshake = s.counter('ssl.handshake');
    this.sslConnectionError = s.counter('ssl.connection_error');
  }
}

/** Finds the listener a connection restored to `dst` is handed to (null: keep it). */
export type HandoffResolver = (dst: OriginalDst) => ActiveListener | null;

export class ActiveListener {
  #config: CompiledListener;
  readonly #server: net.Server;
  readonly #stats: ListenerStats;
  readonly #sockets = new Set<net.Socket>();
  #boundPort = 0;
  readonly #handoff: HandoffResolver | null;

  constructor(config: CompiledListener, store: StatsStore, handoff: HandoffResolver | null = null) {
    this.#config = config;
    this.#handoff = handoff;
    this.#stats = new ListenerStats(store, config.statPrefix);
    this.#server = net.createServer({ noDelay: true, pauseOnConnect: true }, (socket) => this.#onConnection(socket));
  }

  get config(): CompiledListener {
    return this.#config;
  }

  /** The port actually bound (differs from the config when it asked for port 0). */
  get port(): number {
    return this.#boundPort;
  }

  /** Binds the socket; rejects with the OS error (EADDRINUSE, EACCES …). */
  listen(): Promise<void> {
    if (!this.#config.bindToPort) {
      // bind_to_port: false: connections only arrive handed off from a use_original_dst listener.
      this.#boundPort = this.#config.port;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.#server.once('error', onError);
      this.#server.listen({ host: this.#config.address, port: this.#config.port, exclusive: true }, () => {
        this.#server.off('error', onError);
        this.#server.on('error', () => undefined);
        const addr = this.#server.address();
        this.#boundPort = typeof addr === 'object' && addr ? addr.port : this.#config.port;
        resolve();
      });
    });
  }

  /** Takes a new version of the same listener (same address); new connections use it. */
  update(config: CompiledListener): void {
    this.#config = config;
  }

  /** Stops accepting; connections in progress continue. */
  stopListening(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.#server.listening) return resolve();
      this.#server.close(() => resolve());
      // close() waits for connections; resolve once the socket is unbound instead.
      setImmediate(resolve);
    });
  }

  /** Destroys every connection still open on this listener (end of a drain, or shutdown). */
  closeConnections(): void {
    for (const s of this.#sockets) s.destroy();
  }

  #onConnection(socket: net.Socket): void {
    const config = this.#config;
    // original_dst: read before anything else, the local address filter chains then match on.
    // use_original_dst implies it, as Envoy adds the original_dst listener filter itself for such
    // a listener (Istio's virtualOutbound names no listener filter at all).
    const restored = config.inspection.originalDstIndex >= 0 || config.useOriginalDst ? readOriginalDst(socket) : null;
    if (restored !== null && config.useOriginalDst && this.#handoff !== null) {
      // Envoy counts a handed-off connection on the listener that takes it, not on this one.
      const target = this.#handoff(restored);
      if (target !== null && target !== this) {
        target.acceptHandoff(socket, restored);
        return;
      }
    }
    this.#accept(socket, config, restored);
  }

  /** A connection another listener accepted and handed over (use_original_dst): run this listener's path on it. */
  acceptHandoff(socket: net.Socket, restored: OriginalDst): void {
    const config = this.#config;
    // This listener's own original_dst (if any) would read the same destination again.
    this.#accept(socket, config, restored);
  }

  #accept(socket: net.Socket, config: CompiledListener, restored: OriginalDst | null): void {
    const stats = this.#stats;
    stats.cxTotal.inc();
    stats.cxActive.inc();
    this.#sockets.add(socket);
    socket.once('close', () => {
      stats.cxActive.dec();
      stats.cxDestroy.inc();
      this.#sockets.delete(socket);
    });
    socket.on('error', () => socket.destroy());
    const plan = inspectionForPort(config.inspection, restored?.port ?? socket.localPort ?? 0);
    if (plan.maxPeekBytes === 0) {
      this.#dispatch(socket, config, NOTHING_DETECTED, restored);
      return;
    }
    void peekInitialBytes(socket, (buf) => (inspectInitialBytes(buf, plan).state === 'need-more' ? 'need-more' : 'done'), plan.timeoutMs, { maxBytes: plan.maxPeekBytes }).then((peek) => {
      if (peek.outcome === 'eof' || peek.outcome === 'closed' || peek.outcome === 'error') return socket.destroy();
      let result: InspectionResult = inspectInitialBytes(peek.bytes, plan);
      if (peek.outcome === 'timeout') {
        stats.listenerFiltersTimeout.inc();
        if (!plan.continueOnTimeout) return socket.destroy();
        result = NOTHING_DETECTED;
      }
      if (result.state === 'close') return socket.destroy();
      if (result.state === 'need-more') result = NOTHING_DETECTED;
      this.#dispatch(socket, config, result, restored);
    });
  }

  #dispatch(socket: net.Socket, config: CompiledListener, result: InspectionResult, restored: OriginalDst | null): void {
    if (result.state !== 'done') return socket.destroy() as unknown as void;
    const localAddress = restored?.address ?? stripV4Mapped(socket.localAddress ?? '');
    const localPort = restored?.port ?? socket.localPort ?? 0;
    const chainIndex = config.selector.select({
      destinationIp: localAddress,
      destinationPort: localPort,
      sourceIp: socket.remoteAddress ?? '',
      sourcePort: socket.remotePort ?? 0,
      directSourceIp: socket.remoteAddress ?? '',
      serverName: result.serverName,
      transportProtocol: result.transportProtocol,
      applicationProtocols: result.applicationProtocols,
    });
    const chain = chainIndex === null ? null : chainIndex === 'default' ? config.defaultChain : config.chains[chainIndex]!;
    if (chain === null) {
      this.#stats.noFilterChainMatch.inc();
      socket.destroy();
      return;
    }
    const conn: DownstreamConnection = {
      remoteAddress: stripV4Mapped(socket.remoteAddress ?? ''),
      remotePort: socket.remotePort ?? 0,
      localAddress,
      localPort,
      localAddressRestored: restored !== null,
      tls: chain.tls !== null,
      serverName: result.serverName,
    };
    if (chain.tls !== null) this.#terminateTls(socket, chain, conn, result.transportProtocol === 'tls' ? result.applicationProtocols : null);
    else if (chain.detectH2c && !result.applicationProtocols.includes('h2c')) this.#detectPreface(socket, chain, conn);
    else chain.filter.onConnection(socket, conn, result.applicationProtocols.includes('h2c') ? 'h2' : 'http/1.1');
  }

  /** Codec AUTO without ALPN (plaintext or TLS): HTTP/2 with prior knowledge starts with the connection preface. */
  #detectPreface(socket: net.Socket, chain: CompiledFilterChain, conn: DownstreamConnection): void {
    const decide = (buf: Buffer): 'done' | 'need-more' => {
      const n = Math.min(buf.length, H2_PREFACE.length);
      return buf.subarray(0, n).equals(H2_PREFACE.subarray(0, n)) && n < H2_PREFACE.length ? 'need-more' : 'done';
    };
    void peekInitialBytes(socket, decide, chain.prefaceTimeoutMs, { maxBytes: H2_PREFACE.length }).then((peek) => {
      if (peek.outcome !== 'done' && peek.outcome !== 'limit') return socket.destroy();
      const isH2 = peek.bytes.length >= H2_PREFACE.length && peek.bytes.subarray(0, H2_PREFACE.length).equals(H2_PREFACE);
      chain.filter.onConnection(socket, conn, isH2 ? 'h2' : 'http/1.1');
    });
  }

  /**
   * `clientAlpn` is what tls_inspector read from the ClientHello, or null when it did not run: then
   * read the ClientHello here, because Node fails a handshake whose ALPN lists do not meet while
   * Envoy completes it without ALPN (see DownstreamTlsContext.serverOptions).
   */
  #terminateTls(socket: net.Socket, chain: CompiledFilterChain, conn: DownstreamConnection, clientAlpn: readonly string[] | null): void {
    if (clientAlpn === null) {
      const decide = (buf: Buffer): 'done' | 'need-more' => (parseClientHello(buf).kind === 'need-more' ? 'need-more' : 'done');
      void peekInitialBytes(socket, decide, 15_000, { maxBytes: TLS_MAX_CLIENT_HELLO }).then((peek) => {
        if (peek.outcome !== 'done' && peek.outcome !== 'limit') return socket.destroy();
        const hello = parseClientHello(peek.bytes);
        this.#terminateTls(socket, chain, conn, hello.kind === 'tls' ? hello.alpn : []);
      });
      return;
    }
    const context = chain.tls!;
    const options = context.serverOptions(clientAlpn.length ? clientAlpn : undefined);
    if (options === null) {
      // SDS secrets not there yet: Envoy has no certificate to offer either.
      this.#stats.sslConnectionError.inc();
      socket.destroy();
      return;
    }
    const secure = new tls.TLSSocket(socket, options);
    secure.on('error', () => {
      this.#stats.sslConnectionError.inc();
      secure.destroy();
      socket.destroy();
    });
    secure.once('secure', () => {
      const reason = context.verifyPeer(secure);
      if (reason !== null) {
        this.#stats.sslConnectionError.inc();
        secure.destroy();
        return;
      }
      this.#stats.sslHandshake.inc();
      // tls.Server clears this when it emits 'secureConnection'; a TLSSocket made by hand keeps
      // it set, and an http2 session on a socket still "secureConnecting" waits forever for a
      // 'secureConnect' that server sockets never emit.
      (secure as tls.TLSSocket & { secureConnecting: boolean }).secureConnecting = false;
      const alpn = secure.alpnProtocol;
      const tlsConn = { ...conn, serverName: secure.servername || conn.serverName };
      if (!alpn && chain.detectH2c) this.#detectPreface(secure, chain, tlsConn);
      else chain.filter.onConnection(secure, tlsConn, alpn === 'h2' ? 'h2' : alpn || 'http/1.1');
    });
  }
}

function stripV4Mapped(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
