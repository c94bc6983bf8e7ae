/**
 * Item vectors for scoring, copied out of a version's index once and kept at unit length. The index
 * hands each vector over as a fresh array from native memory (tens of microseconds apiece), which
 * made scoring a few thousand candidates the slowest part of a request; the copies are reused until
 * the catalogue or the index changes, and scoring becomes a dot product.
 */
import { normalized } from '../graph/vec.js';
import type { VectorIndex } from '../index/vector-index.js';

/** Vectors kept per index (a 256-dim vector is 1 KB); beyond this, read from the index each time. */
const MAX_KEPT = 100_000;

const kept = new WeakMap<VectorIndex, { stamp: string; vecs: Map<string, Float32Array | null> }>();

/** `id` -> its unit-length vector in `index` (undefined when the index lacks it); `stamp` names the catalogue state. */
export function unitVectors(index: VectorIndex, stamp: string): (id: string) => Float32Array | undefined {
  const key = `${stamp}|${index.size}`;
  let entry = kept.get(index);
  if (entry?.stamp !== key) {
    entry = { stamp: key, vecs: new Map() };
    kept.set(index, entry);
  }
  const vecs = entry.vecs;
  return (id) => {
    const hit = vecs.get(id);
    if (hit !== undefined) return hit ?? undefined;
    const v = index.vector(id);
    const unit = v ? normalized(v) : undefined;
    if (vecs.size < MAX_KEPT) vecs.set(id, unit ?? null);
    return unit;
  };
}
