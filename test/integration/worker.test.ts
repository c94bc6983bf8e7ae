import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDb, type Db } from '../../src/store/db.js';
import { claimTasks, completeTask, createJob, failTask, LeaseLostError, queueState, renewLease } from '../../src/store/queue.js';
import { freshDbUrl, TEST_PG_URL } from '../helpers/backend.js';
import { loupe, loupeJson } from '../helpers/cli.js';
import { killMidBatch, startWorker, type RunningWorker } from '../helpers/worker.js';
import { sampleRows, tempDir, writeSubsetCatalogue } from '../helpers/tmp.js';

// The PGlite part must not pick up a developer's LOUPE_DB; the PostgreSQL part passes --db.
delete process.env.LOUPE_DB;

interface EnqueueOut {
  enqueued: { job: { id: number; total: number; tasks: { queued: number } } | null; created: boolean; items: number; tasks: number };
}

interface RunRow {
  task_id: string;
  attempts: number;
  state: string;
  worker: string;
  outcome: string | null;
  attempt: number;
  processed: number;
}

async function inspect(db: Db) {
  const vectors = await db.query<{ item_id: string; n: string }>(`SELECT item_id, count(*) AS n FROM embeddings WHERE version = 'generic' GROUP BY item_id`);
  const encodedBy = await db.query<{ item: string; n: string }>(`SELECT item, count(*) AS n FROM job_task_runs, unnest(processed) AS item WHERE outcome = 'done' GROUP BY item`);
  const runs = await db.query<RunRow>(
    `SELECT t.id AS task_id, t.attempts, t.state, r.worker, r.outcome, r.attempt, cardinality(r.processed) AS processed
       FROM job_tasks t JOIN job_task_runs r ON r.task_id = t.id ORDER BY t.id, r.attempt`,
  );
  const jobs = await db.query<{ status: string; done: number; total: number }>(`SELECT status, done, total FROM jobs WHERE params->>'queued' = 'true' ORDER BY id`);
  const tasks = await db.query<{ kind: string; state: string }>(`SELECT kind, state FROM job_tasks ORDER BY id`);
  return {
    vectorsPerItem: new Map(vectors.map((r) => [r.item_id, Number(r.n)])),
    encodesPerItem: new Map(encodedBy.map((r) => [r.item, Number(r.n)])),
    runs,
    jobs,
    tasks,
  };
}

/** Every catalogue item has one vector and was encoded by exactly one committed task run. */
function assertExactlyOnce(state: Awaited<ReturnType<typeof inspect>>, ids: readonly string[]): void {
  assert.deepEqual([...state.vectorsPerItem.keys()].sort(), [...ids].sort(), 'every item has a vector, and nothing else does');
  for (const id of ids) {
    assert.equal(state.vectorsPerItem.get(id), 1, `one vector for ${id}`);
    assert.equal(state.encodesPerItem.get(id), 1, `${id} encoded by exactly one committed run`);
  }
  assert.ok(
    state.tasks.every((t) => t.state === 'done'),
    `all tasks done: ${JSON.stringify(state.tasks)}`,
  );
  assert.deepEqual(state.tasks.filter((t) => t.kind === 'project').length, 1, 'one follow-up projection task per job');
  assert.equal(state.jobs.at(-1)!.status, 'done');
  assert.equal(state.jobs.at(-1)!.done, state.jobs.at(-1)!.total);
}

/** The killed worker's task: its run expired, and another run (attempt 2) finished it. */
function assertRetried(runs: readonly RunRow[], taskId: number, killed: string, survivor: string): void {
  const mine = runs.filter((r) => Number(r.task_id) === taskId);
  assert.deepEqual(
    mine.map((r) => [r.attempt, r.outcome, r.worker.split('/')[1]]),
    [
      [1, 'expired', killed],
      [2, 'done', survivor],
    ],
    JSON.stringify(mine),
  );
}

const pidOf = (w: RunningWorker) => String(w.child.pid);

