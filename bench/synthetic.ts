import type { Db } from '../src/store/db.js';
import { ensureVersion, insertVectors } from '../src/store/vectors.js';

/** Seeded LCG + Box-Muller: clustered unit vectors, a fair stand-in for real embeddings. */
export function clusteredVectors(n: number, dims: number, clusters: number, seed = 1): Float32Array[] {
  let s = seed >>> 0;
  const uni = () => ((s = (s * 1664525 + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  const gauss = () => Math.sqrt(-2 * Math.log(uni())) * Math.cos(2 * Math.PI * uni());
  const centres = Array.from({ length: clusters }, () => Float32Array.from({ length: dims }, gauss));
  return Array.from({ length: n }, () => {
    const c = centres[Math.floor(uni() * clusters)]!;
    const v = Float32Array.from({ length: dims }, (_, i) => c[i]! + 0.9 * gauss());
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
}

/** Loads synthetic items and vectors into a real database through the product's own SQL. */
export async function loadSynthetic(db: Db, version: string, vectors: Float32Array[], opts: { create?: boolean; batch?: number } = {}): Promise<string[]> {
  if (opts.create !== false) await ensureVersion(db, { name: version, kind: 'generic', encoder: 'synthetic', dims: vectors[0]!.length });
  const ids = vectors.map((_, i) => `syn-${String(i).padStart(7, '0')}`);
  await db.query(`INSERT INTO images (hash, ext, width, height, bytes) VALUES ('${'0'.repeat(64)}', 'jpg', 1, 1, 1) ON CONFLICT DO NOTHING`);
  const BATCH = opts.batch ?? 1000;
  for (let i = 0; i < ids.length; i += BATCH) {
    const chunk = ids.slice(i, i + BATCH);
    await db.transaction(async (tx) => {
      await tx.query(`INSERT INTO items (id, image_hash) SELECT unnest($1::text[]), '${'0'.repeat(64)}' ON CONFLICT DO NOTHING`, [chunk]);
      await insertVectors(
        tx,
        version,
        chunk.map((id, j) => ({ itemId: id, imageHash: '0'.repeat(64), vec: vectors[i + j]! })),
      );
    });
  }
  return ids;
}

export function exactTopK(vectors: Float32Array[], q: number, k: number): number[] {
  const qv = vectors[q]!;
  const scores = vectors.map((v, i) => {
    if (i === q) return -Infinity;
    let s = 0;
    for (let d = 0; d < v.length; d++) s += v[d]! * qv[d]!;
    return s;
  });
  return scores
    .map((s, i) => [s, i] as const)
    .sort((a, b) => b[0] - a[0])
    .slice(0, k)
    .map(([, i]) => i);
}
