/**
 * Replays the corpus against a ConformanceMesh, as upstream's harness does (README "How upstream
 * runs a test"): base manifests once, then per test its manifests, the cases (each until it
 * passes 3 times in a row, 30 s at most), and the test's resources deleted again.
 */
import type { Resource } from '../api/resource/resource.js';
import type { ConfigKey } from '../config/config-store.js';
import type { Case, Corpus, Requirement, Test } from './corpus.js';
import { readManifest } from './corpus.js';
import { check, prepare, send } from './check.js';
import type { Target } from './check.js';
import { checkDistribution } from './distribution.js';
import { generateSuiteCertificate, suiteTlsSecret } from './suite-tls.js';
import type { SuiteCertificate } from './suite-tls.js';
import { ConformanceMesh } from './mesh.js';

interface PopulateEndpointSlices {
  op: string;
  fromBackend: string;
  endpointSlices: string[];
}

/** What this runner cannot do: cases needing these are reported as skipped. */
export const UNSUPPORTED: Readonly<Record<string, string>> = {
  h2: 'needs HTTP/2 over TLS',
  h2c: 'needs an h2c client and an h2c echo',
  websocket: 'needs a WebSocket client',
};

/** The discovery server's debounce (20 ms here) plus a push to every proxy, with room to spare. */
const SETTLE_MS = 250;

const MIRROR_DISTRIBUTION = 'statistical: percentage mirror distribution check (mirrorDistribution) not implemented';

/**
 * Features Istio (so tsmesh) does not claim: the conversion refuses them on purpose (ResolvedRefs
 * InvalidFilter, as Istio), so their tests are skipped, as upstream skips unsupported features.
 * `includeUnsupported` runs them anyway.
 */
export const UNSUPPORTED_FEATURES: Readonly<Record<string, string>> = {
  HTTPRouteBackendRequestRedirect: 'RequestRedirect on a backendRef: not supported by Istio (route gets ResolvedRefs=False InvalidFilter)',
  HTTPRouteBackendURLRewrite: 'URLRewrite on a backendRef: not supported by Istio (route gets ResolvedRefs=False InvalidFilter)',
};

export interface CaseResult {
  readonly test: string;
  readonly name: string;
  readonly outcome: 'pass' | 'fail' | 'skip';
  readonly detail?: string;
}

export interface RunOptions {
  readonly className?: string;
  /** Scales the 30 s consistency limit (tests use less). */
  readonly maxConsistencyMs?: number;
  readonly includeUnsupported?: boolean;
  /** More requirements to skip, with the reason reported. */
  readonly skipRequirements?: Readonly<Record<string, string>>;
  readonly onResult?: (r: CaseResult) => void;
}

export class ConformanceRunner {
  readonly mesh: ConformanceMesh;
  readonly #corpus: Corpus;
  readonly #opts: RunOptions;
  #cert: SuiteCertificate | undefined;

  constructor(corpus: Corpus, mesh: ConformanceMesh, opts: RunOptions = {}) {
    this.#corpus = corpus;
    this.mesh = mesh;
    this.#opts = opts;
  }

