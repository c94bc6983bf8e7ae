import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { REPO } from './tmp.js';

export interface RunningWorker {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the first stderr line matching `re` that comes after `afterLine`. */
  waitFor(re: RegExp, afterLine?: number): Promise<{ line: string; index: number; match: RegExpMatchArray }>;
  exit: Promise<number | null>;
}

/** Starts `loupe worker ARGS` in a child process, collecting its stderr lines. */
export function startWorker(args: string[]): RunningWorker {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'worker', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  let tail = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    tail += chunk.toString();
    const parts = tail.split('\n');
    tail = parts.pop()!;
    lines.push(...parts);
    for (const w of [...waiters]) w();
  });
  child.stdout!.resume();
  // A worker that never goes idle (a lease never retried) fails the test instead of hanging it.
  const deadline = setTimeout(() => child.kill('SIGKILL'), 300_000);
  const exit = once(child, 'exit').then(([code]) => {
    clearTimeout(deadline);
    return code as number | null;
  });
  return {
    child,
    lines,
    exit,
    waitFor(re, afterLine = -1) {
      return new Promise((resolve, reject) => {
        const check = () => {
          for (let i = afterLine + 1; i < lines.length; i++) {
            const match = lines[i]!.match(re);
            if (match) {
              waiters.splice(waiters.indexOf(check), 1);
              resolve({ line: lines[i]!, index: i, match });
              return;
            }
          }
        };
        waiters.push(check);
        check();
        void exit.then((code) => reject(new Error(`worker exited (${code}) before ${re}: ${lines.join('\n')}`)));
      });
    },
  };
}

/** Kills `w` (SIGKILL) right after it claims a `kind` task following one it finished: mid-batch, models loaded. */
export async function killMidBatch(w: RunningWorker, kind = 'encode'): Promise<number> {
  const done = await w.waitFor(new RegExp(`done task \\d+ \\(${kind}`));
  const claimed = await w.waitFor(new RegExp(`claimed task (\\d+) \\(${kind}`), done.index);
  w.child.kill('SIGKILL');
  await w.exit;
  return Number(claimed.match[1]);
}
