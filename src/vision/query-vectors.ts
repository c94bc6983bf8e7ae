import os from 'node:os';
import type { DataPaths } from '../config.js';
import type { Db } from '../store/db.js';
import { getVersion, listVersions, promotedVersion } from '../store/vectors.js';
import { decodeForEncoder, DEFAULT_MAX_PIXELS, probeImage } from '../vision/decode.js';
import type { Encoder } from '../vision/encoder.js';
import { canEncodeText, formatEncoderSpec, parseEncoderSpec, type EncoderRuntime, type EncoderSpec } from '../vision/encoders.js';
import { defaultLanes, LaneEncoder, threadsPerLane } from '../vision/lane-encoder.js';
import { WorkerEncoder } from '../vision/worker-encoder.js';
import { LoupeError } from '../errors.js';
import { loadVersionModel } from './project.js';

export interface EncoderPoolOptions {
  runtime?: EncoderRuntime;
  /** Inference threads in all, split between lanes; default: every core. */
  threads?: number;
  /**
   * Copies of each backbone run side by side (see LaneEncoder). Default 1, right for query uploads
   * (one photo: all threads on it is fastest); 'auto' suits batch jobs (`defaultLanes`).
   */
  lanes?: number | 'auto';
}

/**
 * Opens each backbone once per process, in worker threads, and hands it out by spec string. Only
 * query uploads and encode jobs need one: catalogue items are served from stored vectors.
 */
export class EncoderPool {
  private readonly open = new Map<string, Promise<Encoder>>();
  constructor(
    private readonly paths: DataPaths,
    private readonly opts: EncoderPoolOptions = {},
  ) {}

  get(spec: string): Promise<Encoder> {
    let enc = this.open.get(spec);
    if (!enc) {
      enc = this.start(parseEncoderSpec(spec)); // a bad spec fails here, with its own message
      enc.catch(() => this.open.delete(spec));
      this.open.set(spec, enc);
    }
    return enc;
  }

  private async start(spec: EncoderSpec): Promise<Encoder> {
    const threads = this.opts.threads ?? os.availableParallelism();
    const lanes = this.opts.lanes === 'auto' ? Math.min(defaultLanes(spec), threads) : Math.max(1, this.opts.lanes ?? 1);
    const options = {
      modelsDir: this.paths.models,
      threads: lanes > 1 ? threadsPerLane(threads, lanes) : threads,
      ...(this.opts.runtime ? { runtime: this.opts.runtime } : {}),
    };
    const formatted = formatEncoderSpec(spec);
    // The first lane alone, so a model converted on first use is converted once.
    const first = await WorkerEncoder.create(formatted, options);
    if (lanes === 1) return first;
    const opened = await Promise.allSettled(Array.from({ length: lanes - 1 }, () => WorkerEncoder.create(formatted, options)));
    const failed = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    const ok = [first, ...opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []))];
    if (failed) {
      await Promise.all(ok.map((e) => e.close()));
      throw failed.reason;
    }
    return new LaneEncoder(ok);
  }

  async close(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.close()));
  }
}

/** The backbone spec a version's vectors were made with (trained versions read their base's). */
export async function encoderSpecOf(db: Db, version: string): Promise<string> {
  const row = await getVersion(db, version);
  if (!row) throw new LoupeError('not_found', `unknown version '${version}'`);
  const spec = row.config.encoderSpec;
  if (typeof spec === 'string') return spec;
  return row.encoder;
}

/**
 * The query vector of an uploaded photo in `version`'s space: the backbone encodes it, and a trained
 * version projects the result through its model. The only pixels touched at request time.
 */
export async function imageQueryVector(db: Db, paths: DataPaths, pool: EncoderPool, version: string, bytes: Uint8Array, maxPixels = DEFAULT_MAX_PIXELS): Promise<Float32Array> {
  const row = await getVersion(db, version);
  if (!row) throw new LoupeError('not_found', `unknown version '${version}'`);
  const vec = await encodeUpload(pool, await encoderSpecOf(db, version), bytes, maxPixels);
  if (row.kind === 'generic') return vec;
  const model = await loadVersionModel(paths, version);
  return model.project([vec])[0]!;
}

/** Encodes an uploaded photo (bytes) with a version's backbone. */
export async function encodeUpload(pool: EncoderPool, spec: string, bytes: Uint8Array, maxPixels = DEFAULT_MAX_PIXELS): Promise<Float32Array> {
  // Same acceptance as ingest (format list, pixel limit) before any decoder sees the bytes: no SVG.
  await probeImage(bytes, maxPixels);
  const encoder = await pool.get(spec);
  const image = await decodeForEncoder(bytes, encoder.input, maxPixels);
  const [vec] = await encoder.encode([image]);
  return vec!;
}

/** Whether `version` can place a text query in its space (a trained text tower, or a CLIP-style backbone). */
async function canEmbedText(db: Db, paths: DataPaths, pool: EncoderPool, version: string): Promise<boolean> {
  const row = await getVersion(db, version);
  if (!row) return false;
  if (row.kind === 'trained') return row.config.textTower === true;
  const spec = await encoderSpecOf(db, version);
  if (!spec.startsWith('transformers:')) return false;
  return canEncodeText(await pool.get(spec));
}

/** The version text search uses: the one asked for, else the promoted one, else the newest with a text tower. */
export async function textVersion(db: Db, paths: DataPaths, pool: EncoderPool, asked: string | undefined): Promise<string> {
  if (asked) {
    if (!(await getVersion(db, asked))) throw new LoupeError('not_found', `unknown version '${asked}'`);
    if (!(await canEmbedText(db, paths, pool, asked))) {
      throw new LoupeError('conflict', `version '${asked}' cannot embed text: train a version with the text signal (\`loupe train --name NAME\`) or encode with a CLIP/SigLIP folder`);
    }
    return asked;
  }
  const promoted = await promotedVersion(db);
  if (await canEmbedText(db, paths, pool, promoted)) return promoted;
  const trained = (await listVersions(db)).filter((v) => v.kind === 'trained' && v.status === 'ready' && v.config.textTower === true);
  const newest = trained[trained.length - 1];
  if (!newest) throw new LoupeError('conflict', 'no version can embed text yet: train one with `loupe train --name NAME` (the text signal is on by default)');
  return newest.name;
}

/** A text query in `version`'s space. */
export async function textQueryVector(db: Db, paths: DataPaths, pool: EncoderPool, version: string, text: string): Promise<Float32Array> {
  const row = await getVersion(db, version);
  if (!row) throw new LoupeError('not_found', `unknown version '${version}'`);
  if (row.kind === 'trained') return (await loadVersionModel(paths, version)).embedText(text);
  const enc = await pool.get(await encoderSpecOf(db, version));
  if (!canEncodeText(enc)) throw new LoupeError('conflict', `version '${version}' cannot embed text`);
  const [vec] = await enc.encodeText([text]);
  return vec!;
}
