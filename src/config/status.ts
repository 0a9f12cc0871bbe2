// Status shapes the mesh writes: Gateway API conditions (metav1.Condition) and Istio's validationMessages.
import { Messages, type MessageType } from '../api/problems/messages.js';
import type { Problem, Severity } from '../api/problems/problem.js';
import { formatTimestamp } from './apply-rules.js';
import { CONFIG_MESSAGE_LIST } from './config-messages.js';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/**
 * Kubernetes' metav1.Condition, which the Gateway API uses for every status (`Accepted`,
 * `Programmed`, `ResolvedRefs` …). `lastTransitionTime` is RFC 3339 and moves only when `status`
 * does, so it says how long the condition has been in its current state.
 */
export interface Condition {
  readonly type: string;
  readonly status: ConditionStatus;
  /** CamelCase, machine-readable: `Accepted`, `NoMatchingParent`, `InvalidKind`. */
  readonly reason: string;
  readonly message: string;
  /** The metadata.generation the condition was computed from. */
  readonly observedGeneration?: number;
  readonly lastTransitionTime: string;
}

/** A condition to set; `lastTransitionTime` is filled from the clock when it is needed and not given. */
export type ConditionUpdate = Omit<Condition, 'lastTransitionTime'> & { readonly lastTransitionTime?: string };

export interface ConditionsResult {
  readonly conditions: Condition[];
  /** False when the list is identical to the input: the caller can skip the status write. */
  readonly changed: boolean;
}

/**
 * Sets one condition as k8s.io/apimachinery meta.SetStatusCondition does: a new type is appended
 * (with the given lastTransitionTime, or now); an existing one takes the new status, reason,
 * message and observedGeneration in place, and its lastTransitionTime changes only when its status
 * changes (to the given time, or now). Other conditions keep their order. Returns a new array.
 */
export function setStatusCondition(conditions: readonly Condition[] | undefined, update: ConditionUpdate, now: number): ConditionsResult {
  const list = [...(conditions ?? [])];
  const index = list.findIndex((c) => c.type === update.type);
  const existing = index < 0 ? undefined : list[index];
  if (existing === undefined) {
    list.push(condition(update, update.lastTransitionTime ?? formatTimestamp(now)));
    return { conditions: list, changed: true };
  }
  const transitioned = existing.status !== update.status;
  const lastTransitionTime = transitioned ? (update.lastTransitionTime ?? formatTimestamp(now)) : existing.lastTransitionTime;
  const next = condition(update, lastTransitionTime);
  const changed =
    transitioned || existing.reason !== next.reason || existing.message !== next.message || existing.observedGeneration !== next.observedGeneration;
  if (changed) list[index] = next;
  return { conditions: list, changed };
}

/** Sets several conditions in order (the Gateway API writes `Accepted` and `ResolvedRefs` together). */
export function mergeConditions(conditions: readonly Condition[] | undefined, updates: readonly ConditionUpdate[], now: number): ConditionsResult {
  let list = [...(conditions ?? [])];
  let changed = false;
  for (const u of updates) {
    const r = setStatusCondition(list, u, now);
    list = r.conditions;
    changed ||= r.changed;
  }
  return { conditions: list, changed };
}

export function removeStatusCondition(conditions: readonly Condition[] | undefined, type: string): ConditionsResult {
  const list = (conditions ?? []).filter((c) => c.type !== type);
  return { conditions: list, changed: list.length !== (conditions ?? []).length };
}

export function findStatusCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isStatusConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findStatusCondition(conditions, type)?.status === 'True';
}

// Field order as metav1.Condition serialises, so `get -o yaml` reads like kubectl's.
function condition(u: ConditionUpdate, lastTransitionTime: string): Condition {
  const { type, status, reason, message, observedGeneration } = u;
  return observedGeneration === undefined
    ? { type, status, lastTransitionTime, reason, message }
    : { type, status, observedGeneration, lastTransitionTime, reason, message };
}

/** istio.analysis.v1alpha1.AnalysisMessageBase.Level, as proto JSON spells it. */
export type AnalysisLevel = 'ERROR' | 'WARNING' | 'INFO';

/**
 * istio.analysis.v1alpha1.AnalysisMessageBase: what Istio's in-cluster analysis writes into
 * `status.validationMessages`. It carries the message type and level, not the text (the text is
 * what `istioctl analyze` prints; the status points at the code's documentation page).
 */
export interface AnalysisMessageBase {
  readonly type: { readonly name?: string; readonly code: string };
  readonly level: AnalysisLevel;
  readonly documentationUrl?: string;
}

/** istio.meta.v1alpha1.IstioStatus, the status of every istio.io resource. */
export interface IstioStatus {
  readonly conditions?: readonly unknown[];
  readonly validationMessages?: readonly AnalysisMessageBase[];
  /** int64 in the proto, so proto JSON writes it as a string. */
  readonly observedGeneration?: string;
}

/** The per-code pages of https://istio.io/latest/docs/reference/config/analysis/. */
export const ISTIO_ANALYSIS_DOCS = 'https://istio.io/latest/docs/reference/config/analysis';

const LEVELS: Record<Severity, AnalysisLevel> = { Error: 'ERROR', Warning: 'WARNING', Info: 'INFO' };

const BY_CODE: ReadonlyMap<string, MessageType> = new Map(
  [...Object.values(Messages), ...CONFIG_MESSAGE_LIST].map((m): [string, MessageType] => [m.code, m]),
);

/**
 * Problems as Istio's analysis controller writes them (pkg/config/analysis/diag Message
 * .AnalysisMessageBase): level upper-cased, documentation URL `<docs>/<code lower-cased>/`.
 * IST codes link to Istio's page for the code; tsmesh's own TSM codes have no Istio page, so no URL.
 * Istio leaves `type.name` empty; tsmesh fills it in when it knows the code, which costs nothing
 * and tells a reader of `get -o yaml` what IST0101 is.
 */
export function validationMessages(problems: readonly Problem[], docsBase: string = ISTIO_ANALYSIS_DOCS): AnalysisMessageBase[] {
  return problems.map((p) => {
    const name = BY_CODE.get(p.code)?.name;
    const type = name === undefined ? { code: p.code } : { name, code: p.code };
    const level = LEVELS[p.severity];
    return p.code.startsWith('IST') ? { type, level, documentationUrl: `${docsBase}/${p.code.toLowerCase()}/` } : { type, level };
  });
}

/**
 * The status to write for an istio.io resource after analysis: `validationMessages` replaced
 * wholesale (Istio's analysis controller is their only writer and zeroes them before each write),
 * `observedGeneration` set, every other field of the current status (conditions from other
 * controllers) kept. Empty lists are omitted, as proto JSON omits them.
 */
export function istioStatusWithMessages(current: unknown, problems: readonly Problem[], generation: number | undefined, docsBase?: string): IstioStatus {
  const base = typeof current === 'object' && current !== null && !Array.isArray(current) ? (current as Record<string, unknown>) : {};
  const { validationMessages: _old, observedGeneration: _gen, ...rest } = base;
  const messages = validationMessages(problems, docsBase);
  const out: Record<string, unknown> = { ...rest };
  if (messages.length > 0) out.validationMessages = messages;
  if (generation !== undefined) out.observedGeneration = String(generation);
  return out as IstioStatus;
}

/** The problems about one resource (by kind, namespace and name), as the status writer needs them. */
export function problemsFor(problems: readonly Problem[], ref: { kind: string; namespace?: string; name: string }): Problem[] {
  return problems.filter((p) => p.resource !== undefined && p.resource.kind === ref.kind && p.resource.name === ref.name && p.resource.namespace === ref.namespace);
}
