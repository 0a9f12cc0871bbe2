import { CliError } from '../src/cli/cli-error.js';
import { benchAnalysis } from './controlplane/analysis-bench.js';
import { benchControlPlane } from './controlplane/controlplane-bench.js';
import { benchLocal } from './local/local-bench.js';
import { benchProxy } from './proxy/proxy-bench.js';

/**
 * `npm run bench -- <name> [flags]`. Benchmarks, not tests: they print figures and ratios against
 * a baseline measured in the same run, and fail only when they cannot measure.
 */
const BENCHES: Record<string, { readonly summary: string; readonly run?: (argv: string[]) => Promise<number> }> = {
  proxy: { summary: 'data plane: latency, throughput, CPU and RSS direct / tsmesh / HAProxy', run: benchProxy },
  controlplane: { summary: 'control plane: push time, CPU, RSS and bytes per proxy for 1000 services / 200 proxies', run: benchControlPlane },
  analysis: { summary: 'control plane: cost of an in-cluster analysis pass (--enable-analysis) against a snapshot, same scenario, in process', run: benchAnalysis },
  local: { summary: 'local platform: time to the first routed request of `tsmesh demo`, RSS of the mesh and its pods by kind', run: benchLocal },
};

const USAGE = `Usage: npm run bench -- <bench> [flags]   (--help after a bench name for its flags)

${Object.entries(BENCHES)
  .map(([name, b]) => `  ${name.padEnd(13)} ${b.summary}`)
  .join('\n')}`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return name ? 0 : 1;
  }
  const bench = BENCHES[name];
  if (!bench) {
    process.stderr.write(`bench: unknown bench "${name}"\n\n${USAGE}\n`);
    return 1;
  }
  if (!bench.run) {
    process.stderr.write(`bench: "${name}" is not yet implemented\n`);
    return 2;
  }
  return bench.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    // A CliError (bad flag) already names its command; anything else is the bench's own failure.
    process.stderr.write(err instanceof CliError ? `${err.message}\n` : `bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
