/**
 * A query in a version's space: an uploaded photo encoded by the version's backbone (and projected
 * through a trained version's model), or words through a text tower. The only pixels and text
 * encoded at request time; catalogue items are served from stored vectors.
 */
import type { DataPaths } from '../config.js';
import { loadVersionModel } from '../embedding/model.js';
import type { Db } from '../store/db.js';
import { IMPORTED_ENCODER } from '../store/imported-vectors.js';
import { getVersion, listVersions, promotedVersion } from '../store/vectors.js';
import { decodeForEncoder, DEFAULT_MAX_PIXELS, probeImage } from './decode.js';
import type { EncoderPool } from './encoder-pool.js';
import { canEncodeText } from './encoders.js';
import { LoupeError } from '../errors.js';

/**
 * The backbone spec a version's vectors were made with (trained versions read their base's). An
 * imported version has none: its vectors came from elsewhere, so no photo can be placed beside them.
 */
export async function encoderSpecOf(db: Db, version: string): Promise<string> {
  const row = await getVersion(db, version);
  if (!row) throw new LoupeError('not_found', `unknown version '${version}'`);
  const spec = typeof row.config.encoderSpec === 'string' ? row.config.encoderSpec : row.encoder;
  if (row.kind === 'imported' || spec === IMPORTED_ENCODER) {
    throw new LoupeError(
      'conflict',
      `version '${version}' holds imported vectors: Loupe has no encoder for them, so it cannot encode a photo into it (search by photo, shop the look, encode); use a generic or trained version (--version NAME), or more like this, feed and complete on '${version}'`,
    );
  }
  return spec;
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
  if (row.kind === 'imported') return false;
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
