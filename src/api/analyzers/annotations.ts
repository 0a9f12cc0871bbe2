/**
 * IST0108: an annotation in an Istio domain (`*istio.io/…`) that Istio does not define, usually a
 * typo that silently does nothing (Istio's annotations.K8sAnalyzer).
 */
import { Messages } from '../problems/messages.js';
import type { AnalysisContext } from './context.js';
import { KNOWN_ANNOTATIONS } from './known-annotations.js';

/** Istio's istioAnnotation: the key's prefix (before `/`) ends with istio.io, or it is kubernetes.io/ingress.class. */
export function isIstioAnnotation(key: string): boolean {
  if (key === 'kubernetes.io/ingress.class') return true;
  const slash = key.indexOf('/');
  return slash > 0 && key.slice(0, slash).endsWith('istio.io');
}

/** The kinds Istio's annotations.K8sAnalyzer reads. */
const ANNOTATED_KINDS: readonly (readonly [string, string])[] = [['Namespace', ''], ['Service', ''], ['Pod', ''], ['Deployment', 'apps']];

export function analyzeAnnotations(ctx: AnalysisContext): void {
  const resources = ANNOTATED_KINDS.flatMap(([kind, group]) => ctx.resources(kind, group));
  for (const { resource } of resources) {
    for (const key of Object.keys(resource.metadata.annotations ?? {})) {
      if (!isIstioAnnotation(key) || KNOWN_ANNOTATIONS.has(key)) continue;
      ctx.report(Messages.UnknownAnnotation, [key], resource, ['metadata', 'annotations', key]);
    }
  }
}
