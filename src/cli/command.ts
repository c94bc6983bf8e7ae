import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { resolveDataDir } from '../config.js';
import { exitCodeOf, LoupeError } from '../errors.js';

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
export class UsageError extends LoupeError {
  constructor(message: string) {
    super('usage', message);
  }
}

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
    Object.entries({ ...cmd.options, ...GLOBAL_OPTIONS }).map(([k, v]) => [k, { type: v.type, ...(v.short ? { short: v.short } : {}), ...(v.multiple ? { multiple: true } : {}) }]),
  );
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    process.stderr.write(`loupe ${cmd.name}: ${argsProblem(err as Error & { code?: string }, cmd)}\nUsage: ${cmd.usage}\n(loupe ${cmd.name} --help lists every option)\n`);
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
      return exitCodeOf(err);
    }
    // A LoupeError is the user's to fix: its code and message. Anything else: its message (the stack with LOUPE_DEBUG=1).
    const message = err instanceof Error ? fileProblem(err) : String(err);
    if (json) process.stdout.write(JSON.stringify({ error: { code: err instanceof LoupeError ? err.code : 'failed', message } }) + '\n');
    process.stderr.write(`loupe ${cmd.name}: ${message}\n`);
    if (process.env.LOUPE_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return exitCodeOf(err);
  }
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const here = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = here;
    }
  }
  return row[b.length]!;
}

/** The verb's option closest to a mistyped one, if it is close enough to be what was meant. */
function closest(cmd: Command, typed: string): string | undefined {
  const name = typed.replace(/^-+/, '').split('=')[0] ?? '';
  const names = Object.keys({ ...cmd.options, ...GLOBAL_OPTIONS });
  const prefixed = names.filter((n) => n.startsWith(name));
  if (name.length > 1 && prefixed.length === 1) return prefixed[0];
  const best = names.map((n) => [n, distance(name, n)] as const).sort((a, b) => a[1] - b[1])[0];
  return best && best[1] <= Math.max(1, Math.floor(name.length / 3)) ? best[0] : undefined;
}

/** parseArgs' errors, reworded: they describe its own API (`'-- "--foo"'`), not Loupe's options. */
function argsProblem(err: Error & { code?: string }, cmd: Command): string {
  const flag = /'(-[^' ,]*)/.exec(err.message)?.[1] ?? '';
  const long = /--[\w-]+/.exec(err.message)?.[0] ?? flag;
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const guess = closest(cmd, flag);
      return `unknown option ${flag}${guess ? ` (did you mean --${guess}?)` : ''}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const spec = { ...cmd.options, ...GLOBAL_OPTIONS }[long.replace(/^--/, '')];
      if (spec?.type === 'boolean') return `${flag} takes no value`;
      return `${flag} needs a value${spec?.value ? ` (${flag} ${spec.value})` : ''}; a value starting with '-' is written ${long}=VALUE`;
    }
    default:
      return err.message;
  }
}

/** Node's file errors name the syscall (`ENOENT: no such file or directory, open 'x'`); say it plainly. */
export function fileProblem(err: Error & { code?: string; path?: string }, file = err.path): string {
  if (!file) return err.message;
  if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return `no such file: ${file}`;
  if (err.code === 'EACCES' || err.code === 'EPERM') return `permission denied: ${file}`;
  if (err.code === 'EISDIR') return `is a folder, not a file: ${file}`;
  return err.message;
}

/** Reads a file named on the command line; a missing one is a usage error that names it. */
export function readArgFile(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new UsageError(fileProblem(err as Error, file));
  }
}

/** Parses an integer option, rejecting junk with a usage error. */
export function intOption(values: OptionValues, name: string, fallback: number, min = 1, max = 1_000_000): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  const flag = name.length === 1 ? `-${name}` : `--${name}`;
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be an integer in [${min}, ${max}], got ${String(raw)}`);
  return n;
}
