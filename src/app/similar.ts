import type { IndexRegistry } from '../index/registry.js';
import type { Neighbour } from '../index/vector-index.js';
import type { Db } from '../store/db.js';
import { itemExists } from '../store/items.js';
import { getVersion, promotedVersion } from '../store/vectors.js';
import { LoupeError, notFound } from '../errors.js';

export interface SimilarResult {
  version: string;
  items: Neighbour[];
}

/** Resolves the version to serve: the one asked for, else the promoted one. */
export async function resolveVersion(db: Db, version: string | undefined): Promise<string> {
  const name = version ?? (await promotedVersion(db));
  if (!(await getVersion(db, name))) throw notFound(`unknown version '${name}' (see \`loupe versions\`)`);
  return name;
}

/**
 * More like this: the item's precomputed neighbour list, else its stored vector against the
 * version's index. Reads no pixels and, once the index is loaded, no database rows.
 */
export function similarFromIndex(indexes: IndexRegistry, version: string, id: string, k: number): SimilarResult | undefined {
  const index = indexes.loaded(version);
  if (!index) return undefined;
  const precomputed = index.related(id, k);
  if (precomputed) return { version, items: precomputed };
  const vec = index.vector(id);
  if (!vec) return undefined;
  return { version, items: index.search(vec, k, new Set([id])) };
}

export async function similarItems(db: Db, indexes: IndexRegistry, id: string, k: number, version?: string): Promise<SimilarResult> {
  const name = await resolveVersion(db, version);
  await indexes.get(name);
  const hit = similarFromIndex(indexes, name, id, k);
  if (hit) return hit;
  if (!(await itemExists(db, id))) throw notFound(`no item with id '${id}'`);
  throw new LoupeError('conflict', `item '${id}' has no '${name}' vector yet (run \`loupe encode\`, or its image failed to decode)`);
}

export async function nearestToVector(indexes: IndexRegistry, version: string, vec: ArrayLike<number>, k: number): Promise<SimilarResult> {
  const index = await indexes.get(version);
  if (vec.length !== index.dims) throw new LoupeError('bad_request', `query has ${vec.length} dims, version '${version}' has ${index.dims}`);
  return { version, items: index.search(vec, k) };
}
