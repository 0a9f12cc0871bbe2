/**
 * A pod's network for the local platform's transparent-capture mode (Linux, root): its own
 * network namespace, a veth pair whose host end is on a bridge (default `tsmesh0`,
 * 10.244.0.1/16), the pod IP on `eth0` inside, `lo` up and a default route via the bridge. Pods
 * on one bridge reach each other directly (layer 2), so no ip_forward or NAT is needed for
 * pod-to-pod traffic; `ip netns exec NS` processes see `/etc/netns/NS/hosts` as /etc/hosts,
 * which maps service names to the caller's ClusterIPs.
 *
 * Everything is idempotent: creating what exists is fine, deleting what is gone is fine.
 */
import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import { run, runTolerating } from './run-command.js';

export interface BridgeOptions {
  /** Bridge device name (at most 15 characters). Default `tsmesh0`. */
  readonly name?: string;
  /** The bridge's address: the pods' default gateway. Default 10.244.0.1. */
  readonly address?: string;
  /** Prefix length of the pod subnet. Default 16. */
  readonly prefixLength?: number;
}

export interface PodNetworkOptions {
  /** Network namespace name: unique per pod (tests: unique per run). */
  readonly netns: string;
  /** The pod's IPv4 address, in the bridge's subnet. */
  readonly podIp: string;
  readonly bridge?: BridgeOptions;
  /** /etc/hosts entries inside the namespace: IP → names (service names → ClusterIPs). */
  readonly hosts?: readonly (readonly [ip: string, names: readonly string[]])[];
  /** resolv.conf contents inside the namespace; unset: the host's. */
  readonly resolvConf?: string;
}

export interface PodNetwork {
  readonly netns: string;
  readonly podIp: string;
  /** The host end of the veth pair (on the bridge). */
  readonly hostVeth: string;
  readonly bridge: Required<BridgeOptions>;
}

export const DEFAULT_BRIDGE: Required<BridgeOptions> = Object.freeze({ name: 'tsmesh0', address: '10.244.0.1', prefixLength: 16 });

const EXISTS = /File exists|already exists|already assigned/i;
const GONE = /Cannot find device|does not exist|No such file|not found/i;

/** Creates the bridge when missing; true when this call created it. */
export async function ensureBridge(options: BridgeOptions = {}): Promise<boolean> {
  const b = { ...DEFAULT_BRIDGE, ...options };
  checkIfName(b.name);
  if (!isIPv4(b.address)) throw new Error(`capture: bridge address ${b.address} is not an IPv4 address`);
  let created = true;
  try {
    await run(['ip', 'link', 'add', b.name, 'type', 'bridge']);
  } catch (err) {
    if (!EXISTS.test(String((err as Error).message))) throw err;
    created = false;
  }
  await runTolerating(['ip', 'addr', 'add', `${b.address}/${b.prefixLength}`, 'dev', b.name], EXISTS);
  await run(['ip', 'link', 'set', b.name, 'up']);
  return created;
}

/** Deletes the bridge (only when no pod is attached to it any more, unless `force`). */
export async function deleteBridge(name = DEFAULT_BRIDGE.name, force = false): Promise<boolean> {
  try {
    if (!force) {
      const attached = (await run(['ip', '-o', 'link', 'show', 'master', name])).trim();
      if (attached !== '') return false;
    }
    await run(['ip', 'link', 'del', name]);
    return true;
  } catch (err) {
    if (GONE.test(String((err as Error).message))) return false;
    throw err;
  }
}

/** The host-side veth name for a namespace: short (IFNAMSIZ 15) and stable, so cleanup finds it. */
export function hostVethName(netns: string): string {
  return `tsv${createHash('sha256').update(netns).digest('hex').slice(0, 10)}`;
}

