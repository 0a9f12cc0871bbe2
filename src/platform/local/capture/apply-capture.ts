/**
 * Installs capture rules in a pod's network namespace, as Istio's init container does:
 * `iptables-restore` with the rules from istioIptablesRules, run inside the namespace.
 */
import { run } from './run-command.js';

/**
 * Which iptables-restore to use: the `iptables-restore` on PATH (nft or legacy backend, whichever
 * the host's iptables alternative is), overridable for hosts that need the other backend.
 */
export interface ApplyOptions {
  readonly iptablesRestore?: string;
}

/** Applies `rules` (a full `* nat … COMMIT` table) in `netns`; the nat table is replaced whole. */
export async function applyCapture(netns: string, rules: string, options: ApplyOptions = {}): Promise<void> {
  await run(['ip', 'netns', 'exec', netns, options.iptablesRestore ?? 'iptables-restore'], rules);
}

/** The namespace's nat table as `iptables-save -t nat` prints it (for debugging views and tests). */
export function saveNat(netns: string): Promise<string> {
  return run(['ip', 'netns', 'exec', netns, 'iptables-save', '-t', 'nat']);
}

/**
 * Null when transparent capture can run here; else why not (not Linux, not root, `ip` or
 * `iptables-restore` missing), for the platform to fall back to rootless mode with a message.
 */
export async function captureUnavailable(): Promise<string | null> {
  if (process.platform !== 'linux') return `transparent capture needs Linux (this is ${process.platform})`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'transparent capture needs root (network namespaces and iptables)';
  for (const argv of [['ip', '-V'], ['iptables-restore', '--version']]) {
    try {
      await run(argv);
    } catch (err) {
      return `transparent capture needs ${argv[0]}: ${(err as Error).message}`;
    }
  }
  // Root in a container without CAP_NET_ADMIN/CAP_SYS_ADMIN cannot make namespaces: try one.
  const probe = `tsmesh-probe-${process.pid}-${Date.now() % 100000}`;
  try {
    await run(['ip', 'netns', 'add', probe]);
    await run(['ip', 'netns', 'exec', probe, 'iptables-restore', '--test'], '*nat\nCOMMIT\n');
  } catch (err) {
    return `transparent capture cannot create network namespaces with iptables here: ${(err as Error).message}`;
  } finally {
    await run(['ip', 'netns', 'del', probe]).catch(() => undefined);
  }
  return null;
}
