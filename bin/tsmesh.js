#!/usr/bin/env -S node --optimize-for-size --max-semi-space-size=1
// The installed `tsmesh` command: runs the compiled CLI (npm ci / npm run build produce dist/).
// The V8 flags above are src/cli/node-flags.ts's PROXY_NODE_FLAGS (keep them in step).
import('../dist/src/cli/main.js').then((m) => m.main(process.argv.slice(2)));
