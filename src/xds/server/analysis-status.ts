/**
 * Istio's in-cluster analysis (istiod with `PILOT_ENABLE_ANALYSIS`, set by
 * `values.global.istiod.enableAnalysis=true`): the analyzers `istioctl analyze` runs, over the
 * resources in the config store, their messages written into `status.validationMessages` of the
 * istio.io resources they are about (pkg/config/analysis/incluster/controller.go).
 */
import { analyze } from '../../api/analyzers/analyze.js';
import type { Problem } from '../../api/problems/problem.js';
import type { Resource } from '../../api/resource/resource.js';
import { keyOf, keyString, type ConfigStore } from '../../config/config-store.js';
import { istioStatusWithMessages, problemsFor } from '../../config/status.js';
import type { MeshConfig } from '../../model/mesh-config.js';
import type { Registry } from '../../registry/build-registry.js';

export interface AnalysisStatusOptions {
  readonly store: ConfigStore;
  readonly mesh?: MeshConfig;
  /**
   * Quiet time after the last change before analysis runs, so a burst of applies is analyzed once
   * and the pass (about 100 ms of event-loop time at 2200 resources) comes after the push the
   * change caused (the xDS debounce is 100 ms) rather than in the middle of it. Istio analyses
   * every PILOT_ANALYSIS_INTERVAL, 10 s; a second is soon enough for `get -o yaml`. Default 1000 ms.
   */
  readonly debounceMs?: number;
  /** Under constant churn, analysis still runs this long after the first change at the latest (Istio's interval). Default 10 s. */
  readonly maxDelayMs?: number;
  /**
   * Resolves when the xDS server has no push pending or being written (DiscoveryServer.idle): a
   * pass waits for it, so its event-loop time never lands in the middle of a push.
   */
  readonly waitForPushes?: () => Promise<void>;
  readonly onError?: (err: unknown) => void;
  /** Called after every analysis pass, with its duration and how many statuses it wrote (for tests and logs). */
  readonly onAnalyzed?: (result: AnalysisPass) => void;
}

/** What a snapshot was built from, handed to the pass that follows it. */
export interface AnalysisInput {
  readonly resources: readonly Resource[];
  readonly registry: Registry;
}

export interface AnalysisPass {
  readonly resources: number;
  readonly problems: number;
  readonly statusWrites: number;
  /** Time the analyzers took (synchronous work on the event loop), not counting the status writes. */
  readonly analyzeMs: number;
}

/** `networking.istio.io`, `security.istio.io` …: the groups whose status Istio's analysis writes. */
export function isIstioGroup(apiVersion: string): boolean {
  const slash = apiVersion.indexOf('/');
  return slash > 0 && apiVersion.slice(0, slash).endsWith('istio.io');
}

/**
 * Runs the analyzers after config changes, debounced, and writes each istio.io resource's
 * messages into its status when they differ from what is stored: new messages are written,
 * messages that no longer apply are cleared. A resource that has no messages and had none is not
 * touched, as in Istio. Unlike Istio, which remembers in memory which resources it wrote (and so
 * leaves stale messages behind after a restart), the stored status is the memory: a message in a
 * status is cleared whenever analysis no longer reports it.
 *
 * Status writes are status-only store events, which the mesh pipeline does not rebuild for, so
 * they cannot trigger another analysis.
 */
export class AnalysisStatusWriter {
  readonly #opts: AnalysisStatusOptions;
  #timer: NodeJS.Timeout | null = null;
  #firstPendingAt = 0;
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = false;
  #input: AnalysisInput | null = null;

  constructor(options: AnalysisStatusOptions) {
    this.#opts = options;
  }

  /**
   * Asks for an analysis pass after the debounce; cheap to call on every snapshot. `input`, the
   * store's resources and the registry the snapshot was built from, spares the pass rebuilding
   * the registry; without it the pass lists the store and builds its own.
   */
  schedule(input?: AnalysisInput): void {
    if (this.#stopped) return;
    this.#input = input ?? null;
    this.#arm();
  }

  #arm(): void {
    if (this.#running !== null) {
      this.#again = true;
      return;
    }
    const now = Date.now();
    if (this.#timer === null) this.#firstPendingAt = now;
    else clearTimeout(this.#timer);
    const debounce = this.#opts.debounceMs ?? 1000;
    const latest = this.#firstPendingAt + (this.#opts.maxDelayMs ?? 10_000);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.runNow();
    }, Math.max(0, Math.min(debounce, latest - now)));
  }

