/**
 * Crash safety under kill -9: for each phase (ingest, encode, train, index build) the real CLI is
 * SIGKILLed at seeded random moments and re-run; every trial must leave the promoted version
 * served and finish with exact counts and no duplicates.
 *   node --import tsx bench/crash-stress.ts [--trials 20] [--seed 1] [--items 48] [--phases ingest,encode,train,index] [--compiled]
 * --compiled first builds src/ with tsc into .tmp/crash-dist and runs that JavaScript, as bin/loupe.js
 * runs dist/ (no tsx transform at every start-up); --cli PATH reuses such a build.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { machine, report, tempDir } from './common.js';
import { PHASES, runCrashTrials, type Phase } from './crash-trials.js';

const { values } = parseArgs({
  options: { trials: { type: 'string' }, seed: { type: 'string' }, items: { type: 'string' }, phases: { type: 'string' }, compiled: { type: 'boolean' }, cli: { type: 'string' } },
});
const trials = Number(values.trials ?? 20);
const seed = Number(values.seed ?? 1);
const items = Number(values.items ?? 48);
const phases = (values.phases?.split(',') ?? [...PHASES]) as Phase[];
for (const p of phases) if (!(PHASES as readonly string[]).includes(p)) throw new Error(`unknown phase '${p}': ${PHASES.join(', ')}`);
console.log(`${trials} trials x ${phases.join(', ')}; seed ${seed}; ${items} items; ${machine()}`);

// --cli PATH: an already compiled cli/main.js (parallel runs share one build).
let cliEntry: string | undefined = values.cli ? path.resolve(values.cli) : undefined;
if (values.compiled && !cliEntry) {
  const repo = path.resolve(import.meta.dirname, '..');
  const outDir = path.join(repo, '.tmp/crash-dist');
  const built = spawnSync(process.execPath, [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--outDir', outDir], { cwd: repo, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('tsc failed');
  cliEntry = path.join(outDir, 'cli/main.js');
}
const started = performance.now();
const { summaries, outcomes, startupMs } = await runCrashTrials({
  work: tempDir('crash'),
  trials,
  seed,
  items,
  phases,
  log: (m) => console.log(`${new Date().toISOString().slice(11, 19)} ${m}`),
  ...(cliEntry ? { cliEntry } : {}),
});
console.log('\nphase   trials  killed mid-run  inside a transaction  part-way state  recovered exactly  failed');
for (const s of summaries) {
  console.log(
    `${s.phase.padEnd(8)}${String(s.trials).padStart(6)}${String(s.killedMidRun).padStart(16)}${`${s.killedInTransaction} (of ${s.fullRunTransactions} tx/run)`.padStart(22)}${String(s.partialState).padStart(16)}${String(s.passed).padStart(19)}${String(s.failed).padStart(8)}`,
  );
  for (const p of s.problems) console.log(`  ${p}`);
}
// Phases can run as parallel processes (`--phases encode`); each writes its own result file.
report(phases.length === PHASES.length ? 'crash-stress' : `crash-stress-${phases.join('-')}`, {
  trials,
  seed,
  items,
  cli: cliEntry ?? 'src/cli/main.ts (tsx)',
  startupMs,
  minutes: (performance.now() - started) / 60000,
  summaries,
  outcomes,
});
if (summaries.some((s) => s.failed)) process.exitCode = 1;
