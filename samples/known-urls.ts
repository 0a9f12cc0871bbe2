/**
 * The Istio sample URLs the labs apply (`kubectl apply -f https://raw.githubusercontent.com/istio/
 * istio/release-1.24/samples/...`), mapped to our copies in this repository so that `tsmesh apply`
 * needs no network. Any `release-1.N` branch (and `master`) maps to the same copy: the files the
 * labs use have kept their resources across releases.
 */

/** Istio sample path → our repo-relative copy. */
export const LOCAL_SAMPLES: Readonly<Record<string, string>> = {
  'samples/bookinfo/platform/kube/bookinfo.yaml': 'samples/bookinfo/platform/kube/bookinfo.yaml',
  'samples/bookinfo/networking/bookinfo-gateway.yaml': 'samples/bookinfo/networking/bookinfo-gateway.yaml',
  'samples/bookinfo/networking/destination-rule-all.yaml': 'samples/bookinfo/networking/destination-rule-all.yaml',
  'samples/bookinfo/networking/virtual-service-all-v1.yaml': 'samples/bookinfo/networking/virtual-service-all-v1.yaml',
  'samples/bookinfo/networking/virtual-service-reviews-test-v2.yaml': 'samples/bookinfo/networking/virtual-service-reviews-test-v2.yaml',
  'samples/bookinfo/networking/virtual-service-ratings-test-delay.yaml': 'samples/bookinfo/networking/virtual-service-ratings-test-delay.yaml',
  'samples/bookinfo/networking/virtual-service-ratings-test-abort.yaml': 'samples/bookinfo/networking/virtual-service-ratings-test-abort.yaml',
  'samples/bookinfo/gateway-api/bookinfo-gateway.yaml': 'samples/bookinfo/gateway-api/bookinfo-gateway.yaml',
  'samples/httpbin/httpbin.yaml': 'samples/httpbin/httpbin.yaml',
  'samples/sleep/sleep.yaml': 'samples/sleep/sleep.yaml',
  // TODO(addons, not the samples area): samples/addons/prometheus.yaml, samples/addons/grafana.yaml,
  // samples/addons/kiali.yaml and samples/addons/extras/zipkin.yaml — the labs apply them; the
  // platform should map them to its built-in Prometheus/Grafana/Kiali/Zipkin equivalents.
};

const RAW_GITHUB = /^https?:\/\/raw\.githubusercontent\.com\/istio\/istio\/(release-1\.\d+|master)\/(samples\/[^?#]+)(?:[?#].*)?$/;
const GITHUB_BLOB = /^https?:\/\/github\.com\/istio\/istio\/(?:blob|raw)\/(release-1\.\d+|master)\/(samples\/[^?#]+)(?:[?#].*)?$/;

/**
 * Our repo-relative copy of an Istio sample URL, or undefined when we have none (the caller then
 * says so instead of fetching). Relative paths as the labs use them from an Istio release
 * directory (`samples/bookinfo/networking/bookinfo-gateway.yaml`) map too.
 */
export function localSampleFor(url: string): string | undefined {
  const trimmed = url.trim();
  const m = RAW_GITHUB.exec(trimmed) ?? GITHUB_BLOB.exec(trimmed);
  const path = m ? m[2]! : trimmed.replace(/^\.\//, '');
  return Object.hasOwn(LOCAL_SAMPLES, path) ? LOCAL_SAMPLES[path] : undefined;
}
