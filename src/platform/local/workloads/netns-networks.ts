/**
 * Pod networks for the netns capture mode (`--set values.capture=netns`, Linux, root): each pod
 * gets a network namespace on the mesh's bridge, with Istio's init-container iptables rules when
 * it has a sidecar, and an /etc/hosts (what `ip netns exec` shows the pod as /etc/hosts) naming
 * every Service by its ClusterIP as cluster DNS would: `name` for its own namespace, `name.ns`,
 * `name.ns.svc` and `name.ns.svc.cluster.local`. Apps need no configuration: they listen on any
 * address and connect to service names; the sidecar's iptables capture does the rest.
 */
import { createHash } from 'node:crypto';
import type { Resource } from '../../../api/resource/resource.js';
import type { ConfigStore } from '../../../config/config-store.js';
import { deleteBridge, ensureBridge, netnsExec, PROXY_USER, writeNetnsEtc, type BridgeOptions } from '../capture/netns.js';
import { captureOptionsFromAnnotations, podIpFor, setUpCapturedPod, tearDownCapturedPod } from '../capture/pod-capture.js';
import { createPodNetwork } from '../capture/netns.js';

export interface NetnsPod {
  readonly netns: string;
  readonly podIP: string;
  /** Prefix that runs a command in the pod (as root). */
  readonly wrapper: readonly string[];
  /** Prefix that runs the sidecar in the pod as uid/gid 1337 (exempt from capture). */
  readonly proxyWrapper: readonly string[];
}

/** The admin port stays reachable from the host (readiness, proxy-config) instead of being captured. */
const EXTRA_INBOUND_EXCLUDES = [15000];

export class NetnsNetworks {
  readonly bridge: Required<BridgeOptions>;
  readonly #store: ConfigStore;
  readonly #tag: string;
  readonly #pods = new Map<string, { namespace: string }>();

  /** One bridge and /16 per mesh, derived from its state directory, so two meshes do not share one. */
  constructor(store: ConfigStore, stateRoot: string) {
    this.#store = store;
    const h = createHash('sha256').update(stateRoot).digest();
    this.#tag = h.toString('hex').slice(0, 6);
    this.bridge = { name: `tsm${this.#tag}`, address: `10.${200 + ((h[3] ?? 0) % 50)}.0.1`, prefixLength: 16 };
  }

  async start(): Promise<void> {
    await ensureBridge(this.bridge);
  }

  /** The n-th pod's network (n ≥ 1), captured when the pod has a sidecar. */
  async setUp(pod: Resource, n: number, captured: boolean): Promise<NetnsPod> {
    const namespace = pod.metadata.namespace ?? 'default';
    const netns = `tsm-${this.#tag}-${n}`;
    const podIP = podIpFor(n, this.bridge);
    const hosts = this.#hostsFor(namespace);
    if (captured) {
      const capture = captureOptionsFromAnnotations(pod.metadata.annotations ?? {});
      await setUpCapturedPod({ netns, podIp: podIP, bridge: this.bridge, hosts, capture: { ...capture, inboundPortsExclude: [...(capture.inboundPortsExclude ?? []), ...EXTRA_INBOUND_EXCLUDES] } });
    } else {
      await createPodNetwork({ netns, podIp: podIP, bridge: this.bridge, hosts });
    }
    this.#pods.set(netns, { namespace });
    return { netns, podIP, wrapper: netnsExec(netns, []), proxyWrapper: netnsExec(netns, [], PROXY_USER) };
  }

  /** The index a pod IP of this mesh's subnet was handed out as (podIpFor's inverse), or undefined. */
  indexOf(podIP: string): number | undefined {
    const toInt = (ip: string): number => ip.split('.').reduce((acc, p) => acc * 256 + Number(p), 0);
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(podIP)) return undefined;
    const size = 2 ** (32 - this.bridge.prefixLength);
    const base = toInt(this.bridge.address);
    const network = base - (base % size);
    const h = toInt(podIP) - network;
    if (h <= 0 || h >= size - 1) return undefined;
    // Hosts counted by podIpFor: 1..h minus .0 and .255 host parts minus the bridge's own address.
    const n = h - Math.floor(h / 256) - Math.floor((h + 1) / 256) - (base - network <= h ? 1 : 0);
    return n >= 1 && podIpFor(n, this.bridge) === podIP ? n : undefined;
  }

  async tearDown(netns: string): Promise<void> {
    this.#pods.delete(netns);
    await tearDownCapturedPod(netns);
  }

  /** Services changed: rewrite every pod's /etc/hosts. */
  async refreshHosts(): Promise<void> {
    for (const [netns, { namespace }] of this.#pods) await writeNetnsEtc(netns, { hosts: this.#hostsFor(namespace) });
  }

  async close(): Promise<void> {
    await deleteBridge(this.bridge.name, true);
  }

  #hostsFor(namespace: string): [string, string[]][] {
    const out: [string, string[]][] = [];
    for (const svc of this.#store.list({ group: '', kind: 'Service' })) {
      const ip = (svc.spec as { clusterIP?: string } | undefined)?.clusterIP;
      if (ip === undefined || ip === '' || ip === 'None') continue;
      const { name = '', namespace: ns = 'default' } = svc.metadata;
      const names = [`${name}.${ns}`, `${name}.${ns}.svc`, `${name}.${ns}.svc.cluster.local`];
      out.push([ip, ns === namespace ? [name, ...names] : names]);
    }
    return out;
  }
}
