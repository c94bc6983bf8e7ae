import { imageFile, type DataPaths } from '../config.js';
import type { Db } from '../store/db.js';
import { advanceJob, failJob, finishJob, startInlineJob } from '../store/queue.js';
import { LoupeError } from '../errors.js';
import { countMissingVector, ensureVersion, getVersion, insertVectors, itemsMissingVector, type PendingImage } from '../store/vectors.js';
import { decodeForEncoder, DEFAULT_MAX_PIXELS } from '../vision/decode.js';
import type { Encoder, RgbImage } from '../vision/encoder.js';
import { ProgressMeter, type ProgressListener } from './progress.js';

export interface EncodeOptions {
  /** Version to write; the default backbone's vectors are `generic`. */
  version: string;
  /** How to recreate the backbone for query uploads, e.g. `mobilenet_v2_mid`. */
  encoderSpec: string;
  batchSize?: number;
  maxPixels?: number;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

export interface EncodeResult {
  version: string;
  encoded: number;
  skipped: number;
  errors: { id: string; reason: string }[];
  seconds: number;
}

export interface DecodedBatch {
  items: PendingImage[];
  images: RgbImage[];
  ok: PendingImage[];
  errors: { id: string; reason: string }[];
}

export async function decodeBatch(paths: DataPaths, items: PendingImage[], encoder: Encoder, maxPixels: number): Promise<DecodedBatch> {
  const out: DecodedBatch = { items, images: [], ok: [], errors: [] };
  // Same image under several ids is decoded once.
  const byHash = new Map<string, Promise<RgbImage>>();
  const settled = await Promise.allSettled(
    items.map((it) => {
      let p = byHash.get(it.image_hash);
      if (!p) {
        p = decodeForEncoder(imageFile(paths, it.image_hash, it.ext), encoder.input, maxPixels);
        byHash.set(it.image_hash, p);
      }
      return p;
    }),
  );
  settled.forEach((s, i) => {
    const it = items[i]!;
    if (s.status === 'fulfilled') {
      out.images.push(s.value);
      out.ok.push(it);
    } else {
      out.errors.push({ id: it.item_id, reason: (s.reason as Error).message });
    }
  });
  return out;
}

/**
 * Encodes every item that has no vector for `version` yet. Idempotent and resumable: each batch
 * commits in one transaction, so a killed run resumes where it stopped; decoding of the next batch
 * overlaps inference of the current one.
 */
export async function encodeMissing(db: Db, paths: DataPaths, encoder: Encoder, opts: EncodeOptions): Promise<EncodeResult> {
  const started = performance.now();
  const batchSize = opts.batchSize ?? 32;
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  if ((await getVersion(db, opts.version))?.kind === 'imported') {
    throw new LoupeError('conflict', `version '${opts.version}' holds imported vectors (loupe import-vectors): Loupe has no encoder for it; encode into another --version (default generic)`);
  }
  await ensureVersion(db, { name: opts.version, kind: 'generic', encoder: encoder.id, dims: encoder.dims, config: { encoderSpec: opts.encoderSpec } });
  const total = await countMissingVector(db, opts.version);
  const meter = new ProgressMeter('encode', total, opts.onProgress);
  opts.onProgress?.(meter.snapshot());
  const jobId = await startInlineJob(db, 'encode', { version: opts.version, encoder: encoder.id }, total);
  const result: EncodeResult = { version: opts.version, encoded: 0, skipped: 0, errors: [], seconds: 0 };
  let cursor = '';
  const fetchNext = async () => {
    const items = await itemsMissingVector(db, opts.version, cursor, batchSize);
    if (items.length) cursor = items[items.length - 1]!.item_id;
    return items;
  };
  const write = async (batch: DecodedBatch, vectors: Float32Array[]) => {
    const written = await db.transaction(async (tx) => {
      const n = await insertVectors(
        tx,
        opts.version,
        batch.ok.map((it, i) => ({ itemId: it.item_id, imageHash: it.image_hash, vec: vectors[i]! })),
      );
      await advanceJob(tx, jobId, batch.items.length);
      return n;
    });
    result.encoded += written;
    result.skipped += batch.ok.length - written;
    result.errors.push(...batch.errors);
    meter.advance(batch.items.length);
  };
  try {
    let items = await fetchNext();
    let pending = items.length ? decodeBatch(paths, items, encoder, maxPixels) : undefined;
    let writing: Promise<void> | undefined;
    while (pending) {
      opts.signal?.throwIfAborted();
      const batch = await pending;
      // Three stages overlap: the next batch decodes (sharp threads) and the previous batch is
      // written (database) while this one runs on the inference threads.
      const encoding = batch.images.length ? encoder.encode(batch.images) : Promise.resolve([]);
      encoding.catch(() => undefined); // awaited below; this only keeps a failure from being 'unhandled' meanwhile
      await writing;
      items = await fetchNext();
      pending = items.length ? decodeBatch(paths, items, encoder, maxPixels) : undefined;
      const vectors = await encoding;
      writing = write(batch, vectors);
      writing.catch(() => undefined); // awaited on the next turn or after the loop
    }
    await writing;
    await finishJob(db, jobId);
  } catch (err) {
    await failJob(db, jobId, (err as Error).message).catch(() => undefined);
    throw err;
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}
