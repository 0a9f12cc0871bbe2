/**
 * A raw ADS client for the server's tests: it sends exactly the DiscoveryRequests a test writes
 * (right or wrong nonces, NACKs, name changes) and hands back each response with its resources
 * decoded, so tests can play Envoy's side of the protocol step by step.
 */
import * as grpc from '@grpc/grpc-js';
import { ADS_METHOD_PATH, decodeResource, decodeResponse, encodeRequest } from '../../ads-protocol.js';
import type { DiscoveryRequestJson } from '../../ads-protocol.js';

export interface TestResponse {
  versionInfo: string;
  typeUrl: string;
  nonce: string;
  /** Resource names in the order sent. */
  names: string[];
  resources: Record<string, unknown>[];
}

const passThrough = (b: Buffer): Buffer => b;

export class AdsTestClient {
  readonly responses: TestResponse[] = [];
  /** Set when the stream ended: grpc status code and details. */
  status: { code: number; details: string } | undefined;
  readonly #client: grpc.Client;
  readonly #call: grpc.ClientDuplexStream<Buffer, Buffer>;
  #waiters = new Set<() => void>();
  #read = 0;

  constructor(port: number) {
    this.#client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    this.#call = this.#client.makeBidiStreamRequest(ADS_METHOD_PATH, passThrough, passThrough);
    this.#call.on('data', (buf: Buffer) => {
      const r = decodeResponse(buf);
      const decoded = r.resources.map((a) => decodeResource(a, r.type_url));
      this.responses.push({ versionInfo: r.version_info, typeUrl: r.type_url, nonce: r.nonce, names: decoded.map((d) => d.name), resources: decoded.map((d) => d.json) });
      this.#wake();
    });
    this.#call.on('status', (s: grpc.StatusObject) => {
      this.status = { code: s.code, details: s.details };
      this.#wake();
    });
    this.#call.on('error', () => undefined);
  }

  send(req: DiscoveryRequestJson): void {
    this.#call.write(encodeRequest(req));
  }

  /** The next response not yet returned by next() (optionally of `typeUrl`, skipping others). */
  next(typeUrl?: string, timeoutMs = 3000): Promise<TestResponse> {
    return this.#until(() => {
      while (this.#read < this.responses.length) {
        const r = this.responses[this.#read++]!;
        if (typeUrl === undefined || r.typeUrl === typeUrl) return r;
      }
      return undefined;
    }, timeoutMs, `a response${typeUrl ? ` of ${typeUrl}` : ''}`);
  }

  /** Resolves when the stream has ended, with its status. */
  ended(timeoutMs = 3000): Promise<{ code: number; details: string }> {
    return this.#until(() => this.status, timeoutMs, 'the stream to end');
  }

  /** Waits `ms` and asserts nothing new arrived (returns what did, for the assertion message). */
  async quiet(ms = 100): Promise<TestResponse[]> {
    const before = this.responses.length;
    await new Promise((r) => setTimeout(r, ms));
    return this.responses.slice(before);
  }

  /** ACK `r` with `names` (default: none) as Envoy does. */
  ack(r: TestResponse, names: string[] = []): void {
    this.send({ type_url: r.typeUrl, version_info: r.versionInfo, response_nonce: r.nonce, resource_names: names });
  }

  nack(r: TestResponse, message: string, previousVersion = '', names: string[] = []): void {
    this.send({ type_url: r.typeUrl, version_info: previousVersion, response_nonce: r.nonce, resource_names: names, error_detail: { code: 3, message } });
  }

  close(): void {
    this.#call.cancel();
    this.#client.close();
  }

  #until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const v = probe();
        if (v === undefined) return false;
        this.#waiters.delete(waiter);
        clearTimeout(timer);
        resolve(v);
        return true;
      };
      const waiter = (): void => void check();
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`no ${what} within ${timeoutMs} ms (got ${this.responses.length} responses, status ${JSON.stringify(this.status)})`));
      }, timeoutMs);
      this.#waiters.add(waiter);
      check();
    });
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }
}

/** A node as pilot-agent sends it. */
export function testNode(pod: string, namespace = 'default', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: `sidecar~10.0.0.1~${pod}.${namespace}~${namespace}.svc.cluster.local`,
    cluster: `${pod}.${namespace}`,
    metadata: { NAMESPACE: namespace, NAME: pod, LABELS: { app: pod.split('-')[0] ?? pod }, ISTIO_VERSION: '1.24.0', CLUSTER_ID: 'Kubernetes', ...extra },
  };
}
