// Problems found in configuration: the data, how one is built, their order, and how they print.
import { fullName, type ResourceRef } from '../resource/resource.js';
import { formatFieldPath, type FieldPath } from '../resource/field-path.js';
import { renderTemplate, type MessageType } from './messages.js';

/** Istio's three analyzer levels, spelled as `istioctl analyze` prints them. */
export type Severity = 'Error' | 'Warning' | 'Info';

/**
 * One thing wrong (or worth knowing) about the configuration. Config problems are data, never
 * exceptions: loaders and validators return them, the CLI prints them, the store writes them into
 * status, and one bad resource never hides the problems of another.
 */
export interface Problem {
  /** Istio analyzer code (`IST0106`) or, where Istio has none, a tsmesh code (`TSM0001`). */
  readonly code: string;
  readonly severity: Severity;
  /** The full message in Istio's wording, e.g. `Referenced gateway not found: "bogus"`. */
  readonly message: string;
  /** The resource the problem is about; absent when the document never named one. */
  readonly resource?: ResourceRef;
  /** Field path inside the resource, printed form: `spec.http[0].route[0].weight`. */
  readonly path?: string;
  readonly file?: string;
  /** 1-based line and column of the field (or of the nearest enclosing field that exists). */
  readonly line?: number;
  readonly col?: number;
}

/** Where a problem points: everything but the message itself. */
export interface ProblemSite {
  readonly resource?: ResourceRef;
  readonly path?: FieldPath;
  readonly file?: string;
  readonly line?: number;
  readonly col?: number;
}

/** Builds a problem from a message type and its template arguments. */
export function problem(type: MessageType, args: readonly unknown[], site: ProblemSite = {}): Problem {
  const out: {
    code: string;
    severity: Severity;
    message: string;
    resource?: ResourceRef;
    path?: string;
    file?: string;
    line?: number;
    col?: number;
  } = { code: type.code, severity: type.level, message: renderTemplate(type.template, args) };
  if (site.resource !== undefined) out.resource = site.resource;
  if (site.path !== undefined && site.path.length > 0) out.path = formatFieldPath(site.path);
  if (site.file !== undefined && site.file !== '') out.file = site.file;
  if (site.line !== undefined) out.line = site.line;
  if (site.col !== undefined) out.col = site.col;
  return out;
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'Error');
}

const LEVEL_ORDER: Record<Severity, number> = { Error: 0, Warning: 1, Info: 2 };

/** Stable order for printing: by file, line, column, then severity and code. */
export function compareProblems(a: Problem, b: Problem): number {
  return (
    cmp(a.file ?? '', b.file ?? '') ||
    (a.line ?? 0) - (b.line ?? 0) ||
    (a.col ?? 0) - (b.col ?? 0) ||
    LEVEL_ORDER[a.severity] - LEVEL_ORDER[b.severity] ||
    cmp(a.code, b.code)
  );
}

// Code-unit order, not locale order: output must not depend on the machine's locale.
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Prints a problem the way `istioctl analyze` prints a message
 * (https://istio.io/latest/docs/reference/config/analysis/message-format/):
 *
 *   <level> [<code>] (<kind> <namespace>/<name> <file>:<line>) <message>
 *
 *   Error [IST0101] (VirtualService default/bookinfo bookinfo-gateway.yaml:39) Referenced host not found: "productpage"
 *
 * The namespace is omitted for cluster-scoped resources and the origin for resources that did not
 * come from a file. A problem with no resource (a document that is not YAML) names the file alone.
 */
export function formatProblem(p: Problem): string {
  const origin = formatOrigin(p);
  return `${p.severity} [${p.code}]${origin === '' ? '' : ` (${origin})`} ${p.message}`;
}

export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((p) => `${formatProblem(p)}\n`).join('');
}

function formatOrigin(p: Problem): string {
  const parts: string[] = [];
  if (p.resource !== undefined) parts.push(`${p.resource.kind} ${fullName(p.resource)}`);
  if (p.file !== undefined) parts.push(p.line === undefined ? p.file : `${p.file}:${p.line}`);
  return parts.join(' ');
}