test('queue: leases, take-over, lost leases, retries, exhausted attempts and follow-ups on the real database', async () => {
  const dir = tempDir('queue');
  const db = await openDb({ url: await freshDbUrl(), dir: path.join(dir, 'db') });
  const job = (id: number) => db.query<{ status: string; done: number; error: string | null }>('SELECT status, done, error FROM jobs WHERE id = $1', [id]).then((r) => r[0]!);
  try {
    const j1 = await createJob(db, 'index', {}, 2, [
      { kind: 'index', params: { version: 'a' } },
      { kind: 'index', params: { version: 'b' } },
    ]);
    const [t1] = await claimTasks(db, 'w1', ['index'], 1, 1);
    const [t2] = await claimTasks(db, 'w2', ['index'], 60, 1);
    assert.deepEqual([t1!.params.version, t1!.attempt, t2!.params.version], ['a', 1, 'b'], 'a leased task is skipped by the next claim');
    assert.deepEqual(await claimTasks(db, 'w2', ['index'], 60, 1), [], 'nothing left while both leases hold');
    assert.deepEqual(await claimTasks(db, 'w3', ['encode'], 60, 5), [], 'only the kinds asked for');
    await sleep(1500);
    const [again] = await claimTasks(db, 'w2', ['index'], 60, 1);
    assert.deepEqual([again!.id, again!.attempt], [t1!.id, 2], "w1's lease ran out: its task is claimed again");
    await assert.rejects(
      db.transaction((tx) => completeTask(tx, t1!, 'w1', { done: 1 })),
      LeaseLostError,
      'the first holder can no longer complete it',
    );
    assert.equal(await renewLease(db, t1!.id, 'w1', 60), false);
    await db.transaction((tx) => completeTask(tx, again!, 'w2', { done: 1 }));
    assert.equal((await job(j1)).status, 'running');
    await db.transaction((tx) => completeTask(tx, t2!, 'w2', { done: 1 }));
    assert.deepEqual(await job(j1), { status: 'done', done: 2, error: null });
    const runs = await db.query<{ worker: string; outcome: string }>('SELECT worker, outcome FROM job_task_runs WHERE task_id = $1 ORDER BY attempt', [t1!.id]);
    assert.deepEqual(
      runs.map((r) => [r.worker, r.outcome]),
      [
        ['w1', 'expired'],
        ['w2', 'done'],
      ],
    );

    const j2 = await createJob(db, 'train', {}, 1, [{ kind: 'train', params: {}, maxAttempts: 2 }]);
    const [f1] = await claimTasks(db, 'w1', ['train'], 60, 1);
    assert.equal(await failTask(db, f1!, 'w1', 'boom 1'), 'queued', 'an error with attempts left queues the task again');
    const [f2] = await claimTasks(db, 'w2', ['train'], 60, 1);
    assert.equal(f2!.attempt, 2);
    assert.equal(await failTask(db, f2!, 'w2', 'boom 2'), 'failed');
    assert.deepEqual(await job(j2), { status: 'failed', done: 0, error: '1 task(s) failed; last: boom 2' });

    const j3 = await createJob(db, 'train', {}, 1, [{ kind: 'train', params: {}, maxAttempts: 1 }]);
    await claimTasks(db, 'w1', ['train'], 1, 1);
    await sleep(1500);
    assert.deepEqual(await claimTasks(db, 'w2', ['train'], 60, 1), [], 'a task out of attempts is not claimed again');
    assert.equal((await job(j3)).status, 'failed');
    assert.match((await job(j3)).error!, /stopped without finishing it 1 time/);

    const j4 = await createJob(db, 'encode', {}, 0, [{ kind: 'index', params: { version: 'c' } }]);
    const [e1] = await claimTasks(db, 'w1', ['index'], 60, 1);
    await db.transaction((tx) => completeTask(tx, e1!, 'w1', { done: 0, followUp: { kind: 'project', params: { base: 'c' } } }));
    assert.equal((await job(j4)).status, 'running', 'the follow-up keeps the job open');
    const [p1] = await claimTasks(db, 'w2', ['project'], 60, 1);
    assert.deepEqual([p1!.jobId, p1!.params], [j4, { base: 'c' }]);
    await db.transaction((tx) => completeTask(tx, p1!, 'w2', { done: 0, followUp: { kind: 'project', params: {} } }));
    assert.equal((await job(j4)).status, 'done', 'a follow-up is queued once, by the last task of the first round');
    assert.deepEqual(await queueState(db), { queued: 0, running: 0, expired: 0 });
  } finally {
    await db.close();
  }
});

