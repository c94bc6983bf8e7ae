import type { IndexRegistry } from '../index/registry.js';
import type { Neighbour } from '../index/vector-index.js';
import type { Db } from '../store/db.js';
import { itemExists } from '../store/items.js';
import { resolveVersion } from '../store/served-version.js';
import { LoupeError, notFound } from '../errors.js';

export interface SimilarResult {
  version: string;
  items: Neighbour[];
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

async function similarItems(db: Db, indexes: IndexRegistry, id: string, k: number, version?: string): Promise<SimilarResult> {
  const name = await resolveVersion(db, version);
  await indexes.get(name);
  const hit = similarFromIndex(indexes, name, id, k);
  if (hit) return hit;
  if (!(await itemExists(db, id))) throw notFound(`no item with id '${id}'`);
  throw new LoupeError('conflict', `item '${id}' has no '${name}' vector yet (run \`loupe encode\`, or its image failed to decode)`);
}

/**
 * More like this for `loupe similar` and `GET /api/items/:id/similar`: a loaded index answers from
 * memory (the served version known, no database read); otherwise the version is resolved and loaded.
 */
export async function similar(s: { db: Db; indexes: IndexRegistry }, id: string, k: number, version?: string): Promise<SimilarResult> {
  const name = version ?? s.indexes.defaultVersion ?? (await resolveVersion(s.db, undefined));
  return similarFromIndex(s.indexes, name, id, k) ?? (await similarItems(s.db, s.indexes, id, k, name));
}
