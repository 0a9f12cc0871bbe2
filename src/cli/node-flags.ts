/**
 * V8 flags the proxy runs with: a sidecar's memory matters more than the last percent of speed.
 * `--optimize-for-size` keeps the heap compact and `--max-semi-space-size=1` caps the young
 * generation (together about 30 MB less RSS under load, at no measurable CPU cost — see
 * bench/README.md). Anything spawning `tsmesh proxy` with `process.execPath` (the bench, the local
 * platform's sidecars and pod host) passes these; bin/tsmesh.js does not, since the control plane
 * runs much faster with V8's default young generation.
 */
export const PROXY_NODE_FLAGS: readonly string[] = ['--optimize-for-size', '--max-semi-space-size=1'];
