/**
 * Encode throughput of queued jobs on PostgreSQL: `loupe encode` in one process vs 1 and 2
 * `loupe worker` processes sharing one job, side by side on the same catalogue and machine.
 *   LOUPE_BENCH_PG_URL=postgres://.../postgres node --import tsx bench/workers.ts [--images N] [--task-size N] [--repeats 2] [--queue-only]
 * (LOUPE_TEST_PG_URL is used when LOUPE_BENCH_PG_URL is unset; scripts/pg-cluster.sh starts one.)
 * Each configuration gets a fresh database and data dir; the converted backbone is shared.
 * Two rates each: wall (processes started to all exited: model load included) and steady (from
 * the moment every worker has finished one task to the last commit, from the run log).
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { machine, report, SAMPLE, tempDir } from './common.js';

const { values } = parseArgs({ options: { images: { type: 'string' }, 'task-size': { type: 'string' }, repeats: { type: 'string' }, 'queue-only': { type: 'boolean' } } });
const adminUrl = process.env.LOUPE_BENCH_PG_URL ?? process.env.LOUPE_TEST_PG_URL;
if (!adminUrl) {
  console.log('workers: skipped (set LOUPE_BENCH_PG_URL to a PostgreSQL server with pgvector; scripts/pg-cluster.sh start DIR PORT prints one)');
  process.exit(0);
}
const images = Number(values.images ?? 306);
const taskSize = Number(values['task-size'] ?? 32);
const repeats = Number(values.repeats ?? 2);
const REPO = path.resolve(import.meta.dirname, '..');
const work = tempDir('workers');
const models = path.join(work, 'models');
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];

// The first `images` rows of the bundled sample (repeated rows get their own ids past 306).
const [header, ...rows] = fs.readFileSync(SAMPLE, 'utf8').trim().split('\n');
// Catalogue paths may not leave the catalogue's folder: copy the photos beside it.
fs.cpSync(path.join(path.dirname(SAMPLE), 'images'), path.join(work, 'catalogue', 'images'), { recursive: true });
const catalogue = path.join(work, 'catalogue', 'items.csv');
const picked = Array.from({ length: images }, (_, i) => {
  const r = rows[i % rows.length]!;
  return i < rows.length ? r : `${r.split(',')[0]}-copy${Math.floor(i / rows.length)},${r.split(',').slice(1).join(',')}`;
});
fs.writeFileSync(catalogue, [header, ...picked].join('\n') + '\n');

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

function cli(args: string[]): string {
  const r = spawnSync(process.execPath, [...CLI, ...args], { cwd: REPO, encoding: 'utf8', env: { ...process.env, LOUPE_DB: '' } });
  if (r.status !== 0) throw new Error(`loupe ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

interface Config {
  name: string;
  workers: number;
  threads: number;
  concurrency: number;
  /** Plain `loupe encode` in one process instead of queued tasks. */
  direct?: boolean;
}

interface Result extends Config {
  items: number;
  wallSeconds: number;
  wallRate: number;
  steadySeconds?: number;
  steadyRate?: number;
  tasksPerWorker?: number[];
}

async function run(cfg: Config): Promise<Result> {
  const dbName = `loupe_bench_w_${process.pid}_${cfg.name.replace(/\W/g, '_')}`;
  await admin(`DROP DATABASE IF EXISTS ${dbName}`);
  await admin(`CREATE DATABASE ${dbName}`);
  const u = new URL(adminUrl!);
  u.pathname = `/${dbName}`;
  const url = u.toString();
  const data = path.join(work, cfg.name);
  fs.mkdirSync(data, { recursive: true });
  fs.mkdirSync(models, { recursive: true });
  fs.symlinkSync(models, path.join(data, 'models'));
  const common = ['--db', url, '--data', data];
  try {
    cli(['ingest', catalogue, ...common, '--json']);
    const t0 = performance.now();
    if (cfg.direct) {
      cli(['encode', ...common, '--threads', String(cfg.threads), '--json']);
    } else {
      cli(['encode', '--enqueue', '--task-size', String(taskSize), ...common, '--json']);
      const started = performance.now();
      const procs = Array.from({ length: cfg.workers }, () =>
        spawn(process.execPath, [...CLI, 'worker', ...common, '--until-idle', '--poll', '1', '--threads', String(cfg.threads), '--concurrency', String(cfg.concurrency), '--json'], {
          cwd: REPO,
          stdio: ['ignore', 'ignore', 'ignore'],
          env: { ...process.env, LOUPE_DB: '' },
        }),
      );
      const codes = await Promise.all(procs.map(async (p) => (await once(p, 'exit'))[0] as number | null));
      if (codes.some((c) => c !== 0)) throw new Error(`a worker exited with ${codes.join(',')}`);
      const wall = (performance.now() - started) / 1000;
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        // Steady state: once every worker has finished a task (models loaded, start-up behind
        // them), the items of the runs that finished after that over the time to the last finish.
        const {
          rows: [s],
        } = await c.query<{ steady_rate: number; steady: number; items: string }>(
          `WITH runs AS (
             SELECT r.worker, r.finished_at, cardinality(r.processed) AS n
               FROM job_task_runs r JOIN job_tasks t ON t.id = r.task_id
              WHERE t.kind = 'encode' AND r.outcome = 'done'),
           warm AS (SELECT max(first_done) AS t0 FROM (SELECT min(finished_at) AS first_done FROM runs GROUP BY worker) f)
           SELECT (sum(n) FILTER (WHERE finished_at > warm.t0)
                     / NULLIF(extract(epoch FROM max(finished_at) - warm.t0), 0))::float8 AS steady_rate,
                  extract(epoch FROM max(finished_at) - warm.t0)::float8 AS steady,
                  sum(n) AS items
             FROM runs, warm GROUP BY warm.t0`,
        );
        const perWorker = await c.query<{ n: string }>(`SELECT count(*) AS n FROM job_task_runs WHERE outcome = 'done' GROUP BY worker ORDER BY 1`);
        const items = Number(s!.items);
        return {
          ...cfg,
          items,
          wallSeconds: +wall.toFixed(1),
          wallRate: +(items / wall).toFixed(1),
          steadySeconds: +s!.steady.toFixed(1),
          steadyRate: +s!.steady_rate.toFixed(1),
          tasksPerWorker: perWorker.rows.map((r) => Number(r.n)),
        };
      } finally {
        await c.end();
      }
    }
    const wall = (performance.now() - t0) / 1000;
    return { ...cfg, items: images, wallSeconds: +wall.toFixed(1), wallRate: +(images / wall).toFixed(1) };
  } finally {
    fs.rmSync(data, { recursive: true, force: true }); // the shared models dir is only linked
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  }
}

