/**
 * `node dist/bench/controlplane/generation-probe.js [edits] [--digest]`: what a full push costs the control
 * plane in process, without sockets: the control-plane bench's scenario and its 200 proxies
 * (Fleet's node ids and metadata), then VirtualService weight edits. Per snapshot: ms generating
 * every proxy's resources, ms fingerprinting them as the ADS server does (and encoding what
 * changed per proxy), and the bytes of JSON Fingerprints serialized. A probe for the figures of
 * a change, not a test: it prints, and fails only when it cannot measure.
 */
import { createHash } from 'node:crypto';
import { ingestYaml } from '../../src/api/ingest.js';
import { MemoryStore } from '../../src/config/memory-store.js';
import type { PushContext } from '../../src/model/push-context.js';
import type { Proxy } from '../../src/model/proxy.js';
import { nodeId, nodeMetadata } from '../../src/xds/agent/build-bootstrap.js';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL } from '../../src/xds/ads-protocol.js';
import { Fingerprints } from '../../src/xds/server/fingerprints.js';
import { MeshPipeline } from '../../src/xds/server/mesh-pipeline.js';
import { proxyFromNode } from '../../src/xds/server/proxy-from-node.js';
import { ResourceEncoder } from '../../src/xds/server/resource-encoder.js';
import { generateProxyResources } from '../../src/translate/generate.js';
import type { EnvoyJson, ProxyResources } from '../../src/translate/generated.js';
import { ISSUE_SCENARIO, scenarioFiles, virtualServiceYaml } from './scenario.js';

const PROXIES = 200;
const edits = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 6);
/** `--digest`: also print digests of the generated JSON and of the bytes encoded (slow: hashes every proxy's resources). */
const withDigest = process.argv.includes('--digest');

function fleetProxies(): Proxy[] {
  const out: Proxy[] = [];
  for (let k = 0; k < PROXIES; k++) {
    const namespace = `ns-${k % ISSUE_SCENARIO.namespaces}`;
    const c = {
      type: 'sidecar' as const,
      namespace,
      podName: `client-${k}-7d9f8`,
      labels: { app: `client-${k % ISSUE_SCENARIO.namespaces}`, version: 'v1' },
      serviceAccount: 'default',
      ips: [`10.200.${k >> 8}.${k & 255}`],
      adminPort: 15000,
      istioVersion: '1.22.0',
      discoveryAddress: '127.0.0.1:15010',
    };
    const r = proxyFromNode({ id: nodeId(c), cluster: `client-${k % ISSUE_SCENARIO.namespaces}.${namespace}`, metadata: nodeMetadata(c) });
    if (!r.ok) throw new Error(r.reason);
    out.push(r.proxy);
  }
  return out;
}

const TYPES: [keyof ProxyResources, string][] = [
  ['clusters', CLUSTER_TYPE_URL],
  ['endpoints', ENDPOINT_TYPE_URL],
  ['listeners', LISTENER_TYPE_URL],
  ['routes', ROUTE_TYPE_URL],
];

/** Counts what JSON.stringify returns while `run` runs (Fingerprints' serialization). */
function countingStringify<T>(run: () => T): { value: T; bytes: number; calls: number } {
  const original = JSON.stringify;
  let bytes = 0;
  let calls = 0;
  JSON.stringify = ((...args: Parameters<typeof JSON.stringify>) => {
    const s = original(...args);
    calls++;
    bytes += s?.length ?? 0;
    return s;
  }) as typeof JSON.stringify;
  try {
    return { value: run(), bytes, calls };
  } finally {
    JSON.stringify = original;
  }
}

