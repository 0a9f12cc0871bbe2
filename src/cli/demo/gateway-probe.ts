/**
 * Requests through the ingress gateway as a user's curl sends them (undici, a real HTTP client over
 * the load balancer's address), and what each reached: the Labs' web-frontend page lists the
 * customers it got from the customers service, and only customers v2 gives cities, so a page with
 * "city" in it was served by v2 (the seed's labs tell the versions apart the same way).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';

export type Outcome =
  | { readonly kind: 'page'; readonly version: 'v1' | 'v2' }
  | { readonly kind: 'status'; readonly status: number; readonly body: string }
  | { readonly kind: 'error'; readonly code: string; readonly message: string };

export interface Routing {
  /** The port the load balancer serves the gateway's port 80 on (80, or 8080 when not root). */
  readonly port: number;
  /** performance.now() of the first request that came back with the customers page. */
  readonly firstRoutedAt: number;
  /** performance.now() once plain requests reach v1 and `user: debug` reaches v2. */
  readonly headerRoutedAt: number;
}

const REQUEST_TIMEOUT_MS = 5_000;

export class GatewayProbe {
  readonly #agent = new Agent({ connect: { timeout: REQUEST_TIMEOUT_MS } });
  readonly #ip: string;
  #port: number | undefined;

  constructor(ip: string) {
    this.#ip = ip;
  }

  /** The URL users type: `http://IP/`, with the port only when it is not 80. */
  get url(): string {
    const port = this.#port ?? 80;
    return port === 80 ? `http://${this.#ip}/` : `http://${this.#ip}:${port}/`;
  }

  /** One GET / through the gateway. */
  async get(headers: Readonly<Record<string, string>> = {}): Promise<Outcome> {
    // The load balancer serves port 80 as 80 when it may bind it, else as 8080 (rootless): the
    // first port that accepts a connection is the one.
    const ports = this.#port === undefined ? [80, 8080] : [this.#port];
    let last: Outcome = { kind: 'error', code: 'ECONNREFUSED', message: `nothing listens on ${this.#ip}:80 or :8080 yet` };
    for (const port of ports) {
      last = await this.#getOnce(port, headers);
      if (last.kind === 'error' && last.code === 'ECONNREFUSED') continue;
      this.#port = port;
      return last;
    }
    return last;
  }

  async #getOnce(port: number, headers: Readonly<Record<string, string>>): Promise<Outcome> {
    try {
      const res = await request(`http://${this.#ip}:${port}/`, { dispatcher: this.#agent, headers, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS });
      const body = await res.body.text();
      if (res.statusCode === 200 && body.includes('<h1>Customers</h1>')) return { kind: 'page', version: body.includes('city') ? 'v2' : 'v1' };
      return { kind: 'status', status: res.statusCode, body: body.slice(0, 300) };
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      return { kind: 'error', code: e.code ?? e.name, message: e.message };
    }
  }

  /**
   * Polls until a request is routed through the gateway to web-frontend and customers, and then
   * until Lab 6's header routing holds (plain → v1, `user: debug` → v2). Rejects with the last
   * outcome when `deadline` (performance.now()) passes or `signal` aborts.
   */
  async waitForRouting(deadline: number, signal: AbortSignal): Promise<Routing> {
    let firstRoutedAt: number | undefined;
    let last: Outcome | undefined;
    while (!signal.aborted && performance.now() < deadline) {
      const plain = await this.get();
      last = plain;
      if (plain.kind === 'page') {
        firstRoutedAt ??= performance.now();
        const debug = await this.get({ user: 'debug' });
        last = debug;
        if (plain.version === 'v1' && debug.kind === 'page' && debug.version === 'v2') {
          return { port: this.#port ?? 80, firstRoutedAt, headerRoutedAt: performance.now() };
        }
      }
      await sleep(100, undefined, { signal }).catch(() => undefined);
    }
    if (signal.aborted) throw new Error('interrupted');
    throw new Error(`no routed request through the gateway at ${this.url} yet; last answer: ${describe(last)}${firstRoutedAt === undefined ? '' : ' (the page was served, but `user: debug` did not reach v2 and plain requests v1)'}`);
  }

  /** `n` requests; how many reached each version, and what else came back. */
  async tally(n: number, headers: Readonly<Record<string, string>> = {}): Promise<Tally> {
    const tally: Tally = { v1: 0, v2: 0, other: [] };
    for (let i = 0; i < n; i++) {
      const o = await this.get(headers);
      if (o.kind === 'page') tally[o.version]++;
      else tally.other.push(describe(o));
    }
    return tally;
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
}

export interface Tally {
  v1: number;
  v2: number;
  readonly other: string[];
}

export function describe(o: Outcome | undefined): string {
  if (o === undefined) return 'none';
  if (o.kind === 'page') return `the customers page from ${o.version}`;
  if (o.kind === 'status') return `HTTP ${o.status}${o.body.trim() === '' ? '' : `: ${o.body.replace(/\s+/g, ' ').trim().slice(0, 160)}`}`;
  return `${o.code}: ${o.message}`;
}