/** Creates the pod's namespace and network (the bridge too when missing). */
export async function createPodNetwork(options: PodNetworkOptions): Promise<PodNetwork> {
  const bridge = { ...DEFAULT_BRIDGE, ...options.bridge };
  const ns = options.netns;
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(ns)) throw new Error(`capture: network namespace name ${JSON.stringify(ns)} must be 1-64 of [A-Za-z0-9_.-]`);
  if (!isIPv4(options.podIp)) throw new Error(`capture: pod IP ${options.podIp} is not an IPv4 address`);
  await ensureBridge(bridge);
  const hostVeth = hostVethName(ns);
  const peer = `${hostVeth.slice(0, 13)}p`;
  await runTolerating(['ip', 'netns', 'add', ns], EXISTS);
  const inNs = (...argv: string[]): string[] => ['ip', 'netns', 'exec', ns, ...argv];
  try {
    await writeNetnsEtc(ns, options);
    const haveEth0 = await run(inNs('ip', 'link', 'show', 'eth0')).then(() => true, () => false);
    if (!haveEth0) {
      await runTolerating(['ip', 'link', 'del', hostVeth], GONE); // a half-made pair from an earlier attempt
      await run(['ip', 'link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', peer]);
      await run(['ip', 'link', 'set', peer, 'netns', ns]);
      await run(inNs('ip', 'link', 'set', peer, 'name', 'eth0'));
    }
    await run(['ip', 'link', 'set', hostVeth, 'master', bridge.name]);
    await run(['ip', 'link', 'set', hostVeth, 'up']);
    await runTolerating(inNs('ip', 'addr', 'add', `${options.podIp}/${bridge.prefixLength}`, 'dev', 'eth0'), EXISTS);
    await run(inNs('ip', 'link', 'set', 'eth0', 'up'));
    await run(inNs('ip', 'link', 'set', 'lo', 'up'));
    await runTolerating(inNs('ip', 'route', 'add', 'default', 'via', bridge.address), EXISTS);
  } catch (err) {
    await deletePodNetwork(ns).catch(() => undefined);
    throw err;
  }
  return { netns: ns, podIp: options.podIp, hostVeth, bridge };
}

/** Rewrites the namespace's /etc/hosts (e.g. when services change); takes effect for new lookups. */
export async function writeNetnsEtc(netns: string, options: Pick<PodNetworkOptions, 'hosts' | 'resolvConf'>): Promise<void> {
  const dir = `/etc/netns/${netns}`;
  await mkdir(dir, { recursive: true });
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
  for (const [ip, names] of options.hosts ?? []) {
    if (names.length > 0) lines.push(`${ip}\t${names.join(' ')}`);
  }
  await writeFile(`${dir}/hosts`, lines.join('\n') + '\n');
  if (options.resolvConf !== undefined) await writeFile(`${dir}/resolv.conf`, options.resolvConf);
}

/** Deletes the namespace (its processes' sockets go with it), the veth pair and /etc/netns/NS. */
export async function deletePodNetwork(netns: string): Promise<void> {
  await runTolerating(['ip', 'link', 'del', hostVethName(netns)], GONE);
  await runTolerating(['ip', 'netns', 'del', netns], GONE);
  await rm(`/etc/netns/${netns}`, { recursive: true, force: true });
}

/**
 * argv that runs `argv` inside the namespace, as `user` when given. Entering a namespace needs
 * root, so the user is switched after it (setpriv, util-linux) rather than with spawn's uid/gid
 * options; both `ip netns exec` and setpriv exec in place, so the spawned PID is the program's.
 * The sidecar runs as 1337 so the capture rules' owner match leaves its own traffic alone.
 */
export function netnsExec(netns: string, argv: readonly string[], user?: { uid: number; gid: number }): string[] {
  const as = user === undefined ? [] : ['setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--'];
  return ['ip', 'netns', 'exec', netns, ...as, ...argv];
}

/** Istio's proxy uid and gid (istio-proxy), which the capture rules exempt. */
export const PROXY_USER = Object.freeze({ uid: 1337, gid: 1337 });

function checkIfName(name: string): void {
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(name)) throw new Error(`capture: interface name ${JSON.stringify(name)} must be 1-15 of [A-Za-z0-9_.-]`);
}
