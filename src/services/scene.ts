/**
 * Shop the look: the objects in an uploaded photo, each searched on its own. A person is searched as
 * its garment regions (vision/boxes.ts); a user-drawn box is searched alone; a photo with no object
 * found is searched whole, with a note saying so.
 */
import type { DataPaths } from '../config.js';
import type { IndexRegistry } from '../index/registry.js';
import type { Neighbour } from '../index/vector-index.js';
import type { Db } from '../store/db.js';
import { getVersion } from '../store/vectors.js';
import { LoupeError } from '../errors.js';
import { boxProblem, type Box, type Detection } from '../vision/boxes.js';
import { detectInWorker } from '../vision/detector-client.js';
import { cropForEncoder, decodeFull, DEFAULT_MAX_PIXELS, probeImage } from '../vision/decode.js';
import { nearestToVector, resolveVersion } from './discovery.js';
import { encoderSpecOf, type EncoderPool } from './encoders.js';
import { loadVersionModel } from './project.js';

export interface SceneObject {
  box: Box;
  label: string;
  score: number;
  items: Neighbour[];
}

export interface SceneResult {
  version: string;
  /** The photo's size after EXIF rotation: the space the boxes are in. */
  width: number;
  height: number;
  objects: SceneObject[];
  note?: string;
}

export interface SceneDeps {
  db: Db;
  paths: DataPaths;
  indexes: IndexRegistry;
  encoders: EncoderPool;
}

export interface SceneOptions {
  k: number;
  version?: string | undefined;
  /** A user-drawn box [x, y, w, h]: searched instead of the detected objects. */
  box?: readonly number[] | undefined;
  maxPixels?: number;
}

/** Objects found in `bytes` (or the user's box), each with its top-k catalogue items. */
export async function searchScene(deps: SceneDeps, bytes: Uint8Array, opts: SceneOptions): Promise<SceneResult> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const { width, height } = await probeImage(bytes, maxPixels);
  if (opts.box) {
    const problem = boxProblem(opts.box, width, height);
    if (problem) throw new LoupeError('bad_request', `box: ${problem}`);
  }
  const version = await resolveVersion(deps.db, opts.version);
  let note: string | undefined;
  let objects: Detection[];
  if (opts.box) objects = [{ box: [...opts.box] as Box, label: 'your box', score: 1 }];
  else {
    objects = await detectInWorker(bytes, width, height, { maxPixels });
    if (objects.length === 0) {
      note = 'no object detected: searched the whole photo';
      objects = [{ box: [0, 0, width, height], label: 'whole photo', score: 0 }];
    }
  }
  const vecs = await regionVectors(
    deps,
    version,
    bytes,
    objects.map((o) => o.box),
    maxPixels,
  );
  const found: SceneObject[] = [];
  for (const [i, o] of objects.entries()) found.push({ ...o, items: (await nearestToVector(deps.indexes, version, vecs[i]!, opts.k)).items });
  return { version, width, height, objects: found, ...(note ? { note } : {}) };
}

/** The query vectors of regions of one photo in `version`'s space (backbone, then a trained version's projection). */
async function regionVectors(deps: Pick<SceneDeps, 'db' | 'paths' | 'encoders'>, version: string, bytes: Uint8Array, boxes: readonly Box[], maxPixels = DEFAULT_MAX_PIXELS): Promise<Float32Array[]> {
  const row = await getVersion(deps.db, version);
  if (!row) throw new LoupeError('not_found', `unknown version '${version}'`);
  const encoder = await deps.encoders.get(await encoderSpecOf(deps.db, version));
  const full = await decodeFull(bytes, maxPixels);
  const crops = await Promise.all(boxes.map((b) => cropForEncoder(full, b, encoder.input)));
  const vecs = await encoder.encode(crops);
  if (row.kind === 'generic') return vecs;
  return (await loadVersionModel(deps.paths, version)).project(vecs);
}
