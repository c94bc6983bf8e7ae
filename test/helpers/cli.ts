import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { REPO } from './tmp.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const ARGS = ['--import', 'tsx', 'src/cli/main.ts'];

/** Runs the real CLI in a child process. */
export function loupe(args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const r = spawnSync(process.execPath, [...ARGS, ...args], { cwd: REPO, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function loupeJson<T>(args: string[]): T {
  const r = loupe([...args, '--json']);
  if (r.code !== 0) throw new Error(`loupe ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Starts the CLI without waiting, for kill tests. */
export function loupeSpawn(args: string[]): ChildProcess {
  return spawn(process.execPath, [...ARGS, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
}
