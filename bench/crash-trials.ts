/**
 * Crash trials: the real CLI in a child process, SIGKILLed at a seeded random moment of ingest,
 * encode, train or index build, then re-run to completion. Between runs the data dir is opened in
 * this process (PGlite admits one process at a time) and checked: the promoted version is still
 * the one promoted before, it still answers more-like-this, and after the re-run every count is
 * exact with no duplicate rows, index entries or stray files. Used by bench/crash-stress.ts
 * (>= 20 trials per phase) and test/crash.test.ts (a couple per phase).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { dataPaths } from '../src/config.js';
import { IndexRegistry } from '../src/index/registry.js';
import { similarFromIndex } from '../src/app/similar.js';
import { openDb } from '../src/store/db.js';
import { readTxTrace } from '../src/store/tx-trace.js';
import { countVectorsExact, vectorCounts } from '../src/store/vector-counts.js';
import { listVersions, promotedVersion } from '../src/store/vectors.js';

export const PHASES = ['ingest', 'encode', 'train', 'index'] as const;
export type Phase = (typeof PHASES)[number];

const REPO = path.resolve(import.meta.dirname, '..');
const SAMPLE_DIR = path.join(REPO, 'examples/clothing-sample');
const SERVED = 'v0';
const TRAIN_DIMS = '32';

export interface CrashOptions {
  /** Scratch folder (catalogue, snapshots, trial copies). */
  work: string;
  trials: number;
  seed: number;
  phases?: readonly Phase[];
  /** Catalogue size; the first third is in the snapshot the trials start from. */
  items?: number;
  /** The CLI entry: `src/cli/main.ts` through tsx (default), or a compiled `cli/main.js`. */
  cliEntry?: string;
  log?: (msg: string) => void;
}

export interface TrialOutcome {
  phase: Phase;
  trial: number;
  killAtMs: number;
  /** `time`: killed at a seeded moment; `transaction`: killed as its seeded n-th transaction was open. */
  trigger: KillTrigger;
  /** The process was still running when SIGKILL arrived (false: it had already finished). */
  killedMidRun: boolean;
  /** Its transaction trace ends inside an open transaction (`src/store/tx-trace.ts`): the kill landed mid-write. */
  killedInTransaction: boolean;
  /** What the killed run had left behind, e.g. `generic 57/96`. */
  stateAfterKill: string;
  /** The state after the kill was part-way (some but not all of the phase's work done). */
  partial: boolean;
  problems: string[];
}

export interface PhaseSummary {
  phase: Phase;
  trials: number;
  killedMidRun: number;
  killedInTransaction: number;
  /** Transactions an uninterrupted run opens. */
  fullRunTransactions: number;
  partialState: number;
  passed: number;
  failed: number;
  fullRunMs: number;
  problems: string[];
}

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

let cliEntry = path.join(REPO, 'src/cli/main.ts');

function cli(dataDir: string, args: string[]): string[] {
  const loader = cliEntry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  return [...loader, cliEntry, ...args, '--data', dataDir];
}

export type KillTrigger = 'time' | 'transaction';

/** How long an instrumented transaction stays open after its work, so the harness's kill lands inside it. */
const TX_HOLD_MS = 250;

function runCli(dataDir: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const t0 = performance.now();
  const child = spawn(process.execPath, cli(dataDir, args), { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - t0 }));
  });
}

async function mustRun(dataDir: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const r = await runCli(dataDir, args, env);
  if (r.code !== 0) throw new Error(`loupe ${args.join(' ')} exited ${r.code}: ${r.stderr.slice(-2000)}`);
  return r;
}

/**
 * Starts the command with a transaction trace in `trace` and SIGKILLs it after `ms`, or (with
 * `atTransaction` n) as soon as its n-th transaction is open, each transaction then held open
 * TX_HOLD_MS; says whether it was still running then and whether it died inside a transaction.
 */