test('embedded (PGlite): one worker, killed mid-batch; the next worker retries its task after the lease and finishes the job exactly once', async () => {
  const N = 24;
  const work = tempDir('worker-pglite');
  const data = path.join(work, 'data');
  const catalogue = writeSubsetCatalogue(work, N);
  const ids = sampleRows()
    .slice(0, N)
    .map((r) => r.id);
  assert.equal(loupeJson<{ ingested: number }>(['ingest', catalogue, '--data', data]).ingested, N);

  const queued = loupeJson<EnqueueOut>(['encode', '--enqueue', '--task-size', '5', '--data', data]).enqueued;
  assert.equal(queued.created, true);
  assert.equal(queued.items, N);
  assert.equal(queued.tasks, Math.ceil(N / 5));
  const again = loupeJson<EnqueueOut>(['encode', '--enqueue', '--task-size', '5', '--data', data]).enqueued;
  assert.equal(again.created, false, 'an open job for the version is returned, not queued twice');
  assert.equal(again.job!.id, queued.job!.id);

  const a = startWorker(['--data', data, '--lease', '3', '--poll', '1', '--until-idle']);
  const killedTask = await killMidBatch(a);

  const b = loupe(['worker', '--data', data, '--lease', '3', '--poll', '1', '--until-idle', '--json']);
  assert.equal(b.code, 0, b.stderr);
  const report = JSON.parse(b.stdout) as { worker: string; tasks: { done: number; failed: number }; encoded: number };
  assert.equal(report.tasks.failed, 0);
  assert.match(b.stderr, new RegExp(`claimed task ${killedTask} \\(encode, \\d+ item\\(s\\), attempt 2\\)`));

  const db = await openDb({ dir: path.join(data, 'db') });
  try {
    const state = await inspect(db);
    assertExactlyOnce(state, ids);
    assertRetried(state.runs, killedTask, pidOf(a), report.worker.split('/')[1]!);
    const byPid = (pid: string) => state.runs.filter((r) => r.outcome === 'done' && r.worker.split('/')[1] === pid).reduce((s, r) => s + r.processed, 0);
    assert.ok(byPid(pidOf(a)) > 0, 'the killed worker had finished a task before');
    assert.equal(byPid(report.worker.split('/')[1]!), report.encoded, 'the run log matches what the worker reported');
    assert.equal(byPid(pidOf(a)) + report.encoded, N);
  } finally {
    await db.close();
  }
  const nothing = loupeJson<EnqueueOut>(['encode', '--enqueue', '--data', data]).enqueued;
  assert.equal(nothing.job, null, 'nothing left to queue');

  // Training queued as a single task; the worker that runs it writes the version's vectors too.
  const train = loupeJson<EnqueueOut>(['train', '--name', 'queued-v1', '--enqueue', '--data', data]).enqueued;
  assert.deepEqual([train.created, train.tasks], [true, 1]);
  const trainer = loupe(['worker', '--data', data, '--kinds', 'train', '--until-idle', '--json']);
  assert.equal(trainer.code, 0, trainer.stderr);
  assert.equal((JSON.parse(trainer.stdout) as { tasks: { done: number } }).tasks.done, 1);
  const versions = loupeJson<{ versions: { name: string; count: number; status: string }[] }>(['versions', '--data', data]);
  assert.equal(versions.versions.find((v) => v.name === 'generic')!.count, N);
  const trained = versions.versions.find((v) => v.name === 'queued-v1');
  assert.deepEqual([trained?.count, trained?.status], [N, 'ready']);
});

