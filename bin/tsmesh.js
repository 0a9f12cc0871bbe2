#!/usr/bin/env node
// The installed `tsmesh` command: runs the compiled CLI (npm ci / npm run build produce dist/).
// No V8 flags here: the control plane needs a young generation of normal size (with the proxy's
// small one it spent 41 % of its CPU in GC). Proxies the mesh starts get src/cli/node-flags.ts's
// PROXY_NODE_FLAGS on their command line; `tsmesh proxy` run by hand sets what it can at run time.
import('../dist/src/cli/main.js').then((m) => m.main(process.argv.slice(2)));
