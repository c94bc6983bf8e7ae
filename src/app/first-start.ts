/**
 * What a first start adds after the main job, so every screen has something to show: a version
 * trained on the catalogue and measured against generic (served only if it wins), and the sample
 * behaviour imported with the feed blend fitted on it. Each step is skipped when already done,
 * so a second start costs a few queries.
 */
import type { AppServices } from './context.js';
import { DEFAULT_ACTION_WEIGHTS } from '../graph/actions.js';
import { refitBlend, type BlendRefit } from '../graph/io/feed-eval.js';
import { importEvents } from '../graph/io/import-events.js';
import { tasteService } from './feed.js';
import { eventsState } from '../store/events.js';
import { listVersions, promoteVersion } from '../store/vectors.js';
import { fileSha256, leaveMark, matchingMark } from './start-marks.js';

/** The trained version a first start creates. */
export const FIRST_VERSION = 'own-1';
/** Which held-out lift decides promotion: same-label Recall@10, else same-group. */
const PRIMARY = ['label.recall@10', 'group.recall@10'];
/** The start mark of the sample events import (see start-marks.ts). */
const EVENTS_MARK = 'sample-events';

export interface FirstStartResult {
  version: { name: string; trained: boolean; metric: string | null; lift: number | null; promoted: boolean; note: string };
  /** `unchanged`: the file was imported by an earlier start and not read again. */
  events: { file: string; imported: number; duplicates: number; errors: number; blend: BlendRefit['blend']['note'] | null; unchanged: boolean } | null;
}

export async function completeFirstStart(
  s: Pick<AppServices, 'db' | 'paths' | 'indexes' | 'live'>,
  opts: { eventsFile?: string | undefined; log?: (msg: string) => void } = {},
): Promise<FirstStartResult> {
  const log = opts.log ?? (() => undefined);
  const versions = await listVersions(s.db);
  let own = versions.find((v) => v.name === FIRST_VERSION && v.status === 'ready');
  let trained = false;
  if (!own && !versions.some((v) => v.kind === 'trained' && v.status === 'ready')) {
    s.live.publish({ type: 'job', job: 'train', status: 'started', detail: { version: FIRST_VERSION } });
    log(`training '${FIRST_VERSION}' on the catalogue's own labels and groups...`);
    // Loaded only here: training pulls in tfjs, which a start with nothing to train never needs.
    const { trainVersion } = await import('./train.js');
    await trainVersion(s.db, s.paths, s.indexes, {
      name: FIRST_VERSION,
      onProgress: (p) => s.live.publish({ type: 'progress', job: 'train', done: p.epoch * p.stepsPerEpoch + p.step, total: p.maxEpochs * p.stepsPerEpoch, rate: p.stepsPerSecond, eta: undefined }),
    });
    s.live.publish({ type: 'job', job: 'train', status: 'done', detail: { version: FIRST_VERSION } });
    own = (await listVersions(s.db)).find((v) => v.name === FIRST_VERSION);
    trained = true;
  }
  let version: FirstStartResult['version'] = { name: FIRST_VERSION, trained, metric: null, lift: null, promoted: false, note: 'a trained version already exists: nothing trained' };
  if (own) {
    const lifts = ((own.metrics ?? {}) as { lift?: Record<string, number> }).lift ?? {};
    const metric = PRIMARY.find((m) => Number.isFinite(lifts[m])) ?? null;
    const lift = metric ? lifts[metric]! : null;
    const wins = lift !== null && lift > 1;
    if (trained && wins) await promoteVersion(s.db, FIRST_VERSION);
    const promoted = own.promoted || (trained && wins);
    const said = metric ? `${metric.replace('.', ' ')} ${lift!.toFixed(2)}x generic on held-out items` : 'no held-out metric';
    version = { name: FIRST_VERSION, trained, metric, lift, promoted, note: `'${FIRST_VERSION}': ${said}; ${promoted ? 'served by default' : 'not promoted (generic stays served)'}` };
    log(version.note);
  }

  const events = opts.eventsFile ? await importSampleEvents(s, opts.eventsFile, log) : null;
  return { version, events };
}

/**
 * Imports the sample's events and fits the feed blend on them, unless this very file was imported
 * before and the events it stored are still there (events are never deleted, so a count at least
 * as high): then nothing is read, stored or refitted.
 */
async function importSampleEvents(s: Pick<AppServices, 'db' | 'paths' | 'indexes' | 'live'>, file: string, log: (msg: string) => void): Promise<NonNullable<FirstStartResult['events']>> {
  const sha = await fileSha256(file);
  const mark = matchingMark(s.paths, EVENTS_MARK, file, sha);
  if (mark && typeof mark.stored === 'number' && (await eventsState(s.db)).count >= mark.stored) {
    return { file, imported: 0, duplicates: Number(mark.valid ?? 0), errors: Number(mark.errors ?? 0), blend: null, unchanged: true };
  }
  const taste = tasteService({ db: s.db, indexes: s.indexes, live: s.live });
  const r = await importEvents(s.db, file, DEFAULT_ACTION_WEIGHTS, (evs) => taste.record(evs));
  let blend: string | null = null;
  if (r.imported > 0) {
    const refit = await refitBlend(s.db, s.indexes);
    blend = refit.blend.note;
    taste.invalidate();
    log(`sample behaviour: ${r.imported} events imported; ${blend}`);
  }
  leaveMark(s.paths, EVENTS_MARK, file, sha, { stored: (await eventsState(s.db)).count, valid: r.imported + r.duplicates, errors: r.errors.length });
  return { file, imported: r.imported, duplicates: r.duplicates, errors: r.errors.length, blend, unchanged: false };
}