function runAndKill(dataDir: string, args: string[], trace: string, ms: number, atTransaction?: number): Promise<{ killed: boolean; inTransaction: boolean; atMs: number }> {
  fs.rmSync(trace, { force: true });
  const env = { ...process.env, LOUPE_TX_TRACE: trace, ...(atTransaction ? { LOUPE_TX_HOLD_MS: String(TX_HOLD_MS) } : {}) };
  const child = spawn(process.execPath, cli(dataDir, args), { cwd: REPO, stdio: 'ignore', env });
  let exited = false;
  const started = performance.now();
  let atMs = ms;
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    const kill = () => {
      if (exited) return;
      atMs = Math.round(performance.now() - started);
      child.kill('SIGKILL');
    };
    const timer = atTransaction ? undefined : setTimeout(kill, ms);
    const watch = atTransaction
      ? setInterval(() => {
          const t = readTxTrace(trace);
          if (t.open && t.begun >= atTransaction) kill();
        }, 5)
      : undefined;
    child.once('exit', (_code, signal) => {
      exited = true;
      clearTimeout(timer);
      clearInterval(watch);
      resolve({ killed: signal === 'SIGKILL', inTransaction: signal === 'SIGKILL' && readTxTrace(trace).open, atMs });
    });
  });
}

/** mulberry32: a small seeded generator, so a failing trial can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Catalogue {
  first: string;
  all: string;
  ids: string[];
  firstCount: number;
}

/** The first `n` sample rows with their real photos; `first` holds a third of them. */
function writeCatalogue(dir: string, n: number): Catalogue {
  const [header, ...rows] = fs.readFileSync(path.join(SAMPLE_DIR, 'items.csv'), 'utf8').trim().split('\n');
  const picked = rows.slice(0, n);
  if (picked.length < n) throw new Error(`the sample has only ${rows.length} rows`);
  fs.mkdirSync(path.join(dir, 'images'), { recursive: true });
  for (const row of picked) {
    const image = row.split(',')[1]!;
    fs.copyFileSync(path.join(SAMPLE_DIR, image), path.join(dir, image));
  }
  const firstCount = Math.max(12, Math.floor(n / 3));
  const first = path.join(dir, 'first.csv');
  const all = path.join(dir, 'all.csv');
  fs.writeFileSync(first, [header, ...picked.slice(0, firstCount)].join('\n') + '\n');
  fs.writeFileSync(all, [header, ...picked].join('\n') + '\n');
  return { first, all, ids: picked.map((r) => r.split(',')[0]!), firstCount };
}

/** Copies a data dir; the converted backbone is shared read-only through a symlink. */
function copyDataDir(from: string, to: string, models: string): void {
  fs.rmSync(to, { recursive: true, force: true });
  fs.cpSync(from, to, { recursive: true, filter: (src) => src !== path.join(from, 'models') });
  fs.symlinkSync(models, path.join(to, 'models'));
}

interface Expect {
  items: [number, number];
  generic: [number, number];
  served: [number, number];
  /** Trained-in-trial version v1: allowed states. */
  v1: readonly ('absent' | 'building' | 'ready')[];
  v1Count?: number;
}

interface Observed {
  items: number;
  generic: number;
  served: number;
  v1: 'absent' | 'building' | 'ready' | 'retired';
  v1Count: number;
  /** v1's model folder exists (training got as far as saving). */
  v1Files: boolean;
  imageFiles: number;
  indexRebuilt: boolean;
}

function filesUnder(dir: string): string[] {
  return fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()) : [];
}