async function main(): Promise<void> {
  const store = new MemoryStore();
  for (const f of scenarioFiles(ISSUE_SCENARIO)) {
    const { accepted } = await ingestYaml(f.text, { file: f.name });
    for (const { resource } of accepted) await store.apply(resource);
  }
  let push: PushContext | undefined;
  const pipeline = new MeshPipeline({ store, update: (p) => void (push = p) });
  pipeline.start();
  const proxies = fleetProxies();
  const fingerprints = new Fingerprints();
  const encoder = new ResourceEncoder((json) => fingerprints.of(json));
  const edited: [number, number, number][] = [];
  const lastSent = new Map<string, { json: EnvoyJson; key: string }[]>();
  for (let i = 0; i <= edits; i++) {
    if (i > 0) {
      const { accepted } = await ingestYaml(virtualServiceYaml(0, ISSUE_SCENARIO, 50 + (i % 2) * 10), { file: 'vs-0.yaml' });
      for (const { resource } of accepted) await store.apply(resource);
    }
    const snapshot = push!;
    fingerprints.rotate();
    encoder.rotate();
    let t = performance.now();
    let cpu = process.cpuUsage();
    const { value: generated, bytes: generateBytes } = countingStringify(() => proxies.map((p) => generateProxyResources(p, snapshot)));
    const generateMs = performance.now() - t;
    const generateCpu = cpuMs(process.cpuUsage(cpu));
    // Route configurations first, alone: the part of fingerprinting that scales with the number of virtual hosts.
    const routeCpuStart = process.cpuUsage();
    const { bytes: routeBytes } = countingStringify(() => {
      for (const res of generated) for (const rc of res.routes) fingerprints.of(rc);
    });
    const routeCpu = cpuMs(process.cpuUsage(routeCpuStart));
    t = performance.now();
    cpu = process.cpuUsage();
    let encoded = 0;
    const bytesSent = createHash('sha256');
    const { bytes } = countingStringify(() => {
      generated.forEach((res, n) => {
        for (const [field, typeUrl] of TYPES) {
          const list = res[field] as readonly EnvoyJson[];
          const slot = `${n}/${typeUrl}`;
          const before = lastSent.get(slot) ?? [];
          const now: { json: EnvoyJson; key: string }[] = [];
          list.forEach((json, j) => {
            // As the ADS server: the very object last sent is unchanged; else compare fingerprints.
            const prev = before[j];
            if (prev !== undefined && prev.json === json) return void now.push(prev);
            const key = fingerprints.of(json);
            if (prev === undefined || prev.key !== key) {
              const any = encoder.encode(typeUrl, key, json);
              if (withDigest) bytesSent.update(any.value);
              encoded++;
            }
            now.push({ json, key });
          });
          lastSent.set(slot, now);
        }
      });
    });
    const fingerprintMs = performance.now() - t;
    const fingerprintCpu = cpuMs(process.cpuUsage(cpu));
    if (i > 0) edited.push([generateCpu, fingerprintCpu, routeCpu]);
    // What generation produced, to check that a change to how it is built leaves it as it was.
    let digests = '';
    if (withDigest) {
      const digest = createHash('sha256');
      for (const res of generated) digest.update(JSON.stringify(res));
      digests = ` output ${digest.digest('hex').slice(0, 12)} bytes sent ${bytesSent.digest('hex').slice(0, 12)}`;
    }
    process.stdout.write(
      `${i === 0 ? 'initial ' : `edit ${i}   `} generate ${generateMs.toFixed(0).padStart(5)} ms, CPU ${generateCpu.toFixed(0).padStart(5)} ms (JSON.stringify ${(generateBytes / 1e6).toFixed(2)} MB), ` +
        `fingerprint+encode ${fingerprintMs.toFixed(0).padStart(5)} ms, CPU ${fingerprintCpu.toFixed(0).padStart(5)} ms (Fingerprints serialized ${((bytes + routeBytes) / 1e6).toFixed(2)} MB, route configurations alone ${(routeBytes / 1e6).toFixed(2)} MB in CPU ${routeCpu.toFixed(0)} ms; ${encoded} resource-sends encoded)${digests}\n`,
    );
  }
  pipeline.stop();
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const g = median(edited.map((e) => e[0]));
  const f = median(edited.map((e) => e[1]));
  const r = median(edited.map((e) => e[2]));
  process.stdout.write(`median of ${edited.length} edits, CPU ms: generate ${g.toFixed(0)}, fingerprint route configurations ${r.toFixed(0)}, then the rest of fingerprint+encode ${f.toFixed(0)}; all ${(g + r + f).toFixed(0)}\n`);
}

function cpuMs(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1000;
}

await main();
