#!/usr/bin/env node
// The installed `tsmesh` command: runs the compiled CLI (npm ci / npm run build produce dist/).
import('../dist/src/cli/main.js').then((m) => m.main(process.argv.slice(2)));
