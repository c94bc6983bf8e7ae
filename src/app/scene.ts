/**
 * Shop the look: the objects in an uploaded photo, each searched on its own. A person is searched as
 * its garment regions (vision/boxes.ts); a user-drawn box is searched alone; a photo with no object
 * found is searched whole, with a note saying so. Catalogue photos are scanned once at encode time
 * (`loupe encode --objects`, scanCatalogueObjects) and served from the stored vectors (itemScene).
 */
import { readFile } from 'node:fs/promises';
import { imageFile, type DataPaths } from '../config.js';
import type { IndexRegistry } from '../index/registry.js';
import type { Neighbour } from '../index/vector-index.js';
import type { Db, Queryable } from '../store/db.js';
import { itemExists } from '../store/items.js';
import { countMissingObjects, itemsMissingObjects, objectTaskItems, readObjectScan, writeObjectScan, type ObjectScan, type PendingScan } from '../store/objects.js';
import { trainedVersionsOn } from '../store/training.js';
import { getVersion } from '../store/vectors.js';
import { LoupeError, notFound } from '../errors.js';
import { ProgressMeter, type ProgressListener } from './progress.js';
import { boxProblem, type Box, type Detection } from '../vision/boxes.js';
import { detectInWorker, loadDetectorInWorker } from '../vision/detector-client.js';
import { cropForEncoder, decodeFull, DEFAULT_MAX_PIXELS, probeImage } from '../vision/decode.js';
import { nearestToVector } from './search.js';
import { resolveVersion } from '../store/served-version.js';
import { encoderSpecOf } from '../vision/query-vectors.js';
import type { EncoderPool } from '../vision/encoder-pool.js';
import { loadVersionModel } from '../embedding/model.js';

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
    objects = (await detectScene(bytes, maxPixels, { width, height })).objects;
    if (objects.length === 0) {
      note = NO_OBJECT_NOTE;
      objects = [{ box: [0, 0, width, height], label: 'whole photo', score: 0 }];
    }
  }
  const [vecs] = await regionVectors(
    deps,
    [version],
    bytes,
    objects.map((o) => o.box),
    maxPixels,
  );
  const found: SceneObject[] = [];
  for (const [i, o] of objects.entries()) found.push({ ...o, items: (await nearestToVector(deps.indexes, version, vecs![i]!, opts.k)).items });
  return { version, width, height, objects: found, ...(note ? { note } : {}) };
}

const NO_OBJECT_NOTE = 'no object detected: searched the whole photo';

/**
 * The detection step of shop the look, per photo: its size after EXIF rotation (probed unless given)
 * and the objects found, persons as garment regions. Used by scene search, the catalogue scan and the
 * proof report's detection timing.
 */
export async function detectScene(bytes: Uint8Array, maxPixels = DEFAULT_MAX_PIXELS, size?: { width: number; height: number }): Promise<{ width: number; height: number; objects: Detection[] }> {
  const { width, height } = size ?? (await probeImage(bytes, maxPixels));
  return { width, height, objects: await detectInWorker(bytes, width, height, { maxPixels }) };
}

/** Loads the detection models (detector and pose) now: the first detectScene would otherwise pay for it. */
export const loadSceneDetector = loadDetectorInWorker;

/**
 * The query vectors of regions of one photo in each of `versions`' spaces: the photo is decoded and
 * its crops run through each backbone once, then a trained version's projection.
 */
async function regionVectors(
  deps: Pick<SceneDeps, 'db' | 'paths' | 'encoders'>,
  versions: readonly string[],
  bytes: Uint8Array,
  boxes: readonly Box[],
  maxPixels = DEFAULT_MAX_PIXELS,
): Promise<Float32Array[][]> {
  if (boxes.length === 0) return versions.map(() => []);
  const full = await decodeFull(bytes, maxPixels);
  const byBackbone = new Map<string, Promise<Float32Array[]>>();
  const out: Float32Array[][] = [];
  for (const version of versions) {
    const row = await getVersion(deps.db, version);
    if (!row) throw new LoupeError('not_found', `unknown version '${version}'`);
    const spec = await encoderSpecOf(deps.db, version);
    let backbone = byBackbone.get(spec);
    if (!backbone) {
      backbone = (async () => {
        const encoder = await deps.encoders.get(spec);
        return encoder.encode(await Promise.all(boxes.map((b) => cropForEncoder(full, b, encoder.input))));
      })();
      byBackbone.set(spec, backbone);
    }
    const vecs = await backbone;
    out.push(row.kind === 'generic' ? vecs : (await loadVersionModel(deps.paths, version)).project(vecs));
  }
  return out;
}

