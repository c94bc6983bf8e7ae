import { parseArgs } from 'node:util';
import { resolveDataDir } from '../config.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  description: string;
  /** Shown in --help as the value's name, e.g. `N` or `FILE`. */
  value?: string;
}

export interface CommandContext {
  dataDir: string;
  dbUrl: string | undefined;
  json: boolean;
  /** Prints a result: JSON when --json, else the text form. */
  print(result: unknown, text?: string): void;
  /** Human progress and notes go to stderr so --json output stays clean. */
  log(message: string): void;
}

export type OptionValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface Command {
  name: string;
  summary: string;
  /** e.g. `loupe similar <item-id> [-k N] [--version NAME]` */
  usage: string;
  options: Record<string, OptionSpec>;
  /** Returns the process exit code. */
  run(ctx: CommandContext, values: OptionValues, positionals: string[]): Promise<number>;
}

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  data: { type: 'string', value: 'DIR', description: 'data directory (default ./loupe-data, env LOUPE_DATA)' },
  db: { type: 'string', value: 'URL', description: 'postgres://... to use PostgreSQL + pgvector (env LOUPE_DB); default embedded PGlite' },
  json: { type: 'boolean', description: 'machine-readable JSON on stdout' },
  help: { type: 'boolean', short: 'h', description: 'show help' },
};

/** A usage error: printed with the verb's usage line, exit code 2. */
export class UsageError extends Error {}

export function helpText(cmd: Command): string {
  const lines = [`${cmd.summary}`, '', `Usage: ${cmd.usage}`, '', 'Options:'];
  const all = { ...cmd.options, ...GLOBAL_OPTIONS };
  for (const [name, spec] of Object.entries(all)) {
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.value ? ` ${spec.value}` : ''}`;
    lines.push(`  ${flag.padEnd(28)} ${spec.description}`);
  }
  return lines.join('\n');
}

export async function runCommand(cmd: Command, argv: string[]): Promise<number> {
  const options = Object.fromEntries(
    Object.entries({ ...cmd.options, ...GLOBAL_OPTIONS }).map(([k, v]) => [
      k,
      { type: v.type, ...(v.short ? { short: v.short } : {}), ...(v.multiple ? { multiple: true } : {}) },
    ]),
  );
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    process.stderr.write(`loupe ${cmd.name}: ${(err as Error).message}\nUsage: ${cmd.usage}\n`);
    return 2;
  }
  const values = parsed.values as OptionValues;
  if (values.help) {
    process.stdout.write(helpText(cmd) + '\n');
    return 0;
  }
  const json = values.json === true;
  const ctx: CommandContext = {
    dataDir: resolveDataDir(values.data as string | undefined),
    dbUrl: (values.db as string | undefined) ?? process.env.LOUPE_DB,
    json,
    print(result, text) {
      process.stdout.write((json || text === undefined ? JSON.stringify(result, null, json ? 0 : 2) : text) + '\n');
    },
    log(message) {
      process.stderr.write(message + '\n');
    },
  };
  try {
    return await cmd.run(ctx, values, parsed.positionals);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`loupe ${cmd.name}: ${err.message}\nUsage: ${cmd.usage}\n`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    if (json) process.stdout.write(JSON.stringify({ error: { code: 'failed', message } }) + '\n');
    process.stderr.write(`loupe ${cmd.name}: ${message}\n`);
    if (process.env.LOUPE_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

/** Parses an integer option, rejecting junk with a usage error. */
export function intOption(values: OptionValues, name: string, fallback: number, min = 1, max = 1_000_000): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in [${min}, ${max}], got ${String(raw)}`);
  return n;
}
