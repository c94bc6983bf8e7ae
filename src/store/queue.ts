import { LoupeError } from '../errors.js';
import type { Db, Queryable } from './db.js';

/**
 * The job queue: a job is split into tasks (rows of `job_tasks`) that `loupe worker` processes
 * claim with `SELECT ... FOR UPDATE SKIP LOCKED`, so workers on several machines share one job
 * without two of them holding the same task. A claim is a lease: a worker renews it while it works,
 * and a task whose lease ran out (its worker was killed) is claimed again by another worker.
 * The same SQL runs on PGlite and PostgreSQL 15.
 */

export const TASK_KINDS = ['encode', 'project', 'train', 'index', 'objects'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export interface NewTask {
  kind: TaskKind;
  params: Record<string, unknown>;
  itemIds?: readonly string[];
  maxAttempts?: number;
}

export interface ClaimedTask {
  id: number;
  jobId: number;
  kind: TaskKind;
  params: Record<string, unknown>;
  itemIds: string[];
  attempt: number;
  runId: number;
}

export interface TaskOutcome {
  /** How far the job's `done` counter moves (encode: items handled, errors included). */
  done: number;
  /** Items this run wrote, kept in the run log (the proof of exactly-once work). */
  processed?: readonly string[];
  result?: Record<string, unknown>;
  /** Queued in the same transaction when this was the job's last open task (once per job and kind). */
  followUp?: NewTask;
}

/** The lease was taken over (it ran out and another worker claimed the task): nothing was written. */
export class LeaseLostError extends LoupeError {
  constructor(message: string) {
    super('conflict', message);
  }
}

/** Creates a job row with its tasks in one transaction; returns the job id. */
export async function createJob(db: Db, kind: string, params: Record<string, unknown>, total: number, tasks: readonly NewTask[]): Promise<number> {
  return db.transaction(async (tx) => {
    const [job] = await tx.query<{ id: string }>(`INSERT INTO jobs (kind, params, total) VALUES ($1, $2, $3) RETURNING id`, [kind, JSON.stringify(params), total]);
    const jobId = Number(job!.id);
    for (let i = 0; i < tasks.length; i += 500) await insertTasks(tx, jobId, tasks.slice(i, i + 500));
    return jobId;
  });
}

async function insertTasks(tx: Queryable, jobId: number, tasks: readonly NewTask[]): Promise<void> {
  if (!tasks.length) return;
  const params: unknown[] = [jobId];
  const tuples = tasks.map((t, i) => {
    params.push(t.kind, JSON.stringify(t.params), t.itemIds ?? [], t.maxAttempts ?? 3);
    const b = 2 + i * 4;
    return `($1, $${b}, $${b + 1}::jsonb, $${b + 2}::text[], $${b + 3})`;
  });
  await tx.query(`INSERT INTO job_tasks (job_id, kind, params, item_ids, max_attempts) VALUES ${tuples.join(',')}`, params);
}

/** A job run in process (no tasks): the row `loupe jobs`-style reports read. Returns its id. */
export async function startInlineJob(db: Queryable, kind: string, params: Record<string, unknown>, total: number): Promise<number> {
  const [job] = await db.query<{ id: string }>(`INSERT INTO jobs (kind, params, total) VALUES ($1, $2, $3) RETURNING id`, [kind, JSON.stringify(params), total]);
  return Number(job!.id);
}

export async function advanceJob(db: Queryable, jobId: number, done: number): Promise<void> {
  await db.query('UPDATE jobs SET done = done + $2, updated_at = now() WHERE id = $1', [jobId, done]);
}

export async function finishJob(db: Queryable, jobId: number): Promise<void> {
  await db.query(`UPDATE jobs SET status = 'done', finished_at = now(), updated_at = now() WHERE id = $1`, [jobId]);
}

export async function failJob(db: Queryable, jobId: number, error: string): Promise<void> {
  await db.query(`UPDATE jobs SET status = 'failed', error = $2, finished_at = now() WHERE id = $1`, [jobId, error]);
}

/** The job already working on `version` (it has tasks of `kind` not finished yet), if any. */
export async function openJobFor(db: Queryable, kind: TaskKind, version: string): Promise<number | undefined> {
  const rows = await db.query<{ job_id: string }>(
    `SELECT job_id FROM job_tasks
      WHERE kind = $2 AND state IN ('queued', 'running') AND params->>'version' = $1
      ORDER BY job_id LIMIT 1`,
    [version, kind],
  );
  return rows[0] ? Number(rows[0].job_id) : undefined;
}

/**
 * Claims up to `limit` tasks of the given kinds: queued ones, and running ones whose lease ran out
 * and that have attempts left. One transaction. When there is nothing to claim, tasks whose lease
 * ran out with no attempts left are failed, so their jobs can close.
 */
export async function claimTasks(db: Db, worker: string, kinds: readonly TaskKind[], leaseSeconds: number, limit: number): Promise<ClaimedTask[]> {
  return db.transaction(async (tx) => {
    const claimed = await tx.query<{ id: string; job_id: string; kind: TaskKind; params: Record<string, unknown>; item_ids: string[]; attempts: number }>(
      `WITH next AS (
         SELECT id FROM job_tasks
          WHERE kind = ANY($2::text[]) AND attempts < max_attempts
            AND (state = 'queued' OR (state = 'running' AND lease_expires_at < now()))
          ORDER BY id
          LIMIT $3
          FOR UPDATE SKIP LOCKED)
       UPDATE job_tasks t
          SET state = 'running', attempts = t.attempts + 1, leased_by = $1,
              lease_expires_at = now() + $4 * interval '1 second', updated_at = now()
         FROM next WHERE t.id = next.id
       RETURNING t.id, t.job_id, t.kind, t.params, t.item_ids, t.attempts`,
      [worker, kinds, limit, leaseSeconds],
    );
    if (!claimed.length) {
      await failExhausted(tx);
      return [];
    }
    const ids = claimed.map((c) => c.id);
    // A run left unfinished by a worker that died ends here: its lease ran out.
    const retried = claimed.filter((c) => c.attempts > 1).map((c) => c.id);
    if (retried.length) await tx.query(`UPDATE job_task_runs SET outcome = 'expired', finished_at = now() WHERE task_id = ANY($1::bigint[]) AND finished_at IS NULL`, [retried]);
    const runs = await tx.query<{ id: string; task_id: string }>(
      `INSERT INTO job_task_runs (task_id, attempt, worker)
       SELECT * FROM unnest($1::bigint[], $2::integer[], $3::text[]) RETURNING id, task_id`,
      [ids, claimed.map((c) => c.attempts), claimed.map(() => worker)],
    );
    const runOf = new Map(runs.map((r) => [r.task_id, Number(r.id)]));
    return claimed
      .map((c) => ({ id: Number(c.id), jobId: Number(c.job_id), kind: c.kind, params: c.params, itemIds: c.item_ids, attempt: c.attempts, runId: runOf.get(c.id)! }))
      .sort((a, b) => a.id - b.id);
  });
}

/** Fails the tasks whose lease ran out with no attempts left, and closes their jobs if drained. */
async function failExhausted(tx: Queryable): Promise<void> {
  const exhausted = await tx.query<{ id: string; job_id: string }>(
    `WITH dead AS (
       SELECT id FROM job_tasks
        WHERE state = 'running' AND lease_expires_at < now() AND attempts >= max_attempts
        FOR UPDATE SKIP LOCKED)
     UPDATE job_tasks t
        SET state = 'failed', finished_at = now(), updated_at = now(),
            error = 'its worker stopped without finishing it ' || t.attempts || ' time(s) (lease expired)'
       FROM dead WHERE t.id = dead.id
     RETURNING t.id, t.job_id`,
  );
  if (!exhausted.length) return;
  await tx.query(`UPDATE job_task_runs SET outcome = 'expired', finished_at = now() WHERE task_id = ANY($1::bigint[]) AND finished_at IS NULL`, [exhausted.map((r) => r.id)]);
  for (const jobId of new Set(exhausted.map((r) => Number(r.job_id)))) await settleJob(tx, jobId, 0);
}

/** Extends a lease this worker still holds; false when it was lost (then the work must be dropped). */
export async function renewLease(db: Queryable, taskId: number, worker: string, leaseSeconds: number): Promise<boolean> {
  const rows = await db.query(
    `UPDATE job_tasks SET lease_expires_at = now() + $3 * interval '1 second', updated_at = now()
      WHERE id = $1 AND leased_by = $2 AND state = 'running' RETURNING id`,
    [taskId, worker, leaseSeconds],
  );
  return rows.length > 0;
}

/**
 * Marks a claimed task done inside the caller's transaction, the one that also writes its output,
 * so output and completion commit together. Throws LeaseLostError (roll back) when the task is no
 * longer this worker's.
 */
export async function completeTask(tx: Queryable, task: ClaimedTask, worker: string, outcome: TaskOutcome): Promise<void> {
  const mine = await tx.query(
    `UPDATE job_tasks SET state = 'done', result = $3, lease_expires_at = NULL, finished_at = now(), updated_at = now()
      WHERE id = $1 AND leased_by = $2 AND state = 'running' RETURNING id`,
    [task.id, worker, JSON.stringify(outcome.result ?? {})],
  );
  if (!mine.length) throw new LeaseLostError(`task ${task.id} was taken over by another worker after its lease ran out`);
  await tx.query(`UPDATE job_task_runs SET outcome = 'done', processed = $2::text[], finished_at = now() WHERE id = $1`, [task.runId, outcome.processed ?? []]);
  await settleJob(tx, task.jobId, outcome.done, outcome.followUp);
}

/** Gives a task back after an error: queued again while attempts are left, else failed. */
export async function failTask(db: Db, task: ClaimedTask, worker: string, error: string): Promise<'queued' | 'failed' | 'lost'> {
  return db.transaction(async (tx) => {
    await tx.query(`UPDATE job_task_runs SET outcome = 'failed', error = $2, finished_at = now() WHERE id = $1`, [task.runId, error]);
    const rows = await tx.query<{ state: 'queued' | 'failed' }>(
      `UPDATE job_tasks
          SET state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
              leased_by = NULL, lease_expires_at = NULL, error = $3, updated_at = now(),
              finished_at = CASE WHEN attempts >= max_attempts THEN now() END
        WHERE id = $1 AND leased_by = $2 AND state = 'running' RETURNING state`,
      [task.id, worker, error],
    );
    const state = rows[0]?.state;
    if (!state) return 'lost';
    if (state === 'failed') await settleJob(tx, task.jobId, 0);
    return state;
  });
}

/** Records that a run's lease was taken over before it could commit. */
export async function markRunLost(db: Queryable, runId: number, reason: string): Promise<void> {
  await db.query(`UPDATE job_task_runs SET outcome = 'lost', error = $2, finished_at = now() WHERE id = $1 AND finished_at IS NULL`, [runId, reason]);
}

/**
 * Moves the job's counter, then, if no task of the job is open any more, queues the follow-up or
 * closes the job. The job row's lock serialises this across workers, and each statement after it
 * sees what the others committed (READ COMMITTED), so exactly one worker sees the job drained.
 */
async function settleJob(tx: Queryable, jobId: number, done: number, followUp?: NewTask): Promise<void> {
  await tx.query(`UPDATE jobs SET done = done + $2, updated_at = now() WHERE id = $1`, [jobId, done]);
  const [open] = await tx.query<{ open: boolean }>(`SELECT EXISTS (SELECT 1 FROM job_tasks WHERE job_id = $1 AND state IN ('queued', 'running')) AS open`, [jobId]);
  if (open!.open) return;
  const [failed] = await tx.query<{ n: string; error: string | null }>(`SELECT count(*) AS n, max(error) AS error FROM job_tasks WHERE job_id = $1 AND state = 'failed'`, [jobId]);
  if (followUp && Number(failed!.n) === 0) {
    const [queued] = await tx.query<{ n: string }>('SELECT count(*) AS n FROM job_tasks WHERE job_id = $1 AND kind = $2', [jobId, followUp.kind]);
    if (Number(queued!.n) === 0) {
      await insertTasks(tx, jobId, [followUp]);
      return;
    }
  }
  await tx.query(`UPDATE jobs SET status = $2, error = $3, finished_at = now(), updated_at = now() WHERE id = $1 AND status = 'running'`, [
    jobId,
    Number(failed!.n) ? 'failed' : 'done',
    Number(failed!.n) ? `${failed!.n} task(s) failed; last: ${failed!.error}` : null,
  ]);
}

export interface QueueState {
  queued: number;
  running: number;
  /** Running tasks whose lease ran out and that another worker may claim now. */
  expired: number;
}

/** What is left to do of these kinds across all jobs: a worker told to stop when idle waits until all are zero. */
export async function queueState(db: Queryable, kinds: readonly TaskKind[] = TASK_KINDS): Promise<QueueState> {
  const [r] = await db.query<{ queued: string; running: string; expired: string }>(
    `SELECT count(*) FILTER (WHERE state = 'queued') AS queued,
            count(*) FILTER (WHERE state = 'running') AS running,
            count(*) FILTER (WHERE state = 'running' AND lease_expires_at < now()) AS expired
       FROM job_tasks WHERE state IN ('queued', 'running') AND kind = ANY($1::text[])`,
    [kinds],
  );
  return { queued: Number(r!.queued), running: Number(r!.running), expired: Number(r!.expired) };
}

export interface JobReport {
  id: number;
  kind: string;
  status: string;
  done: number;
  total: number;
  error: string | null;
  tasks: Record<'queued' | 'running' | 'done' | 'failed', number>;
}

/** A queued job's progress and its tasks by state. */
export async function jobReport(db: Queryable, jobId: number): Promise<JobReport | undefined> {
  const [job] = await db.query<{ id: string; kind: string; status: string; done: number; total: number; error: string | null }>('SELECT id, kind, status, done, total, error FROM jobs WHERE id = $1', [
    jobId,
  ]);
  if (!job) return undefined;
  const counts = await db.query<{ state: keyof JobReport['tasks']; n: string }>(`SELECT state, count(*) AS n FROM job_tasks WHERE job_id = $1 GROUP BY state`, [jobId]);
  const tasks = { queued: 0, running: 0, done: 0, failed: 0 };
  for (const c of counts) tasks[c.state] = Number(c.n);
  return { id: Number(job.id), kind: job.kind, status: job.status, done: job.done, total: job.total, error: job.error, tasks };
}

/** The items of an encode task that still have no vector in `version` (others may have written some). */
export async function encodeTaskItems(db: Queryable, version: string, itemIds: readonly string[]): Promise<{ item_id: string; image_hash: string; ext: string }[]> {
  return db.query(
    `SELECT i.id AS item_id, i.image_hash, im.ext
       FROM items i JOIN images im ON im.hash = i.image_hash
      WHERE i.id = ANY($2::text[])
        AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.item_id = i.id AND e.version = $1)
      ORDER BY i.id`,
    [version, itemIds],
  );
}

/** Items with no vector in `version`, in id order after `afterId`: what `encode --enqueue` splits into tasks. */
export async function itemIdsMissingVector(db: Queryable, version: string, afterId: string, limit: number): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `SELECT i.id FROM items i
      WHERE i.id > $2 AND i.image_hash IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.item_id = i.id AND e.version = $1)
      ORDER BY i.id LIMIT $3`,
    [version, afterId, limit],
  );
  return rows.map((r) => r.id);
}
