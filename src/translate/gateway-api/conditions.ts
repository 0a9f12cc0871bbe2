/**
 * Status conditions as Istio writes them for Gateway API objects (pilot/pkg/config/kube/gateway/
 * conditions.go): each condition has a success form and flips status with an error's reason and
 * message; unchanged conditions keep their lastTransitionTime.
 */
import { isPlainObject } from '../../api/resource/resource.js';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** metav1.Condition, fields in Kubernetes' order. */
export interface Condition {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly observedGeneration?: number;
  readonly lastTransitionTime?: string;
  readonly reason: string;
  readonly message: string;
}

/** An error reported in a condition: the Gateway API reason (`BackendNotFound`) and a message for people. */
export interface ConfigError {
  readonly reason: string;
  readonly message: string;
}

/**
 * One condition to set: its success form (`reason`, `message`, `status`, default True) and, when
 * `error` is present, the inverted status with the error's reason and message.
 */
export interface ConditionSpec {
  reason: string;
  message: string;
  status?: 'True' | 'False';
  error?: ConfigError;
}

/** Route error reasons (ConfigErrorReason): Gateway API names where one exists, Istio's own otherwise. */
export const RouteReason = {
  InvalidDestination: 'InvalidDestination',
  RefNotPermitted: 'RefNotPermitted',
  InvalidKind: 'InvalidKind',
  BackendNotFound: 'BackendNotFound',
  InvalidFilter: 'InvalidFilter',
  InvalidConfiguration: 'InvalidConfiguration',
} as const;

/** Why a route could not bind to a parent (ParentErrorReason). */
export const ParentReason = {
  NoMatchingParent: 'NoMatchingParent',
  NotAllowedByListeners: 'NotAllowedByListeners',
  NoMatchingListenerHostname: 'NoMatchingListenerHostname',
} as const;
export type ParentErrorReason = (typeof ParentReason)[keyof typeof ParentReason];

export interface ParentError {
  readonly reason: ParentErrorReason;
  readonly message: string;
}

/** Backend errors that drop one backend (it answers 500) but keep the rule: RefNotPermitted, BackendNotFound, InvalidKind. */
export function isInvalidBackend(err: ConfigError): boolean {
  return err.reason === RouteReason.RefNotPermitted || err.reason === RouteReason.BackendNotFound || err.reason === RouteReason.InvalidKind;
}

/** joinErrors: the first error, its message extended by the second's. */
export function joinErrors(a: ConfigError | undefined, b: ConfigError | undefined): ConfigError | undefined {
  if (b === undefined) return a;
  if (a === undefined) return b;
  return { reason: a.reason, message: `${a.message}; ${b.message}` };
}

/**
 * setConditions: applies `conditions` in type order onto `existing` (the object's current
 * status), as kstatus.UpdateConditionIfChanged does: a condition whose status, message and
 * generation are unchanged stays as it was; one whose status is unchanged keeps its
 * lastTransitionTime; anything else takes `now` (omitted when the caller has no clock).
 */
export function setConditions(
  generation: number | undefined,
  existing: readonly Condition[],
  conditions: Readonly<Record<string, ConditionSpec>>,
  now: string | undefined,
): Condition[] {
  const result = [...existing];
  for (const type of Object.keys(conditions).sort()) {
    const spec = conditions[type]!;
    const positive = spec.status ?? 'True';
    const status: ConditionStatus = spec.error === undefined ? positive : positive === 'True' ? 'False' : 'True';
    const next = makeCondition(type, status, generation, now, spec.error?.reason ?? spec.reason, spec.error?.message ?? spec.message);
    const at = result.findIndex((c) => c.type === type);
    if (at < 0) {
      result.push(next);
      continue;
    }
    const old = result[at]!;
    if (old.status === status) {
      if (old.message === next.message && (old.observedGeneration ?? 0) === (next.observedGeneration ?? 0)) continue;
      result[at] = makeCondition(type, status, generation, old.lastTransitionTime, next.reason, next.message);
    } else {
      result[at] = next;
    }
  }
  return result;
}

function makeCondition(
  type: string,
  status: ConditionStatus,
  generation: number | undefined,
  lastTransitionTime: string | undefined,
  reason: string,
  message: string,
): Condition {
  // Kubernetes omits a zero observedGeneration (omitempty); objects from files may have no generation at all.
  return {
    type,
    status,
    ...(generation !== undefined && generation !== 0 ? { observedGeneration: generation } : {}),
    ...(lastTransitionTime !== undefined ? { lastTransitionTime } : {}),
    reason,
    message,
  };
}

/** The conditions in a status object as written (for example `status.conditions`), ignoring malformed entries. */
export function readConditions(value: unknown): Condition[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (c): c is Condition => isPlainObject(c) && typeof c.type === 'string' && typeof c.status === 'string' && typeof c.reason === 'string' && typeof c.message === 'string',
  );
}

/** humanReadableJoin: `a`, `a and b`, `a, b, and c`. */
export function humanReadableJoin(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  if (items.length === 2) return `${items[0]} and ${items[1]}`;
  return `${items.slice(0, -1).join(', ')}, and ${items[items.length - 1]}`;
}