  async setup(): Promise<void> {
    await this.mesh.start();
    this.#cert = generateSuiteCertificate();
    await this.mesh.apply(suiteTlsSecret(this.#cert));
    const file = this.#corpus.defaults.baseManifests;
    await this.mesh.applyYaml(readManifest(this.#corpus, file, this.#className()), file);
    await this.mesh.addBackends(this.mesh.store.list({ group: 'apps', kind: 'Deployment' }));
    await this.mesh.syncGatewayProxies();
  }

  async runTest(test: Test): Promise<CaseResult[]> {
    const results: CaseResult[] = [];
    const report = (r: CaseResult): void => {
      results.push(r);
      this.#opts.onResult?.(r);
    };
    const feature = this.#opts.includeUnsupported ? undefined : test.features.find((f) => UNSUPPORTED_FEATURES[f] !== undefined);
    const testSkip = feature !== undefined ? `${feature}: ${UNSUPPORTED_FEATURES[feature]}` : this.#unsupported(test.requires);
    if (testSkip) {
      for (const c of test.cases) report({ test: test.name, name: c.name, outcome: 'skip', detail: testSkip });
      return results;
    }
    const applied: ConfigKey[] = [];
    let started: string[] = [];
    try {
      for (const file of test.manifests) applied.push(...(await this.mesh.applyYaml(readManifest(this.#corpus, file, this.#className()), file)));
      started = await this.mesh.syncGatewayProxies();
      await this.#waitForRoutes(test.routes ?? []);
      for (const action of test.setup ?? []) await this.#setup(action as PopulateEndpointSlices);
      // Plain cases run in parallel as upstream; those with `before` or a repeat (which has no
      // warm-up of its own) run in order afterwards.
      const isPlain = (c: Case): boolean => c.before === undefined && c.repeat === undefined;
      const plain = test.cases.filter(isPlain);
      const ordered = test.cases.filter((c) => !isPlain(c));
      const outcomes = await Promise.all(plain.map((c) => this.#runCase(test, c)));
      outcomes.forEach(report);
      for (const c of ordered) {
        for (const a of c.before ?? []) {
          const slash = a.apiVersion.lastIndexOf('/');
          await this.mesh.store.delete({ group: slash < 0 ? '' : a.apiVersion.slice(0, slash), kind: a.kind, namespace: a.namespace, name: a.name });
        }
        report(await this.#runCase(test, c));
      }
    } finally {
      for (const key of applied.reverse()) await this.mesh.store.delete(key);
      for (const gw of started) await this.mesh.stopGatewayProxy(gw);
      // Let the deletions reach the proxies, so the next test does not pass on this one's routes.
      await sleep(SETTLE_MS);
    }
    return results;
  }

  async #runCase(test: Test, c: Case): Promise<CaseResult> {
    const base = { test: test.name, name: c.name };
    const skip = this.#unsupported(c.requires) ?? (c.websocket !== undefined ? UNSUPPORTED['websocket'] : undefined) ?? (c.mirrorDistribution ? MIRROR_DISTRIBUTION : undefined);
    if (skip) return { ...base, outcome: 'skip', detail: skip };
    if (!c.request || !c.expected) return { ...base, outcome: 'skip', detail: 'case has no request' };
    if (c.request.protocol !== undefined) return { ...base, outcome: 'skip', detail: `${c.request.protocol}: HTTP/2 clients not implemented` };
    const gateway = c.gateway ?? test.gateway;
    const port = c.gatewayPort ?? test.gatewayPort;
    const target: Target = { address: this.mesh.gatewayAddress(gateway), port: this.mesh.localPort(port), logicalPort: port, ...(this.#cert ? { ca: this.#cert.certPem } : {}) };
    const cons = this.#corpus.defaults.consistency;
    const timeoutMs = cons.requestTimeoutSeconds * 1000;
    const maxMs = this.#opts.maxConsistencyMs ?? cons.maxTimeToConsistencySeconds * 1000;
    await this.mesh.waitForListener(gateway, port, Math.min(maxMs, 10_000));

    if (c.repeat !== undefined && c.expected.backendFromRequestHeader !== undefined) return { ...base, ...(await this.#repeat(c, target, timeoutMs)) };

    const deadline = Date.now() + maxMs;
    let streak = 0;
    let last = 'no attempt';
    while (Date.now() < deadline) {
      const prepared = prepare(c.request, c.expected);
      let failure: string | undefined;
      try {
        const observed = await send(target, prepared, timeoutMs);
        failure = check(c.expected, observed, prepared, target);
        if (failure === undefined && c.expected.mirroredTo && observed.status >= 200 && observed.status < 300) failure = await this.#mirrored(c.expected.mirroredTo, prepared.path);
      } catch (err) {
        failure = `request failed: ${(err as Error).message}`;
      }
      if (failure === undefined) {
        if (++streak < cons.requiredConsecutiveSuccesses) continue;
        if (c.distribution === undefined) return { ...base, outcome: 'pass' };
        const bad = await checkDistribution(c, target, timeoutMs);
        return bad === undefined ? { ...base, outcome: 'pass' } : { ...base, outcome: 'fail', detail: `distribution: ${bad}` };
      }
      streak = 0;
      last = failure;
      await sleep(cons.pollIntervalMillis);
    }
    return { ...base, outcome: 'fail', detail: last };
  }

  /** README "repeat": every response's pod starts with the value its echoed header names. */
  async #repeat(c: Case, target: Target, timeoutMs: number): Promise<{ outcome: 'pass' | 'fail'; detail?: string }> {
    const header = c.expected!.backendFromRequestHeader!.toLowerCase();
    for (let i = 0; i < c.repeat!; i++) {
      const prepared = prepare(c.request!, undefined);
      const observed = await send(target, prepared, timeoutMs).catch((err: Error) => err);
      if (observed instanceof Error) return { outcome: 'fail', detail: `request ${i + 1}: ${observed.message}` };
      const values = Object.entries(observed.echo?.headers ?? {}).find(([k]) => k.toLowerCase() === header)?.[1] ?? [];
      if (values.length !== 1) return { outcome: 'fail', detail: `request ${i + 1}: expected one ${header} header, got ${JSON.stringify(values)} (status ${observed.status})` };
      if (!observed.echo!.pod.startsWith(values[0]!)) return { outcome: 'fail', detail: `request ${i + 1}: pod ${observed.echo!.pod} does not start with ${values[0]}` };
    }
    return { outcome: 'pass' };
  }

  async #mirrored(mirrors: NonNullable<NonNullable<Case['expected']>['mirroredTo']>, path: string): Promise<string | undefined> {
    const deadline = Date.now() + 10_000;
    for (const m of mirrors) {
      const echoes = this.mesh.echoes.filter((e) => e.namespace === m.namespace && e.podName.startsWith(m.backend));
      while (!echoes.some((e) => e.served.includes(path))) {
        if (Date.now() > deadline) return `mirror: ${m.namespace}/${m.backend} did not receive ${path}`;
        await sleep(50);
      }
    }
    return undefined;
  }

  /**
   * README "setup": fill each (empty) EndpointSlice with the backend's echo pods of its address
   * family on port 3000. The echo pods are IPv4 only, so IPv6 slices stay empty (skipped).
   */
  async #setup(action: PopulateEndpointSlices): Promise<void> {
    if (action.op !== 'populateEndpointSlices') throw new Error(`unknown setup action ${JSON.stringify(action.op)}`);
    const [ns, backend] = action.fromBackend.split('/') as [string, string];
    const pods = this.mesh.store
      .list({ group: '', kind: 'Pod', namespace: ns })
      .filter((p) => p.metadata.labels?.['app'] === backend);
    for (const ref of action.endpointSlices) {
      const [sliceNs, name] = ref.split('/') as [string, string];
      const slice = this.mesh.store.get({ group: 'discovery.k8s.io', kind: 'EndpointSlice', namespace: sliceNs, name });
      if (slice === undefined) throw new Error(`setup: EndpointSlice ${ref} does not exist`);
      const family = (slice as { addressType?: string }).addressType === 'IPv6' ? 6 : 4;
      const endpoints = pods
        .map((p) => ({ pod: p, ip: String((p.status as { podIP?: string } | undefined)?.podIP ?? '') }))
        .filter(({ ip }) => ip !== '' && (ip.includes(':') ? 6 : 4) === family)
        .map(({ pod, ip }) => ({ addresses: [ip], conditions: { ready: true }, targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name } }));
      if (endpoints.length === 0) continue;
      const { metadata, ...rest } = slice as unknown as Record<string, unknown> & { metadata: Resource['metadata'] };
      await this.mesh.apply({ ...rest, metadata: { name: metadata.name, namespace: metadata.namespace, labels: metadata.labels }, endpoints } as unknown as Resource);
    }
  }

  /**
   * As upstream waits for its routes to be accepted: until the control plane has written status
   * for every route of the test (so it has converted them), then a pause for the push to land.
   */
  async #waitForRoutes(routes: readonly string[]): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (const ref of routes) {
      const [namespace, name] = ref.split('/') as [string, string];
      while (Date.now() < deadline) {
        const route = this.mesh.store.get({ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace, name });
        if (((route?.status as { parents?: unknown[] } | undefined)?.parents?.length ?? 0) > 0) break;
        await sleep(20);
      }
    }
    await sleep(SETTLE_MS);
  }

  #unsupported(requires: readonly Requirement[] | undefined): string | undefined {
    const reasons = { ...UNSUPPORTED, ...(this.#opts.skipRequirements ?? {}) };
    for (const r of requires ?? []) if (reasons[r] !== undefined) return `${r}: ${reasons[r]}`;
    return undefined;
  }

  #className(): string {
    return this.#opts.className ?? 'istio';
  }
}


function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