/**
 * The queue's own ceiling, no encoding: `claimers` loops in this process, each on its own
 * connection, claim and complete empty tasks of one job as fast as they can.
 */
async function queueThroughput(tasks: number, claimers: number) {
  const [{ openDb }, queue] = await Promise.all([import('../src/store/db.js'), import('../src/store/queue.js')]);
  const dbName = `loupe_bench_q_${process.pid}_${claimers}`;
  await admin(`DROP DATABASE IF EXISTS ${dbName}`);
  await admin(`CREATE DATABASE ${dbName}`);
  const u = new URL(adminUrl!);
  u.pathname = `/${dbName}`;
  const db = await openDb({ url: u.toString(), dir: path.join(work, 'unused') });
  try {
    const items = Array.from({ length: 64 }, (_, i) => `item-${i}`);
    await queue.createJob(
      db,
      'bench',
      {},
      tasks,
      Array.from({ length: tasks }, () => ({ kind: 'index' as const, params: {}, itemIds: items })),
    );
    const t = performance.now();
    let done = 0;
    await Promise.all(
      Array.from({ length: claimers }, async (_, w) => {
        for (;;) {
          const [task] = await queue.claimTasks(db, `bench-${w}`, ['index'], 60, 1);
          if (!task) return;
          await db.transaction((tx) => queue.completeTask(tx, task, `bench-${w}`, { done: 1, processed: task.itemIds }));
          done++;
        }
      }),
    );
    const seconds = (performance.now() - t) / 1000;
    return { claimers, tasks: done, tasksPerSecond: +(done / seconds).toFixed(0), msPerTask: +((1000 * seconds) / done).toFixed(2) };
  } finally {
    await db.close();
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  }
}

console.log(machine());
const queueCeiling = [await queueThroughput(1000, 1), await queueThroughput(1000, 4)];
console.log(JSON.stringify(queueCeiling));
if (values['queue-only']) {
  report('workers-queue', { queueCeiling });
  process.exit(0);
}
// Convert the backbone once so no configuration pays for it.
await run({ name: 'warmup', workers: 1, threads: 2, concurrency: 1, direct: true }).catch((e: unknown) => console.log(`warmup: ${String(e)}`));
const configs: Config[] = [
  { name: 'encode-1proc', workers: 1, threads: 2, concurrency: 1, direct: true },
  { name: 'worker-x1', workers: 1, threads: 2, concurrency: 2 },
  { name: 'worker-x2-t1', workers: 2, threads: 1, concurrency: 2 },
  { name: 'worker-x2-t2', workers: 2, threads: 2, concurrency: 2 },
];
// Configurations interleaved, `--repeats` rounds; the best round of each is kept (the least
// disturbed by other jobs on a shared machine); every round is in the JSON.
const rounds: Result[][] = [];
for (let round = 0; round < repeats; round++) {
  for (const cfg of configs) {
    const load = os.loadavg()[0]!;
    const r = { ...(await run(cfg)), round, loadAvg: +load.toFixed(1) };
    console.log(JSON.stringify(r));
    (rounds[configs.indexOf(cfg)] ??= []).push(r);
  }
}
const best = rounds.map((rs) => rs.reduce((a, b) => ((b.steadyRate ?? b.wallRate) > (a.steadyRate ?? a.wallRate) ? b : a)));
const one = best.find((r) => r.name === 'worker-x1')!;
const ratios = Object.fromEntries(best.filter((r) => r.name.startsWith('worker-x2')).map((r) => [`${r.name} / worker-x1 (steady rate)`, +(r.steadyRate! / one.steadyRate!).toFixed(2)]));
report('workers', { images, taskSize, best, ratios, queueCeiling, rounds: rounds.flat() });
