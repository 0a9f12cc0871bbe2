import { CliError } from './cli-error.js';

export interface FlagSpec {
  /** Flag names without dashes: "bootstrap", "admin-port". */
  readonly name: string;
  readonly short?: string;
  readonly kind: 'string' | 'boolean' | 'number' | 'list';
  readonly help: string;
}

export interface ParsedFlags {
  values: Record<string, string | boolean | number | string[] | undefined>;
  positional: string[];
  /** Everything after a bare `--`. */
  rest: string[];
}

/** Parses `--name value`, `--name=value`, `-n value` and booleans; unknown flags are errors. */
export function parseFlags(command: string, argv: readonly string[], specs: readonly FlagSpec[]): ParsedFlags {
  const byName = new Map<string, FlagSpec>();
  for (const s of specs) {
    byName.set(`--${s.name}`, s);
    if (s.short) byName.set(`-${s.short}`, s);
  }
  const values: ParsedFlags['values'] = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return { values, positional, rest: argv.slice(i + 1) };
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const key = eq > 0 ? arg.slice(0, eq) : arg;
    const spec = byName.get(key);
    if (!spec) throw new CliError(`tsmesh ${command}: unknown flag ${key}\n\n${flagHelp(specs)}`);
    let value: string | undefined = eq > 0 ? arg.slice(eq + 1) : undefined;
    if (spec.kind === 'boolean') {
      values[spec.name] = value === undefined ? true : value !== 'false';
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new CliError(`tsmesh ${command}: flag ${key} needs a value`);
    }
    if (spec.kind === 'number') {
      const n = Number(value);
      // Number('') is 0: `--admin-port=` must not mean "any free port".
      if (value.trim() === '' || !Number.isFinite(n)) throw new CliError(`tsmesh ${command}: flag ${key} must be a number, got "${value}"`);
      values[spec.name] = n;
    } else if (spec.kind === 'list') {
      const prev = (values[spec.name] as string[] | undefined) ?? [];
      values[spec.name] = [...prev, value];
    } else {
      values[spec.name] = value;
    }
  }
  return { values, positional, rest: [] };
}

export function flagHelp(specs: readonly FlagSpec[]): string {
  return specs.map((s) => `  ${s.short ? `-${s.short}, ` : '    '}--${s.name}${s.kind === 'boolean' ? '' : ` ${s.kind === 'number' ? 'N' : 'VALUE'}`}\n        ${s.help}`).join('\n');
}
