/**
 * What the local platform calls per pod in capture mode: the pod's network plus Istio's init
 * container rules (setUpCapturedPod / tearDownCapturedPod), the argv that runs the app and the
 * sidecar inside it, and the pod's capture options from Istio's `traffic.sidecar.istio.io/*`
 * annotations, as the sidecar injector turns them into istio-iptables flags.
 */
import { fileURLToPath } from 'node:url';
import { applyCapture } from './apply-capture.js';
import { SIDECAR_INJECTOR_DEFAULTS, istioIptablesRules } from './istio-iptables.js';
import type { CaptureOptions } from './istio-iptables.js';
import { DEFAULT_BRIDGE, PROXY_USER, createPodNetwork, deletePodNetwork, netnsExec } from './netns.js';
import type { BridgeOptions, PodNetwork, PodNetworkOptions } from './netns.js';

const TSMESH_BIN = fileURLToPath(new URL('../../../../../bin/tsmesh.js', import.meta.url));

export interface CapturedPodOptions extends PodNetworkOptions {
  /** Over SIDECAR_INJECTOR_DEFAULTS (see captureOptionsFromAnnotations). */
  readonly capture?: CaptureOptions;
}

export interface CapturedPod extends PodNetwork {
  /** The iptables-restore input applied, for debugging views. */
  readonly rules: string;
}

/** Creates the pod's namespace and network and installs the capture rules; undone on failure. */
export async function setUpCapturedPod(options: CapturedPodOptions): Promise<CapturedPod> {
  const rules = istioIptablesRules({ ...SIDECAR_INJECTOR_DEFAULTS, ...options.capture });
  const net = await createPodNetwork(options);
  try {
    await applyCapture(net.netns, rules);
  } catch (err) {
    await deletePodNetwork(net.netns).catch(() => undefined);
    throw err;
  }
  return { ...net, rules };
}

/** Removes what setUpCapturedPod made (kill the pod's processes first: a namespace does not stop them). */
export function tearDownCapturedPod(netns: string): Promise<void> {
  return deletePodNetwork(netns);
}

/** argv for the pod's application (as root unless `user` is given; never uid 1337, whose traffic is not captured). */
export function appArgv(netns: string, argv: readonly string[], user?: { uid: number; gid: number }): string[] {
  if (user !== undefined && (user.uid === PROXY_USER.uid || user.gid === PROXY_USER.gid)) {
    throw new Error(`capture: the app in ${netns} may not run as uid/gid ${PROXY_USER.uid}: its traffic would bypass the sidecar`);
  }
  return netnsExec(netns, argv, user);
}

/** argv for the pod's sidecar: `tsmesh proxy ARGS…` inside the namespace as uid/gid 1337. */
export function sidecarArgv(netns: string, proxyArgs: readonly string[]): string[] {
  return netnsExec(netns, [process.execPath, TSMESH_BIN, 'proxy', ...proxyArgs], PROXY_USER);
}

/**
 * The n-th pod address on the bridge (n from 1): 10.244.0.2, 10.244.0.3, … skipping the bridge's
 * own address and any .0/.255 host part, within the bridge's prefix.
 */
export function podIpFor(n: number, bridge: BridgeOptions = {}): string {
  const b = { ...DEFAULT_BRIDGE, ...bridge };
  if (!Number.isInteger(n) || n < 1) throw new Error(`capture: pod index ${n} must be 1 or more`);
  const base = b.address.split('.').reduce((acc, p) => acc * 256 + Number(p), 0);
  const size = 2 ** (32 - b.prefixLength);
  const network = base - (base % size);
  let seen = 0;
  for (let host = 1; host < size - 1; host++) {
    const ip = network + host;
    if (ip === base || ip % 256 === 0 || ip % 256 === 255) continue;
    if (++seen === n) return [24, 16, 8, 0].map((s) => Math.floor(ip / 2 ** s) % 256).join('.');
  }
  throw new Error(`capture: no pod address ${n} in ${b.address}/${b.prefixLength}`);
}

/**
 * istio-iptables options from a pod's annotations, as Istio's injector computes them:
 * includeInboundPorts (default '*'), excludeInboundPorts (plus 15090, 15021, 15020 always),
 * includeOutboundIPRanges (default '*'), excludeOutboundIPRanges, excludeOutboundPorts.
 * Throws naming the annotation when a value is malformed.
 */
export function captureOptionsFromAnnotations(annotations: Readonly<Record<string, string>> = {}): CaptureOptions {
  const key = (k: string): string | undefined => annotations[`traffic.sidecar.istio.io/${k}`];
  const ports = (k: string): number[] => {
    const v = key(k);
    if (v === undefined || v.trim() === '') return [];
    return v.split(',').map((s) => {
      const n = Number(s.trim());
      if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`annotation traffic.sidecar.istio.io/${k}: "${s.trim()}" is not a port number`);
      return n;
    });
  };
  const cidrs = (k: string): string[] => (key(k) ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  const inInclude = key('includeInboundPorts');
  const outInclude = key('includeOutboundIPRanges');
  const exclude = [...new Set([...ports('excludeInboundPorts'), ...SIDECAR_INJECTOR_DEFAULTS.inboundPortsExclude])];
  return {
    inboundPortsInclude: inInclude === undefined || inInclude.trim() === '*' ? '*' : ports('includeInboundPorts'),
    inboundPortsExclude: exclude,
    outboundIpRangesInclude: outInclude === undefined || outInclude.trim() === '*' ? '*' : cidrs('includeOutboundIPRanges'),
    outboundIpRangesExclude: cidrs('excludeOutboundIPRanges'),
    outboundPortsExclude: ports('excludeOutboundPorts'),
  };
}
