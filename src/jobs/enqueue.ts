import { LoupeError } from '../errors.js';
import { VERSION_NAME } from '../app/train.js';
import type { Db } from '../store/db.js';
import { itemsMissingObjects } from '../store/objects.js';
import { createJob, itemIdsMissingVector, jobReport, openJobFor, type JobReport, type NewTask } from '../store/queue.js';
import { objectScanVersions } from '../app/scene.js';
import { getVersion } from '../store/vectors.js';
import type { EncodeTaskParams, TrainTaskParams } from './worker.js';

export interface EnqueueEncodeOptions extends EncodeTaskParams {
  /** Items per task: the unit a worker claims, and what a killed worker's successor redoes. */
  taskSize: number;
}

export interface EnqueueResult {
  /** The job workers will run; null when there was nothing to do. */
  job: JobReport | null;
  /** False when a job for the same version was still open: it is returned instead of a second one. */
  created: boolean;
  items: number;
  tasks: number;
}

/**
 * Splits "encode every item without a vector in `version`" into tasks for `loupe worker`. While an
 * earlier encode job for the version is still open, returns that one rather than queueing the same
 * items twice; items ingested later go into the next job.
 */
export async function enqueueEncode(db: Db, opts: EnqueueEncodeOptions): Promise<EnqueueResult> {
  return enqueueBatches(db, 'encode', opts, (cursor) => itemIdsMissingVector(db, opts.version, cursor, opts.taskSize));
}

/**
 * Splits "scan every photo not yet scanned for `version` (and the ready trained versions built on
 * it)" into objects tasks (shop the look on the catalogue), as enqueueEncode does for vectors. A
 * worker that runs one before the encode tasks registers the version itself.
 */
export async function enqueueObjects(db: Db, opts: EnqueueEncodeOptions): Promise<EnqueueResult> {
  const versions = await objectScanVersions(db, opts.version);
  return enqueueBatches(db, 'objects', opts, async (cursor) => (await itemsMissingObjects(db, versions, cursor, opts.taskSize)).map((it) => it.item_id));
}

/** One job of `kind` whose tasks are the batches `next` yields in id order, unless one for the version is still open. */
async function enqueueBatches(db: Db, kind: 'encode' | 'objects', opts: EnqueueEncodeOptions, next: (afterId: string) => Promise<string[]>): Promise<EnqueueResult> {
  const existing = await getVersion(db, opts.version);
  if (existing && (existing.kind !== 'generic' || (existing.config.encoderSpec ?? existing.encoder) !== opts.encoderSpec)) {
    throw new LoupeError(
      'conflict',
      `version '${opts.version}' was made with ${String(existing.config.encoderSpec ?? existing.encoder)}; refusing to queue ${opts.encoderSpec} into it: choose another --version name`,
    );
  }
  const open = await openJobFor(db, kind, opts.version);
  if (open !== undefined) {
    const job = (await jobReport(db, open))!;
    return { job, created: false, items: job.total, tasks: job.tasks.queued + job.tasks.running + job.tasks.done + job.tasks.failed };
  }
  const params = { version: opts.version, encoderSpec: opts.encoderSpec, maxPixels: opts.maxPixels };
  const tasks: NewTask[] = [];
  let items = 0;
  let cursor = '';
  for (;;) {
    const ids = await next(cursor);
    if (!ids.length) break;
    cursor = ids[ids.length - 1]!;
    tasks.push({ kind, params, itemIds: ids });
    items += ids.length;
  }
  if (!tasks.length) return { job: null, created: false, items: 0, tasks: 0 };
  const jobId = await createJob(db, kind, { ...params, queued: true }, items, tasks);
  return { job: (await jobReport(db, jobId))!, created: true, items, tasks: tasks.length };
}

/** Queues one training run as a single task (trainVersion itself resumes a killed run). */
export async function enqueueTrain(db: Db, params: TrainTaskParams): Promise<EnqueueResult> {
  // Refused here, not three failed attempts later on a worker.
  if (!VERSION_NAME.test(params.name) || params.name === 'generic') throw new LoupeError('bad_request', `version name '${params.name}' must match ${VERSION_NAME} and not be 'generic'`);
  if ((await getVersion(db, params.name))?.status === 'ready') throw new LoupeError('conflict', `version '${params.name}' already exists; versions are never overwritten: choose another --name`);
  const jobId = await createJob(db, 'train', { ...params, queued: true }, 1, [{ kind: 'train', params: { ...params }, maxAttempts: 2 }]);
  return { job: (await jobReport(db, jobId))!, created: true, items: 0, tasks: 1 };
}

/** Queues a serving-index sync (or rebuild) of one version, written under the shared data dir. */
export async function enqueueIndex(db: Db, version: string, rebuild: boolean): Promise<EnqueueResult> {
  const jobId = await createJob(db, 'index', { version, rebuild, queued: true }, 1, [{ kind: 'index', params: { version, rebuild } }]);
  return { job: (await jobReport(db, jobId))!, created: true, items: 0, tasks: 1 };
}
