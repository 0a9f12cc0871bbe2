import { commands } from './commands/index.js';
import { CliError } from './cli-error.js';

const USAGE = `tsmesh — an Istio-compatible service mesh

Usage: tsmesh <command> [flags]

Commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(14)} ${c.summary}`)
  .join('\n')}

Run 'tsmesh <command> --help' for a command's flags.`;

/** Entry point of the `tsmesh` binary. Errors become one clear line on stderr and exit code 1. */
export async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const entry = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!entry) {
    process.stderr.write(`tsmesh: unknown command "${name}"\n\n${USAGE}\n`);
    process.exitCode = 1;
    return;
  }
  try {
    const command = await entry.load();
    const code = await command.run(rest);
    if (typeof code === 'number') process.exitCode = code;
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    process.stderr.write(`tsmesh ${name}: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  }
}