  /** One analysis pass now (a pending scheduled pass is folded into it). Resolves when its status writes are done. */
  runNow(): Promise<void> {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#running !== null) {
      this.#again = true;
      return this.#running;
    }
    const run = this.#pass()
      .catch((err: unknown) => this.#opts.onError?.(err))
      .finally(() => {
        this.#running = null;
        if (this.#again && !this.#stopped) {
          // A snapshot arrived during the pass; its input (kept by schedule) is the next pass's.
          this.#again = false;
          this.#arm();
        }
      });
    this.#running = run;
    return run;
  }

  /** Resolves when no pass is running (a debounced one may still be pending). */
  async idle(): Promise<void> {
    while (this.#running !== null) await this.#running;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  async #pass(): Promise<void> {
    await this.#opts.waitForPushes?.();
    if (this.#stopped) return;
    // Whatever snapshot arrived while waiting is covered by this pass.
    const input = this.#input;
    this.#input = null;
    this.#again = false;
    const resources = input?.resources ?? this.#opts.store.list();
    const started = performance.now();
    const problems = analyze(
      resources.map((resource) => ({ resource })),
      { allNamespaces: true, ...(this.#opts.mesh !== undefined && { mesh: this.#opts.mesh }), ...(input !== null && { registry: input.registry }) },
    );
    const byResource = groupByResource(problems);
    const analyzeMs = performance.now() - started;
    let statusWrites = 0;
    for (const r of resources) {
      if (this.#stopped) return;
      if (!isIstioGroup(r.apiVersion)) continue;
      // The stored status, not the snapshot's: our own writes of the previous pass may have landed
      // after the snapshot was taken (they are status-only, so they made no new snapshot).
      const current = this.#opts.store.get(keyOf(r));
      if (current === undefined || current.metadata.generation !== r.metadata.generation) continue; // gone or edited: its own snapshot follows
      const mine = byResource.get(refKey(r.kind, r.metadata.namespace, r.metadata.name ?? '')) ?? [];
      if (mine.length === 0 && !hasMessages(current.status)) continue;
      const status = istioStatusWithMessages(current.status, problemsFor(mine, refOf(r)), r.metadata.generation);
      if (JSON.stringify(status) === JSON.stringify(current.status)) continue;
      try {
        // The generation the messages are about: a spec edited meanwhile makes the write stale, and
        // the snapshot for that edit schedules the next pass.
        const result = await this.#opts.store.updateStatus(keyOf(r), status, r.metadata.generation);
        if (result.result === 'updated') statusWrites++;
      } catch (err) {
        this.#opts.onError?.(new Error(`cannot write analysis status of ${keyString(keyOf(r))}: ${String(err)}`, { cause: err }));
      }
    }
    this.#opts.onAnalyzed?.({ resources: resources.length, problems: problems.length, statusWrites, analyzeMs });
  }
}

function refOf(r: Resource): { kind: string; namespace?: string; name: string } {
  const name = r.metadata.name ?? '';
  return r.metadata.namespace === undefined ? { kind: r.kind, name } : { kind: r.kind, namespace: r.metadata.namespace, name };
}

function refKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}

/**
 * Problems name a resource by kind, namespace and name, not group (as istioctl prints them). No
 * analyzer reports on a Gateway API resource whose kind an istio.io kind shares (only `Gateway`
 * would), so kind is enough to find the istio.io resource a message is about.
 */
function groupByResource(problems: readonly Problem[]): Map<string, Problem[]> {
  const out = new Map<string, Problem[]>();
  for (const p of problems) {
    if (p.resource === undefined) continue;
    const key = refKey(p.resource.kind, p.resource.namespace, p.resource.name);
    let list = out.get(key);
    if (list === undefined) out.set(key, (list = []));
    list.push(p);
  }
  return out;
}

function hasMessages(status: unknown): boolean {
  return typeof status === 'object' && status !== null && Array.isArray((status as { validationMessages?: unknown }).validationMessages);
}
