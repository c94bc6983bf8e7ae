import crypto from 'node:crypto';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { DataPaths } from '../config.js';
import type { IndexRegistry } from '../index/registry.js';
import { EncoderPool } from '../vision/encoder-pool.js';
import { refreshDerivedVersions } from '../app/projection.js';
import { parseSignals, trainVersion } from '../app/train.js';
import type { Db, Queryable } from '../store/db.js';
import {
  claimTasks,
  completeTask,
  encodeTaskItems,
  failTask,
  LeaseLostError,
  markRunLost,
  queueState,
  renewLease,
  TASK_KINDS,
  type ClaimedTask,
  type TaskKind,
  type TaskOutcome,
} from '../store/queue.js';
import { ensureVersion, insertVectors } from '../store/vectors.js';
import type { EncoderRuntime } from '../vision/encoders.js';
import { decodeBatch } from '../app/encode.js';
import { scanObjectTask } from '../app/scene.js';

export interface WorkerOptions {
  /** How this worker names itself in leases and the run log; unique per process. */
  id?: string;
  /** Tasks worked on at once by this process (decode, inference and writes of different tasks overlap). */
  concurrency: number;
  leaseSeconds: number;
  pollSeconds: number;
  /** forever: poll for new work until stopped; once: at most one task; until-idle: stop when no task is open anywhere. */
  mode: 'forever' | 'once' | 'until-idle';
  kinds?: readonly TaskKind[];
  runtime?: EncoderRuntime;
  threads?: number;
  /** Copies of the backbone run side by side; default 'auto' (see `defaultLanes`). */
  lanes?: number | 'auto';
  log?: (message: string) => void;
  /** Aborting stops claiming; tasks in hand are finished first. */
  signal?: AbortSignal;
}

export interface WorkerReport {
  worker: string;
  tasks: { done: number; failed: number; lost: number };
  encoded: number;
  /** Object vectors stored by objects tasks (shop the look on the catalogue). */
  objects: number;
  errors: { id: string; reason: string }[];
  seconds: number;
}

/** Task parameters are read back from the database: validated like any other input. */
const EncodeParams = z.object({ version: z.string().min(1), encoderSpec: z.string().min(1), maxPixels: z.number().int().positive() });
const ProjectParams = z.object({ base: z.string().min(1) });
const IndexParams = z.object({ version: z.string().min(1), rebuild: z.boolean().default(false) });
const TrainParams = z.object({
  name: z.string().min(1),
  base: z.string().min(1).optional(),
  signals: z.string().optional(),
  seed: z.number().int().nonnegative().optional(),
  dims: z.number().int().positive().optional(),
});
/** Writes a task's vectors (or object vectors) inside the transaction that completes it; returns how many landed. */
type VectorWriter = (tx: Queryable) => Promise<number>;

export type EncodeTaskParams = z.infer<typeof EncodeParams>;
export type TrainTaskParams = z.infer<typeof TrainParams>;

export function defaultWorkerId(): string {
  return `${os.hostname()}/${process.pid}/${crypto.randomBytes(3).toString('hex')}`;
}

/**
 * A `loupe worker`: claims tasks from the database queue and runs them until told to stop. Every
 * task's output is written in the transaction that marks it done, under a lease this worker renews
 * while it works, so a worker killed at any point leaves its task to be claimed again.
 */