/** Opens the data dir here and checks what any reader would see. */
async function inspect(dataDir: string, probeId: string, expect: Expect, final: boolean): Promise<{ observed: Observed; problems: string[] }> {
  const paths = dataPaths(dataDir);
  const db = await openDb({ dir: paths.db });
  const problems: string[] = [];
  try {
    const versions = await listVersions(db);
    const counts = await countVectorsExact(db);
    const count = (name: string) => counts.get(name) ?? 0;
    const kept = await vectorCounts(db);
    for (const name of new Set([...counts.keys(), ...kept.keys()])) {
      if ((kept.get(name) ?? 0) !== count(name)) problems.push(`kept vector count of ${name} ${kept.get(name) ?? 0}, rows ${count(name)}`);
    }
    const [{ n }] = (await db.query<{ n: string }>('SELECT count(*) AS n FROM items')) as [{ n: string }];
    const v1 = versions.find((v) => v.name === 'v1');
    const observed: Observed = {
      items: Number(n),
      generic: count('generic'),
      served: count(SERVED),
      v1: v1 ? v1.status : 'absent',
      v1Count: count('v1'),
      v1Files: fs.existsSync(path.join(paths.versions, 'v1')),
      imageFiles: filesUnder(paths.images).filter((f) => !f.endsWith('.tmp')).length,
      indexRebuilt: false,
    };
    const within = (what: string, value: number, [lo, hi]: [number, number]) => {
      if (value < lo || value > hi) problems.push(`${what} ${value}, expected ${lo === hi ? lo : `${lo}..${hi}`}`);
    };
    within('items', observed.items, expect.items);
    within('generic vectors', observed.generic, expect.generic);
    within(`${SERVED} vectors`, observed.served, expect.served);
    if (!(expect.v1 as readonly string[]).includes(observed.v1)) problems.push(`v1 is ${observed.v1}, expected ${expect.v1.join(' or ')}`);
    if (expect.v1Count !== undefined && observed.v1Count !== expect.v1Count) problems.push(`v1 vectors ${observed.v1Count}, expected ${expect.v1Count}`);

    const promoted = await promotedVersion(db);
    if (promoted !== SERVED) problems.push(`promoted version is '${promoted}', expected '${SERVED}' to stay served`);
    const registry = new IndexRegistry(db, paths.index);
    const served = await registry.sync(SERVED);
    observed.indexRebuilt = served.rebuilt;
    const hit = similarFromIndex(registry, SERVED, probeId, 5);
    if (!hit || hit.items.length !== 5) problems.push(`more-like-this on '${SERVED}' for ${probeId} returned ${hit?.items.length ?? 'nothing'}`);
    else if (new Set(hit.items.map((x) => x.id)).size !== 5) problems.push('more-like-this returned a duplicate item');

    const dupes = await db.query('SELECT item_id, version FROM embeddings GROUP BY item_id, version HAVING count(*) > 1');
    if (dupes.length) problems.push(`${dupes.length} duplicate vectors`);
    if (final) {
      for (const v of versions.filter((x) => x.status === 'ready')) {
        const size = v.name === SERVED ? served.size : (await registry.sync(v.name)).size;
        if (size !== count(v.name)) problems.push(`index '${v.name}' holds ${size} vectors, the database ${count(v.name)}`);
      }
      const hashes = await db.query<{ hash: string }>('SELECT hash FROM images');
      const originals = filesUnder(paths.images);
      const stray = originals.filter((f) => !f.endsWith('.tmp') && !hashes.some((h) => f.includes(h.hash)));
      if (originals.filter((f) => !f.endsWith('.tmp')).length !== hashes.length || stray.length) {
        problems.push(`${originals.length} image files for ${hashes.length} stored images`);
      }
    }
    return { observed, problems };
  } finally {
    await db.close();
  }
}

interface PhasePlan {
  snapshot: string;
  args: string[];
  afterKill: Expect;
  final: Expect;
  progress: (o: Observed) => { text: string; partial: boolean };
}

