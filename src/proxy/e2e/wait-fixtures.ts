import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * Waiting and port helpers shared by the end-to-end tests (proxy, control plane, gateways): poll
 * until a probe answers, and find ports for child processes that cannot be given port 0.
 */

/** Polls `probe` every 100 ms until it returns a value (errors count as "not yet"); fails after `timeoutMs` naming `what`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A port free on every one of `hosts` (several pods listening on the same port on different loopback addresses). */
export async function freePort(hosts: readonly string[] = ['127.0.0.1']): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, hosts[0], r));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    if (await allFree(port, hosts.slice(1))) return port;
  }
  throw new Error(`no port free on all of ${hosts.join(', ')}`);
}

async function allFree(port: number, hosts: readonly string[]): Promise<boolean> {
  for (const h of hosts) {
    const s = net.createServer();
    const ok = await new Promise<boolean>((r) => {
      s.once('error', () => r(false));
      s.listen(port, h, () => r(true));
    });
    if (!ok) return false;
    await new Promise<void>((r) => s.close(() => r()));
  }
  return true;
}
