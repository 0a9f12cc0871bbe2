/**
 * What a semantic validator returns: Istio's webhook errors and warnings, each at the field it is
 * about. Validators push findings here; validate-semantics.ts turns them into Problems with file,
 * line and resource, as istioctl analyze turns webhook errors into IST0106/IST0133 messages.
 */
import type { FieldPath } from '../resource/field-path.js';

export type FindingLevel = 'Error' | 'Warning';

/** The two webhook warnings that `istioctl analyze` reports under their own codes (IST0130, IST0131). */
export type AnalysisType = 'VirtualServiceUnreachableRule' | 'VirtualServiceIneffectiveMatch';

export interface Finding {
  readonly level: FindingLevel;
  readonly path: FieldPath;
  /** Istio's error text, without the "Schema validation error: " that the message template adds. */
  readonly message: string;
  readonly analysis?: { readonly type: AnalysisType; readonly params: readonly string[] };
}

/** A check's result: nothing, one message, or several (Go's multierror). */
export type Check = string | readonly string[] | undefined;

export class Findings {
  readonly items: Finding[] = [];
  readonly #errorPrefix: string;

  /**
   * `errorPrefix` is put before every error, as Go's multierror.Prefix does for the whole
   * AuthorizationPolicy result ("invalid policy NAME.NAMESPACE: ...").
   */
  constructor(errorPrefix = '') {
    this.#errorPrefix = errorPrefix;
  }

  error(path: FieldPath, check: Check): void {
    for (const message of messages(check)) this.#push({ level: 'Error', path, message: this.#errorPrefix + message });
  }

  warn(path: FieldPath, check: Check): void {
    for (const message of messages(check)) this.#push({ level: 'Warning', path, message });
  }

  analysis(path: FieldPath, type: AnalysisType, message: string, params: readonly string[]): void {
    this.#push({ level: 'Warning', path, message, analysis: { type, params } });
  }

  get hasErrors(): boolean {
    return this.items.some((f) => f.level === 'Error');
  }

  // Istio can report the same text twice for one value (validateSidecarOrGatewayHostnamePart appends
  // the domain error once for "not a gateway" and once for "not an IP"); once is enough.
  #push(finding: Finding): void {
    const key = JSON.stringify([finding.level, finding.path, finding.message]);
    if (this.items.some((f) => JSON.stringify([f.level, f.path, f.message]) === key)) return;
    this.items.push(finding);
  }
}

function messages(check: Check): readonly string[] {
  if (check === undefined) return [];
  return typeof check === 'string' ? [check] : check;
}
