/**
 * The envoy.filters.listener.original_dst listener filter's system call: the destination a
 * connection had before an iptables REDIRECT (Istio's init container rules) sent it to this proxy,
 * read with getsockopt(SO_ORIGINAL_DST). Node has no binding for that option, so it comes from the
 * small N-API addon in native/original-dst (package `tsmesh-original-dst`, built by `npm ci`).
 *
 * The addon is optional: without it (not Linux, no compiler) every other listener works, and a
 * listener that asks for original_dst is rejected with the load error instead of crashing.
 */
import { createRequire } from 'node:module';
import type net from 'node:net';

export interface OriginalDst {
  readonly address: string;
  readonly port: number;
}

type Addon = { originalDst(fd: number): { address: string; port: number; family: number } };

export const ORIGINAL_DST_FILTER = {
  name: 'envoy.filters.listener.original_dst',
  type: 'type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst',
};

let loaded: { addon: Addon } | { error: string } | null = null;

function load(): { addon: Addon } | { error: string } {
  if (loaded !== null) return loaded;
  if (process.platform !== 'linux') {
    loaded = { error: `SO_ORIGINAL_DST exists only on Linux (this is ${process.platform})` };
    return loaded;
  }
  try {
    const addon = createRequire(import.meta.url)('tsmesh-original-dst') as Addon;
    if (typeof addon.originalDst !== 'function') throw new Error('the module has no originalDst function');
    loaded = { addon };
  } catch (err) {
    loaded = { error: `${(err as Error).message.split('\n')[0]} (run \`npm ci\` or \`npm rebuild tsmesh-original-dst\` on Linux with a C compiler)` };
  }
  return loaded;
}

/** Null when original destinations can be read here; else why not, for the config error. */
export function originalDstUnavailable(): string | null {
  const l = load();
  return 'error' in l ? l.error : null;
}

/**
 * The socket's original destination, or null when it has none (the connection was not
 * redirected: Envoy then leaves the local address as it is) or it cannot be read.
 */
export function readOriginalDst(socket: net.Socket): OriginalDst | null {
  const l = load();
  if ('error' in l) return null;
  const fd = (socket as net.Socket & { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return null;
  try {
    const r = l.addon.originalDst(fd);
    return { address: r.address, port: r.port };
  } catch {
    return null;
  }
}
