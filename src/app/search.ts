/**
 * Search with an outside photo or with words: the query is placed in a version's space (the only
 * pixels or text encoded at request time) and searched against that version's index. `loupe search`
 * and `/api/search`, `/api/search/image` both land here.
 */
import type { IndexRegistry } from '../index/registry.js';
import { resolveVersion } from '../store/served-version.js';
import { DEFAULT_MAX_PIXELS } from '../vision/decode.js';
import { imageQueryVector, textQueryVector, textVersion } from '../vision/query-vectors.js';
import { LoupeError } from '../errors.js';
import type { AppServices } from './context.js';
import type { SimilarResult } from './similar.js';

export type SearchDeps = Pick<AppServices, 'db' | 'paths' | 'indexes' | 'encoders'>;

export async function nearestToVector(indexes: IndexRegistry, version: string, vec: ArrayLike<number>, k: number): Promise<SimilarResult> {
  const index = await indexes.get(version);
  if (vec.length !== index.dims) throw new LoupeError('bad_request', `query has ${vec.length} dims, version '${version}' has ${index.dims}`);
  return { version, items: index.search(vec, k) };
}

/** Words, through the asked version's text tower (else the promoted one's, else the newest that has one). */
export async function searchText(s: SearchDeps, text: string, k: number, version?: string): Promise<SimilarResult> {
  const name = await textVersion(s.db, s.paths, s.encoders, version);
  return nearestToVector(s.indexes, name, await textQueryVector(s.db, s.paths, s.encoders, name, text), k);
}

/** An uploaded photo, encoded by the version's backbone (and projected by a trained version). */
export async function searchImage(s: SearchDeps, bytes: Uint8Array, k: number, version?: string, maxPixels = DEFAULT_MAX_PIXELS): Promise<SimilarResult> {
  const name = await resolveVersion(s.db, version);
  const vec = await imageQueryVector(s.db, s.paths, s.encoders, name, bytes, maxPixels);
  return nearestToVector(s.indexes, name, vec, k);
}
