/** A trained version's vectors: written for every item with a base vector (no pixels), and kept up to date as base vectors land. */
import { LoupeError } from '../errors.js';
import type { DataPaths } from '../config.js';
import { loadVersionModel, type DenseProduct, type EmbeddingModel } from '../embedding/model.js';
import { itemText } from '../embedding/types.js';
import type { IndexRegistry } from '../index/registry.js';
import type { Db } from '../store/db.js';
import { baseImageHashes, itemsToProject, trainedVersionsOn } from '../store/training.js';
import { getVersion, insertVectors } from '../store/vectors.js';

/**
 * Writes a trained version's vector for every item that has a base vector but none in the version:
 * no pixels, one matrix pass per batch, each batch one transaction (resumable, idempotent). `product`
 * is the model's faster kernel where the caller has tfjs loaded (see EmbeddingModel.project).
 */
export async function projectMissing(db: Db, paths: DataPaths, name: string, onBatch?: (n: number) => void, product?: DenseProduct): Promise<number> {
  const row = await getVersion(db, name);
  if (!row || row.kind !== 'trained') throw new LoupeError('bad_request', `'${name}' is not a trained version`);
  const base = String(row.config.base ?? 'generic');
  let model: EmbeddingModel | undefined; // loaded only when some item needs projecting
  let cursor = '';
  let written = 0;
  for (;;) {
    const batch = await itemsToProject(db, base, name, cursor, 512);
    if (!batch.length) break;
    model ??= await loadVersionModel(paths, name);
    cursor = batch[batch.length - 1]!.id;
    const vecs = model.project(
      batch.map((b) => b.features),
      batch.map((b) => itemText({ title: b.title ?? '', description: b.description ?? '', labels: b.labels })),
      product,
    );
    const hashes = await baseImageHashes(
      db,
      base,
      batch.map((b) => b.id),
    );
    written += await db.transaction((tx) =>
      insertVectors(
        tx,
        name,
        batch.map((b, i) => ({ itemId: b.id, imageHash: hashes.get(b.id) ?? '', vec: vecs[i]! })),
      ),
    );
    onBatch?.(batch.length);
  }
  return written;
}

/**
 * After new base vectors land, every trained version built on that base gets its vectors too, and
 * every affected serving index catches up.
 */
export async function refreshDerivedVersions(db: Db, paths: DataPaths, indexes: IndexRegistry, base: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  await indexes.sync(base);
  for (const name of await trainedVersionsOn(db, base)) {
    out[name] = await projectMissing(db, paths, name);
    await indexes.sync(name);
  }
  return out;
}
