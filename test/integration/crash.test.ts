/**
 * kill -9 during ingest, encode, train and index build: a couple of seeded trials per phase (the
 * stress run with >= 20 each is `npm run bench -- crash`). Each trial SIGKILLs the real CLI, checks
 * that the promoted version is still served, re-runs to completion and checks exact counts with no
 * duplicates in the database, the serving indexes or the image store. In each phase one trial is
 * killed inside an open transaction, checked from the process's own transaction trace.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PHASES, runCrashTrials } from '../../bench/crash-trials.js';
import { tempDir } from '../helpers/tmp.js';

test('kill -9 at random points of every phase: re-runs finish exact, the served version never drops', async () => {
  const seed = Number(process.env.LOUPE_CRASH_SEED ?? Date.now() % 100_000);
  const { summaries, outcomes } = await runCrashTrials({ work: tempDir('crash'), trials: 2, seed, items: 36 });
  assert.deepEqual(
    summaries.map((s) => s.phase),
    [...PHASES],
  );
  for (const s of summaries) assert.equal(s.trials, 2, s.phase);
  const failures = outcomes.filter((o) => o.problems.length).map((o) => `${o.phase} #${o.trial} (seed ${seed}, kill at ${o.killAtMs} ms): ${o.problems.join('; ')}`);
  assert.deepEqual(failures, []);
  // Not left to chance: every phase that writes in transactions had a kill land inside an open one
  // (read back from the process's transaction trace, src/store/tx-trace.ts), and it still recovered.
  const writing = summaries.filter((s) => s.fullRunTransactions > 0);
  assert.ok(writing.length >= 3, `ingest, encode and train write in transactions: ${JSON.stringify(summaries.map((s) => [s.phase, s.fullRunTransactions]))}`);
  for (const s of writing) assert.ok(s.killedInTransaction >= 1, `${s.phase}: no kill landed inside one of its ${s.fullRunTransactions} transactions`);
});
