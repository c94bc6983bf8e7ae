import { ingestCatalogue, type IngestResult } from '../catalog/ingest.js';
import { encodeMissing, type EncodeResult } from './encode.js';
import type { Progress } from './progress.js';
import type { AppServices } from './context.js';
import { DEFAULT_ENCODER } from '../vision/encoders.js';
import { countMissingVector, getVersion } from '../store/vectors.js';
import { EncoderPool } from '../vision/encoder-pool.js';
import { refreshDerivedVersions } from './projection.js';

export interface MainJobResult {
  ingest: IngestResult;
  encode: EncodeResult;
  index: { version: string; size: number };
}

/**
 * The main job: ingest a catalogue, encode what is new with the default backbone, and bring the
 * serving index up to date, publishing progress and changes on the live bus as it goes.
 */
export async function runMainJob(
  s: Pick<AppServices, 'db' | 'paths' | 'indexes' | 'live'>,
  catalogue: string,
  opts: { onProgress?: (p: Progress) => void; map?: string } = {},
): Promise<MainJobResult> {
  const report = (p: Progress) => {
    s.live.publish({ type: 'progress', job: p.job, done: p.done, total: p.total, rate: p.rate, eta: p.eta });
    opts.onProgress?.(p);
  };
  s.live.publish({ type: 'job', job: 'ingest', status: 'started', detail: { catalogue } });
  const t0 = performance.now();
  const ingest = await ingestCatalogue(s.db, s.paths, catalogue, {
    ...(opts.map ? { map: opts.map } : {}),
    onProgress: (p) => {
      const secs = (performance.now() - t0) / 1000;
      const rate = secs > 0 ? p.done / secs : 0;
      report({ job: 'ingest', done: p.done, total: p.total, rate, eta: rate > 0 ? (p.total - p.done) / rate : undefined });
    },
  });
  s.live.publish({ type: 'job', job: 'ingest', status: 'done', detail: { ingested: ingest.ingested, updated: ingest.updated, unchanged: ingest.unchanged, errors: ingest.errors.length } });

  const version = 'generic';
  s.live.publish({ type: 'job', job: 'encode', status: 'started', detail: { version } });
  let encode: EncodeResult;
  if (await nothingToEncode(s.db, version)) {
    // Every item has its vector: no backbone to open (its worker lanes cost seconds of CPU).
    encode = { version, encoded: 0, skipped: 0, errors: [], seconds: 0 };
    report({ job: 'encode', done: 0, total: 0, rate: 0, eta: undefined });
  } else {
    // A batch job gets its own lanes (LaneEncoder); the serving pool stays tuned for single uploads.
    const jobEncoders = new EncoderPool(s.paths, { lanes: 'auto' });
    try {
      encode = await encodeMissing(s.db, s.paths, await jobEncoders.get(DEFAULT_ENCODER), { version, encoderSpec: DEFAULT_ENCODER, onProgress: report });
    } finally {
      await jobEncoders.close();
    }
  }
  const synced = await s.indexes.sync(version);
  await refreshDerivedVersions(s.db, s.paths, s.indexes, version);
  s.live.publish({ type: 'job', job: 'encode', status: 'done', detail: { encoded: encode.encoded, errors: encode.errors.length } });
  s.live.publish({ type: 'vectors', version, count: synced.size });
  return { ingest, encode, index: { version, size: synced.size } };
}

/** The version already exists for the default backbone and no item lacks its vector. */
async function nothingToEncode(db: AppServices['db'], version: string): Promise<boolean> {
  const row = await getVersion(db, version);
  return row?.config.encoderSpec === DEFAULT_ENCODER && (await countMissingVector(db, version)) === 0;
}