/** Builds the snapshots the trials start from and measures how long each phase runs uninterrupted. */
async function prepare(
  opts: CrashOptions,
): Promise<{ plans: Record<Phase, PhasePlan>; fullRunMs: Record<Phase, number>; fullRunTx: Record<Phase, number>; startupMs: number; probe: string; models: string }> {
  const log = opts.log ?? (() => undefined);
  const n = opts.items ?? 48;
  const cat = writeCatalogue(path.join(opts.work, 'catalogue'), n);
  const a = cat.firstCount;
  const snap = (name: string) => path.join(opts.work, 'snapshots', name);
  const base = snap('base');
  log(`building snapshots: ${a} items served by '${SERVED}', ${n} in the catalogue`);
  await mustRun(base, ['ingest', cat.first]);
  await mustRun(base, ['encode']);
  await mustRun(base, ['train', '--name', SERVED, '--dims', TRAIN_DIMS]);
  await mustRun(base, ['promote', SERVED]);
  const models = path.join(base, 'models');
  // Each uninterrupted run is traced to count the transactions a kill can land in.
  const traced = async (dir: string, args: string[]) => {
    const trace = path.join(opts.work, `uninterrupted-${args[0]}.trace`);
    fs.rmSync(trace, { force: true });
    const run = await mustRun(dir, args, { LOUPE_TX_TRACE: trace });
    return { ...run, transactions: readTxTrace(trace).begun };
  };
  copyDataDir(base, snap('ingested'), models);
  const ingest = await traced(snap('ingested'), ['ingest', cat.all]);
  copyDataDir(snap('ingested'), snap('encoded'), models);
  const encode = await traced(snap('encoded'), ['encode', '--batch', '4']);
  const wanted = opts.phases ?? PHASES;
  const scratch = path.join(opts.work, 'scratch');
  copyDataDir(snap('encoded'), scratch, models);
  const train = wanted.includes('train') ? await traced(scratch, ['train', '--name', 'v1', '--dims', TRAIN_DIMS]) : undefined;
  const index = wanted.includes('index') ? await traced(scratch, ['index', '--rebuild']) : undefined;
  fs.rmSync(scratch, { recursive: true, force: true });

  const exact = (x: number): [number, number] => [x, x];
  const plans: Record<Phase, PhasePlan> = {
    ingest: {
      snapshot: base,
      args: ['ingest', cat.all],
      afterKill: { items: [a, n], generic: exact(a), served: exact(a), v1: ['absent'] },
      final: { items: exact(n), generic: exact(a), served: exact(a), v1: ['absent'] },
      progress: (o) => ({ text: `items ${o.items}/${n}, image files ${o.imageFiles}/${n}`, partial: (o.items > a && o.items < n) || (o.imageFiles > a && o.imageFiles < n) }),
    },
    encode: {
      snapshot: snap('ingested'),
      args: ['encode', '--batch', '4'],
      afterKill: { items: exact(n), generic: [a, n], served: [a, n], v1: ['absent'] },
      final: { items: exact(n), generic: exact(n), served: exact(n), v1: ['absent'] },
      progress: (o) => ({ text: `generic ${o.generic}/${n}, ${SERVED} ${o.served}/${n}`, partial: (o.generic > a && o.generic < n) || (o.generic === n && o.served < n) }),
    },
    train: {
      snapshot: snap('encoded'),
      args: ['train', '--name', 'v1', '--dims', TRAIN_DIMS],
      afterKill: { items: exact(n), generic: exact(n), served: exact(n), v1: ['absent', 'building', 'ready'] },
      final: { items: exact(n), generic: exact(n), served: exact(n), v1: ['ready'], v1Count: n },
      progress: (o) => ({ text: `v1 ${o.v1}${o.v1Files ? ' (model saved)' : ''} ${o.v1Count}/${n}`, partial: o.v1 === 'building' || (o.v1 === 'absent' && o.v1Files) }),
    },
    index: {
      snapshot: snap('encoded'),
      args: ['index', '--rebuild'],
      afterKill: { items: exact(n), generic: exact(n), served: exact(n), v1: ['absent'] },
      final: { items: exact(n), generic: exact(n), served: exact(n), v1: ['absent'] },
      progress: (o) => ({ text: o.indexRebuilt ? `'${SERVED}' index missing or torn, rebuilt on load` : `'${SERVED}' index intact`, partial: o.indexRebuilt }),
    },
  };
  const fullRunMs = { ingest: ingest.ms, encode: encode.ms, train: train?.ms ?? NaN, index: index?.ms ?? NaN };
  const fullRunTx = { ingest: ingest.transactions, encode: encode.transactions, train: train?.transactions ?? 0, index: index?.transactions ?? 0 };
  const startupMs = (await mustRun(base, ['versions'])).ms;
  log(
    `start-up (loupe versions) ${Math.round(startupMs)} ms; uninterrupted runs (ms): ${JSON.stringify(Object.fromEntries(Object.entries(fullRunMs).map(([k, v]) => [k, Math.round(v)])))}; transactions ${JSON.stringify(fullRunTx)}`,
  );
  return { plans, fullRunMs, fullRunTx, startupMs, probe: cat.ids[0]!, models };
}