export interface ObjectScanOptions {
  /** The version being encoded; trained versions built on it that are ready get their object vectors too. */
  version: string;
  maxPixels?: number;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

export interface ObjectScanResult {
  versions: string[];
  /** Photos scanned now (a photo with no object found counts: it is not scanned again). */
  scanned: number;
  /** Objects stored now, over all versions. */
  objects: number;
  errors: { id: string; reason: string }[];
  seconds: number;
}

/**
 * Shop the look on the catalogue (`loupe encode --objects`): the detector runs once on each item
 * photo not yet scanned for the versions, and each object's region vector is stored per (item,
 * version, box), so an item's scene is served without detection. Idempotent and resumable: each
 * photo commits on its own; a photo that fails is named and the rest land.
 */
export async function scanCatalogueObjects(deps: Pick<SceneDeps, 'db' | 'paths' | 'encoders'>, opts: ObjectScanOptions): Promise<ObjectScanResult> {
  const started = performance.now();
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const versions = await scanVersions(deps.db, opts.version);
  const meter = new ProgressMeter('objects', await countMissingObjects(deps.db, versions), opts.onProgress);
  opts.onProgress?.(meter.snapshot());
  const result: ObjectScanResult = { versions, scanned: 0, objects: 0, errors: [], seconds: 0 };
  let cursor = '';
  for (;;) {
    const batch = await itemsMissingObjects(deps.db, versions, cursor, 64);
    if (!batch.length) break;
    cursor = batch[batch.length - 1]!.item_id;
    for (const it of batch) {
      opts.signal?.throwIfAborted();
      try {
        const scans = await scanPhoto(deps, it, maxPixels);
        result.objects += await deps.db.transaction((tx) => writeScans(tx, scans));
        result.scanned++;
      } catch (err) {
        if (opts.signal?.aborted) throw err;
        result.errors.push({ id: it.item_id, reason: (err as Error).message });
      }
      meter.advance(1);
    }
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

export interface ObjectTaskOptions {
  version: string;
  maxPixels: number;
  itemIds: readonly string[];
}

export interface ObjectTaskScan {
  versions: string[];
  /** Items whose scans `write` stores. */
  scanned: string[];
  errors: { id: string; reason: string }[];
  /** Writes the scans inside the caller's transaction (the one completing the task); returns the objects stored. */
  write: (tx: Queryable) => Promise<number>;
}

/**
 * One queued objects task (`loupe encode --objects --enqueue`, run by `loupe worker`): the photos of
 * `itemIds` still unscanned, detected and encoded as scanCatalogueObjects does. Nothing is written
 * here: the scans commit with the task's completion, so a task whose worker died is simply redone.
 */
export async function scanObjectTask(deps: Pick<SceneDeps, 'db' | 'paths' | 'encoders'>, opts: ObjectTaskOptions): Promise<ObjectTaskScan> {
  const versions = await scanVersions(deps.db, opts.version);
  const scans: ObjectScan[] = [];
  const out: Omit<ObjectTaskScan, 'write'> = { versions, scanned: [], errors: [] };
  for (const it of await objectTaskItems(deps.db, versions, opts.itemIds)) {
    try {
      scans.push(...(await scanPhoto(deps, it, opts.maxPixels)));
      out.scanned.push(it.item_id);
    } catch (err) {
      out.errors.push({ id: it.item_id, reason: (err as Error).message });
    }
  }
  return { ...out, write: (tx) => writeScans(tx, scans) };
}

async function scanVersions(db: Db, version: string): Promise<string[]> {
  if (!(await getVersion(db, version))) throw new LoupeError('not_found', `unknown version '${version}' (run \`loupe encode\` first)`);
  return objectScanVersions(db, version);
}

/** The versions a scan of `version` stores objects in: it and the ready trained versions built on it. */
export async function objectScanVersions(db: Db, version: string): Promise<string[]> {
  const derived: string[] = [];
  for (const name of await trainedVersionsOn(db, version)) if ((await getVersion(db, name))?.status === 'ready') derived.push(name);
  return [version, ...derived];
}

/** Detects the objects in one photo and computes their vectors in each version it is missing from. */
async function scanPhoto(deps: Pick<SceneDeps, 'db' | 'paths' | 'encoders'>, it: PendingScan, maxPixels: number): Promise<ObjectScan[]> {
  const bytes = new Uint8Array(await readFile(imageFile(deps.paths, it.image_hash, it.ext)));
  const { width, height, objects } = await detectScene(bytes, maxPixels);
  const vecs = await regionVectors(
    deps,
    it.missing,
    bytes,
    objects.map((o) => o.box),
    maxPixels,
  );
  return it.missing.map((version, v) => ({ itemId: it.item_id, version, imageHash: it.image_hash, width, height, objects: objects.map((o, i) => ({ ...o, vec: vecs[v]![i]! })) }));
}

async function writeScans(tx: Queryable, scans: readonly ObjectScan[]): Promise<number> {
  let n = 0;
  for (const scan of scans) n += await writeObjectScan(tx, scan);
  return n;
}

export interface ItemSceneOptions {
  k: number;
  version?: string | undefined;
  /**
   * A photo never scanned: a conflict error (the CLI, the API by default), or an answer with no
   * objects and `scanned: false` (the item page asks this way: not scanned yet is a normal state there).
   */
  unscanned?: 'error' | 'empty' | undefined;
}

/**
 * The stored objects of a catalogue item's photo (`loupe encode --objects`), each with its top-k
 * catalogue items other than the item itself: no pixels decoded, no detection at request time.
 */
export async function itemScene(deps: Pick<SceneDeps, 'db' | 'indexes'>, id: string, opts: ItemSceneOptions): Promise<SceneResult & { item: string; scanned: boolean }> {
  const version = await resolveVersion(deps.db, opts.version);
  const scan = await readObjectScan(deps.db, id, version);
  if (!scan) {
    if (!(await itemExists(deps.db, id))) throw notFound(`no item with id '${id}'`);
    const why = `item '${id}' has no stored objects in '${version}' (run \`loupe encode --objects\`)`;
    if (opts.unscanned === 'empty') return { version, item: id, width: 0, height: 0, objects: [], scanned: false, note: why };
    throw new LoupeError('conflict', why);
  }
  const index = await deps.indexes.get(version);
  const self = new Set([id]);
  let note: string | undefined;
  const found: SceneObject[] = [];
  for (const o of scan.objects) found.push({ box: o.box, label: o.label, score: o.score, items: index.search(o.vec, opts.k, self) });
  if (found.length === 0) {
    note = NO_OBJECT_NOTE;
    const whole = index.vector(id);
    found.push({ box: [0, 0, scan.width, scan.height], label: 'whole photo', score: 0, items: whole ? index.search(whole, opts.k, self) : [] });
  }
  return { version, item: id, width: scan.width, height: scan.height, objects: found, scanned: true, ...(note ? { note } : {}) };
}
