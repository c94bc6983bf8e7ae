/**
 * A transaction trace for the kill -9 tests: with `LOUPE_TX_TRACE=FILE` every transaction appends
 * `begin` once BEGIN has run and `commit` just before COMMIT is sent (`rollback` on failure), each
 * written synchronously. A harness that SIGKILLs the process can then tell for certain that the
 * kill landed inside an open transaction: the file ends in `begin`. (A kill between `commit` and
 * COMMIT's reply is read as outside one: the trace under-claims, never over-claims.)
 * `LOUPE_TX_HOLD_MS=N` keeps each transaction open N ms after its work, before COMMIT, to widen the
 * window a kill can land in. Both are off unless set; nothing else reads them.
 */
import fs from 'node:fs';

export type TxMark = 'begin' | 'commit' | 'rollback';

export interface TxTracer {
  mark(what: TxMark): void;
  /** Resolves after the configured hold (at once when none). */
  hold(): Promise<void>;
}

export function txTracerFromEnv(env: NodeJS.ProcessEnv = process.env): TxTracer | undefined {
  const file = env.LOUPE_TX_TRACE;
  if (!file) return undefined;
  const holdMs = Math.max(0, Number(env.LOUPE_TX_HOLD_MS ?? 0) || 0);
  return {
    mark: (what) => fs.appendFileSync(file, `${what}\n`),
    hold: () => (holdMs ? new Promise((resolve) => setTimeout(resolve, holdMs)) : Promise.resolve()),
  };
}

export interface TxTraceSummary {
  /** Transactions begun. */
  begun: number;
  /** The process died with a transaction open (the trace ends in `begin`). */
  open: boolean;
}

/** Reads a trace written by `txTracerFromEnv` (a missing file: no transaction was begun). */
export function readTxTrace(file: string): TxTraceSummary {
  const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  return { begun: lines.filter((l) => l === 'begin').length, open: lines.at(-1) === 'begin' };
}
