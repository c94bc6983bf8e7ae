/** Exact cosine nearest-neighbour search over Float32Array rows, and a kNN tagger built on it. */

export interface Neighbour {
  readonly index: number;
  readonly similarity: number;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  const n = a.length;
  for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
  return s;
}

/** Unit-length copies of the rows (zero rows stay zero). */
export function normalizedCopy(rows: readonly Float32Array[]): Float32Array[] {
  return rows.map((r) => {
    const out = new Float32Array(r);
    const n = Math.sqrt(dot(r, r));
    if (n > 0) for (let i = 0; i < out.length; i++) out[i] = out[i]! / n;
    return out;
  });
}

/**
 * The k rows of `unitRows` most similar to `unitQuery` by dot product (cosine when both are unit length),
 * best first, ties broken by lower index. `exclude` (a row index, or a set of them) is never returned.
 */
export function cosineTopK(unitQuery: Float32Array, unitRows: readonly Float32Array[], k: number, exclude?: number | ReadonlySet<number>): Neighbour[] {
  const idx: number[] = [];
  const sim: number[] = [];
  const skip = (j: number) => (typeof exclude === 'number' ? j === exclude : (exclude?.has(j) ?? false));
  for (let j = 0; j < unitRows.length; j++) {
    if (skip(j)) continue;
    const s = dot(unitQuery, unitRows[j]!);
    if (idx.length === k && s <= sim[k - 1]!) continue;
    let p = idx.length < k ? idx.length : k - 1;
    while (p > 0 && sim[p - 1]! < s) {
      if (p < k) {
        sim[p] = sim[p - 1]!;
        idx[p] = idx[p - 1]!;
      }
      p--;
    }
    sim[p] = s;
    idx[p] = j;
    if (idx.length > k) {
      idx.length = k;
      sim.length = k;
    }
  }
  return idx.map((index, i) => ({ index, similarity: sim[i]! }));
}

export interface KnnTaggerOptions {
  /** Neighbours that vote (default 10). */
  readonly k?: number;
}

/**
 * Multi-label tagging by the labels of the k nearest reference items: the score of label l is the
 * similarity-weighted share of neighbours carrying l, sum_j w_j [l in L_j] / sum_j w_j with
 * w_j = max(cos_j, 0), so every score lies in [0, 1]. Works on any vectors (generic or trained).
 */
export class KnnTagger {
  readonly k: number;
  private readonly rows: Float32Array[];
  private readonly refLabels: readonly (readonly string[])[];

  constructor(vectors: readonly Float32Array[], labels: readonly (readonly string[])[], options: KnnTaggerOptions = {}) {
    if (vectors.length !== labels.length) throw new RangeError('one label list per reference vector');
    this.k = options.k ?? 10;
    this.rows = normalizedCopy(vectors);
    this.refLabels = labels;
  }

  get size(): number {
    return this.rows.length;
  }

  /** Per-label scores for a vector; `exclude` leaves out reference rows (e.g. the item itself). */
  scores(vector: Float32Array, exclude?: number | ReadonlySet<number>): Map<string, number> {
    const [q] = normalizedCopy([vector]);
    const top = cosineTopK(q!, this.rows, this.k, exclude);
    const votes = new Map<string, number>();
    let total = 0;
    for (const n of top) {
      const w = Math.max(n.similarity, 0) + 1e-6;
      total += w;
      for (const l of this.refLabels[n.index]!) votes.set(l, (votes.get(l) ?? 0) + w);
    }
    for (const [l, v] of votes) votes.set(l, total > 0 ? v / total : 0);
    return votes;
  }

  /** Labels whose score reaches `threshold`, highest first. */
  predict(vector: Float32Array, threshold = 0.5, exclude?: number | ReadonlySet<number>): string[] {
    return [...this.scores(vector, exclude)]
      .filter(([, s]) => s >= threshold)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([l]) => l);
  }
}

/** The element-wise mean of the rows (a zero vector of `dims` when there are none). */
export function meanRow(rows: readonly Float32Array[], dims = rows[0]?.length ?? 0): Float32Array {
  const out = new Float64Array(dims);
  for (const r of rows) for (let i = 0; i < dims; i++) out[i]! += r[i]!;
  return Float32Array.from(out, (v) => (rows.length ? v / rows.length : 0));
}

/** Each row minus `mean`, scaled to unit length: the cheapest fix of a generic space a user can make without training. */
export function centredUnit(rows: readonly Float32Array[], mean: Float32Array): Float32Array[] {
  return normalizedCopy(rows.map((r) => r.map((v, i) => v - mean[i]!)));
}