test(
  'PostgreSQL: two workers share one encode job; every item encoded exactly once',
  { skip: TEST_PG_URL ? false : 'LOUPE_TEST_PG_URL is not set: the two-worker PostgreSQL test needs a server' },
  async () => {
    const N = 40;
    const url = (await freshDbUrl())!;
    const work = tempDir('worker-pg');
    const data = path.join(work, 'data');
    const catalogue = writeSubsetCatalogue(work, N, 100);
    const ids = sampleRows()
      .slice(100, 100 + N)
      .map((r) => r.id);
    const db = ['--db', url, '--data', data];
    assert.equal(loupeJson<{ ingested: number }>(['ingest', catalogue, ...db]).ingested, N);
    assert.equal(loupeJson<EnqueueOut>(['encode', '--enqueue', '--task-size', '4', ...db]).enqueued.tasks, N / 4);

    const workers = [startWorker([...db, '--lease', '10', '--poll', '1', '--until-idle']), startWorker([...db, '--lease', '10', '--poll', '1', '--until-idle'])];
    assert.deepEqual(await Promise.all(workers.map((w) => w.exit)), [0, 0], workers.map((w) => w.lines.join('\n')).join('\n---\n'));

    const pg = await openDb({ url, dir: path.join(data, 'db') });
    try {
      const state = await inspect(pg);
      assertExactlyOnce(state, ids);
      const byWorker = new Set(state.runs.filter((r) => r.outcome === 'done').map((r) => r.worker.split('/')[1]));
      assert.deepEqual([...byWorker].sort(), workers.map(pidOf).sort(), 'both workers took tasks');
      assert.ok(
        state.runs.every((r) => r.attempt === 1 && r.outcome === 'done'),
        'no task ran twice',
      );
    } finally {
      await pg.close();
    }
  },
);

test(
  'PostgreSQL: a worker killed mid-batch has its task retried by the other',
  { skip: TEST_PG_URL ? false : 'LOUPE_TEST_PG_URL is not set: the two-worker PostgreSQL test needs a server' },
  async () => {
    const N = 40;
    const url = (await freshDbUrl())!;
    const work = tempDir('worker-pg-kill');
    const data = path.join(work, 'data');
    const catalogue = writeSubsetCatalogue(work, N, 200);
    const ids = sampleRows()
      .slice(200, 200 + N)
      .map((r) => r.id);
    const db = ['--db', url, '--data', data];
    assert.equal(loupeJson<{ ingested: number }>(['ingest', catalogue, ...db]).ingested, N);
    assert.equal(loupeJson<EnqueueOut>(['encode', '--enqueue', '--task-size', '4', ...db]).enqueued.tasks, N / 4);

    const a = startWorker([...db, '--lease', '3', '--poll', '1', '--until-idle', '--concurrency', '1']);
    // The other worker starts once this one has finished a task: started together, a slow first
    // task (model load on a loaded box) let the other claim every task left, and this one never
    // claimed a second to be killed in (a CI run on 2026-12-06).
    await a.waitFor(/done task \d+ \(encode/);
    const b = startWorker([...db, '--lease', '3', '--poll', '1', '--until-idle', '--concurrency', '1']);
    const killedTask = await killMidBatch(a);
    assert.equal(await b.exit, 0, b.lines.join('\n'));
    await b
      .waitFor(new RegExp(`claimed task ${killedTask} \\(encode, \\d+ item\\(s\\), attempt 2\\)`))
      .catch(() => assert.fail(`the survivor never retried task ${killedTask}:\n${b.lines.join('\n')}`));

    const pg = await openDb({ url, dir: path.join(data, 'db') });
    try {
      const state = await inspect(pg);
      assertExactlyOnce(state, ids);
      assertRetried(state.runs, killedTask, pidOf(a), pidOf(b));
    } finally {
      await pg.close();
    }
  },
);