export async function runWorker(db: Db, paths: DataPaths, indexes: IndexRegistry, opts: WorkerOptions): Promise<WorkerReport> {
  const started = performance.now();
  const worker = opts.id ?? defaultWorkerId();
  const log = opts.log ?? (() => undefined);
  const kinds = opts.kinds ?? TASK_KINDS;
  // PGlite is one session in one process: overlapping transactions would share it.
  const concurrency = opts.mode === 'once' || db.kind === 'pglite' ? 1 : opts.concurrency;
  const report: WorkerReport = { worker, tasks: { done: 0, failed: 0, lost: 0 }, encoded: 0, objects: 0, errors: [], seconds: 0 };
  const pool = new EncoderPool(paths, {
    lanes: opts.lanes ?? 'auto',
    ...(opts.runtime ? { runtime: opts.runtime } : {}),
    ...(opts.threads ? { threads: opts.threads } : {}),
  });
  const versionsReady = new Set<string>();
  let claimedOnce = false;

  const readyVersion = async (p: EncodeTaskParams) => {
    const encoder = await pool.get(p.encoderSpec);
    if (!versionsReady.has(p.version)) {
      await ensureVersion(db, { name: p.version, kind: 'generic', encoder: encoder.id, dims: encoder.dims, config: { encoderSpec: p.encoderSpec } });
      versionsReady.add(p.version);
    }
    return encoder;
  };

  const runEncode = async (task: ClaimedTask): Promise<TaskOutcome & { write: VectorWriter }> => {
    const p = EncodeParams.parse(task.params);
    const encoder = await readyVersion(p);
    const pending = await encodeTaskItems(db, p.version, task.itemIds);
    const batch = await decodeBatch(paths, pending, encoder, p.maxPixels);
    const vectors = batch.images.length ? await encoder.encode(batch.images) : [];
    const ids = batch.ok.map((it) => it.item_id);
    return {
      done: task.itemIds.length,
      processed: ids,
      result: { encoded: ids.length, alreadyEncoded: task.itemIds.length - pending.length, errors: batch.errors },
      followUp: { kind: 'project', params: { base: p.version } },
      write: (tx) =>
        insertVectors(
          tx,
          p.version,
          batch.ok.map((it, i) => ({ itemId: it.item_id, imageHash: it.image_hash, vec: vectors[i]! })),
        ),
    };
  };

  const runObjects = async (task: ClaimedTask): Promise<TaskOutcome & { write: VectorWriter }> => {
    const p = EncodeParams.parse(task.params);
    // Objects tasks may run before any encode task of the job has registered the version.
    await readyVersion(p);
    const scan = await scanObjectTask({ db, paths, encoders: pool }, { version: p.version, maxPixels: p.maxPixels, itemIds: task.itemIds });
    return {
      done: task.itemIds.length,
      processed: scan.scanned,
      result: { versions: scan.versions, scanned: scan.scanned.length, errors: scan.errors },
      write: scan.write,
    };
  };

  const runTask = async (task: ClaimedTask): Promise<void> => {
    log(`worker ${worker}: claimed task ${task.id} (${task.kind}, ${task.itemIds.length} item(s), attempt ${task.attempt})`);
    let leaseLost = false;
    const renew = setInterval(
      () => {
        renewLease(db, task.id, worker, opts.leaseSeconds).then(
          (ok) => (leaseLost ||= !ok),
          () => undefined, // a missed renewal is retried on the next tick; the lease has slack
        );
      },
      (opts.leaseSeconds * 1000) / 3,
    );
    try {
      let outcome: TaskOutcome;
      let write: VectorWriter | undefined;
      if (task.kind === 'encode') {
        ({ write, ...outcome } = await runEncode(task));
      } else if (task.kind === 'objects') {
        ({ write, ...outcome } = await runObjects(task));
      } else if (task.kind === 'project') {
        const p = ProjectParams.parse(task.params);
        outcome = { done: 0, result: { projected: await refreshDerivedVersions(db, paths, indexes, p.base) } };
      } else if (task.kind === 'index') {
        const p = IndexParams.parse(task.params);
        const r = p.rebuild ? await indexes.rebuild(p.version) : await indexes.sync(p.version);
        outcome = { done: 1, result: { ...r } };
      } else {
        const p = TrainParams.parse(task.params);
        const r = await trainVersion(db, paths, indexes, {
          name: p.name,
          signals: parseSignals(p.signals),
          ...(p.base ? { base: p.base } : {}),
          ...(p.seed !== undefined ? { seed: p.seed } : {}),
          ...(p.dims !== undefined ? { dims: p.dims } : {}),
          log,
        });
        outcome = { done: 1, result: { name: r.name, resumed: r.resumed, lift: r.lift, items: r.items } };
      }
      if (leaseLost) throw new LeaseLostError(`task ${task.id}: lease lost while working`);
      const written = await db.transaction(async (tx) => {
        const n = write ? await write(tx) : 0;
        await completeTask(tx, task, worker, outcome);
        return n;
      });
      report.tasks.done++;
      if (task.kind === 'objects') report.objects += written;
      else report.encoded += written;
      const errors = (outcome.result?.errors as WorkerReport['errors'] | undefined) ?? [];
      report.errors.push(...errors);
      const what = task.kind === 'encode' ? 'vector(s)' : task.kind === 'objects' ? 'object vector(s)' : undefined;
      log(`worker ${worker}: done task ${task.id} (${task.kind}${what ? `, ${written} ${what} written, ${errors.length} error(s)` : ''})`);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof LeaseLostError) {
        report.tasks.lost++;
        await markRunLost(db, task.runId, message).catch(() => undefined);
        log(`worker ${worker}: dropped task ${task.id}: ${message}`);
        return;
      }
      const state = await failTask(db, task, worker, message).catch(() => 'lost' as const);
      if (state === 'failed') report.tasks.failed++;
      log(`worker ${worker}: task ${task.id} failed (${state === 'queued' ? 'will be retried' : state}): ${message}`);
    } finally {
      clearInterval(renew);
    }
  };

  const slot = async (): Promise<void> => {
    while (!opts.signal?.aborted) {
      if (opts.mode === 'once' && claimedOnce) return;
      let task: ClaimedTask | undefined;
      try {
        [task] = await claimTasks(db, worker, kinds, opts.leaseSeconds, 1);
      } catch (err) {
        // A long-running worker outlives a database restart; a one-shot run reports it.
        if (opts.mode !== 'forever') throw err;
        log(`worker ${worker}: cannot claim (${err instanceof Error ? err.message : String(err)}); retrying in ${opts.pollSeconds} s`);
      }
      if (task) {
        claimedOnce = true;
        await runTask(task);
        continue;
      }
      if (opts.mode === 'once') return;
      if (opts.mode === 'until-idle') {
        const q = await queueState(db, kinds);
        // Tasks other workers hold may still come back (a worker killed mid-task): wait for them.
        if (q.queued === 0 && q.running === 0) return;
      }
      await sleep(opts.pollSeconds * 1000, undefined, opts.signal ? { signal: opts.signal } : {}).catch(() => undefined);
    }
  };

  try {
    log(`worker ${worker}: ${db.kind}, concurrency ${concurrency}, lease ${opts.leaseSeconds} s, ${opts.mode}`);
    await Promise.all(Array.from({ length: concurrency }, () => slot()));
  } finally {
    await pool.close();
  }
  report.seconds = (performance.now() - started) / 1000;
  return report;
}