/** Runs `trials` kill-and-recover trials for each phase. */
export async function runCrashTrials(opts: CrashOptions): Promise<{ summaries: PhaseSummary[]; outcomes: TrialOutcome[]; startupMs: number }> {
  const log = opts.log ?? (() => undefined);
  if (opts.cliEntry) cliEntry = path.resolve(opts.cliEntry);
  const { plans, fullRunMs, fullRunTx, startupMs, probe, models } = await prepare(opts);
  const outcomes: TrialOutcome[] = [];
  const summaries: PhaseSummary[] = [];
  for (const phase of opts.phases ?? PHASES) {
    const plan = plans[phase];
    const rand = seeded(opts.seed * 31 + PHASES.indexOf(phase));
    const mine: TrialOutcome[] = [];
    for (let trial = 0; trial < opts.trials; trial++) {
      const dir = path.join(opts.work, 'trial');
      copyDataDir(plan.snapshot, dir, models);
      // Even trials: a moment uniform between the end of start-up (Node, tsx, opening the database)
      // and the end of an uninterrupted run: some kills land before any write, some after the last
      // commit, most part-way. Odd trials: inside a seeded one of the phase's transactions.
      const from = Math.min(startupMs, fullRunMs[phase] * 0.5);
      const plannedMs = Math.round(from + rand() * (fullRunMs[phase] - from));
      const trigger: KillTrigger = trial % 2 === 1 && fullRunTx[phase] > 0 ? 'transaction' : 'time';
      const atTransaction = trigger === 'transaction' ? 1 + Math.floor(rand() * fullRunTx[phase]) : undefined;
      const { killed: killedMidRun, inTransaction, atMs: killAtMs } = await runAndKill(dir, plan.args, path.join(opts.work, 'trial.trace'), plannedMs, atTransaction);
      const afterKill = await inspect(dir, probe, plan.afterKill, false);
      const problems = afterKill.problems.map((p) => `after kill: ${p}`);
      const { text, partial } = plan.progress(afterKill.observed);
      const rerun = await runCli(dir, [...plan.args, '--json']);
      const finishedBefore = phase === 'train' && rerun.code === 1 && /already exists/.test(rerun.stderr + rerun.stdout) && afterKill.observed.v1 === 'ready';
      if (rerun.code !== 0 && !finishedBefore) problems.push(`re-run exited ${rerun.code}: ${(rerun.stderr || rerun.stdout).slice(-400)}`);
      const final = await inspect(dir, probe, plan.final, true);
      problems.push(...final.problems.map((p) => `after re-run: ${p}`));
      const outcome: TrialOutcome = { phase, trial, killAtMs, trigger, killedMidRun, killedInTransaction: inTransaction, stateAfterKill: text, partial, problems };
      mine.push(outcome);
      const when = atTransaction ? `in transaction ${atTransaction} of ${fullRunTx[phase]}` : `at ${killAtMs} ms`;
      const landed = killedMidRun ? (inTransaction ? 'mid-run, inside an open transaction' : 'mid-run, between transactions') : '(already finished)';
      log(`${phase} #${trial}: kill ${when} ${landed}, left ${text}; ${problems.length ? `FAIL ${problems.join('; ')}` : 'recovered exactly'}`);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    outcomes.push(...mine);
    summaries.push({
      phase,
      trials: mine.length,
      killedMidRun: mine.filter((o) => o.killedMidRun).length,
      killedInTransaction: mine.filter((o) => o.killedInTransaction).length,
      fullRunTransactions: fullRunTx[phase],
      partialState: mine.filter((o) => o.partial).length,
      passed: mine.filter((o) => !o.problems.length).length,
      failed: mine.filter((o) => o.problems.length).length,
      fullRunMs: Math.round(fullRunMs[phase]),
      problems: mine.flatMap((o) => o.problems.map((p) => `#${o.trial}: ${p}`)),
    });
  }
  return { summaries, outcomes, startupMs: Math.round(startupMs) };
}
