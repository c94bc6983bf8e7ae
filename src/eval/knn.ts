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

const excluded = (exclude: number | ReadonlySet<number> | undefined, j: number) => (typeof exclude === 'number' ? j === exclude : (exclude?.has(j) ?? false));

/**
 * The k rows of `unitRows` most similar to `unitQuery` by dot product (cosine when both are unit length),
 * best first, ties broken by lower index. `exclude` (a row index, or a set of them) is never returned.
 */
export function cosineTopK(unitQuery: Float32Array, unitRows: readonly Float32Array[], k: number, exclude?: number | ReadonlySet<number>): Neighbour[] {
  const idx: number[] = [];
  const sim: number[] = [];
  for (let j = 0; j < unitRows.length; j++) {
    if (excluded(exclude, j)) continue;
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

/**
 * The `count` best rows per query by inner product over packed rows (`dims` floats each), best
 * first, -1 padding: a fast exact batch search (usearch's, from src/index) that `cosineTopKMany`
 * re-ranks, so results do not depend on its rounding.
 */
export type CandidateSearch = (rows: Float32Array, queries: Float32Array, dims: number, count: number) => Int32Array;

/** Rows a candidate search sees beyond k: the JavaScript re-rank then reproduces `cosineTopK` exactly unless more rows than this tie within float rounding at the k-th place. */
const RERANK_MARGIN = 16;

function packRows(rows: readonly Float32Array[], dims: number): Float32Array {
  const out = new Float32Array(rows.length * dims);
  rows.forEach((r, i) => out.set(r, i * dims));
  return out;
}

/**
 * `cosineTopK` for many queries at once; `exclude(q)` is query q's exclusion. With a `search`, the
 * rows are found by it (k plus a margin plus the exclusions) and re-ranked here with the same dot
 * product and tie order as `cosineTopK`, so both give the same lists.
 */
export function cosineTopKMany(
  unitQueries: readonly Float32Array[],
  unitRows: readonly Float32Array[],
  k: number,
  exclude?: (q: number) => number | ReadonlySet<number> | undefined,
  search?: CandidateSearch,
): Neighbour[][] {
  const dims = unitRows[0]?.length ?? 0;
  if (!search || !dims || !unitQueries.length || k <= 0) return unitQueries.map((q, i) => cosineTopK(q, unitRows, k, exclude?.(i)));
  let most = 0;
  for (let q = 0; q < unitQueries.length; q++) {
    const ex = exclude?.(q);
    most = Math.max(most, ex === undefined ? 0 : typeof ex === 'number' ? 1 : ex.size);
  }
  const count = Math.min(unitRows.length, k + RERANK_MARGIN + most);
  const found = search(packRows(unitRows, dims), packRows(unitQueries, dims), dims, count);
  return unitQueries.map((query, q) => {
    const ex = exclude?.(q);
    const hits: Neighbour[] = [];
    for (let j = q * count; j < (q + 1) * count; j++) {
      const index = found[j]!;
      if (index >= 0 && !excluded(ex, index)) hits.push({ index, similarity: dot(query, unitRows[index]!) });
    }
    return hits.sort((a, b) => b.similarity - a.similarity || a.index - b.index).slice(0, k);
  });
}

export interface KnnTaggerOptions {
  /** Neighbours that vote (default 10). */
  readonly k?: number;
  /** A fast exact batch search for `scoresMany`/`predictMany` (plain JavaScript without one). */
  readonly search?: CandidateSearch;
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
  private readonly search: CandidateSearch | undefined;

  constructor(vectors: readonly Float32Array[], labels: readonly (readonly string[])[], options: KnnTaggerOptions = {}) {
    if (vectors.length !== labels.length) throw new RangeError('one label list per reference vector');
    this.k = options.k ?? 10;
    this.rows = normalizedCopy(vectors);
    this.refLabels = labels;
    this.search = options.search;
  }

  get size(): number {
    return this.rows.length;
  }

  /** Per-label scores for a vector; `exclude` leaves out reference rows (e.g. the item itself). */
  scores(vector: Float32Array, exclude?: number | ReadonlySet<number>): Map<string, number> {
    const [q] = normalizedCopy([vector]);
    return this.vote(cosineTopK(q!, this.rows, this.k, exclude));
  }

  /** `scores` for many vectors in one batch search. */
  scoresMany(vectors: readonly Float32Array[]): Map<string, number>[] {
    return cosineTopKMany(normalizedCopy(vectors), this.rows, this.k, undefined, this.search).map((top) => this.vote(top));
  }

  /** `predict` for many vectors in one batch search. */
  predictMany(vectors: readonly Float32Array[], threshold = 0.5): string[][] {
    return this.scoresMany(vectors).map((s) => labelsAtLeast(s, threshold));
  }

  private vote(top: readonly Neighbour[]): Map<string, number> {
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
    return labelsAtLeast(this.scores(vector, exclude), threshold);
  }
}

/** The labels scoring at least `threshold`, highest first (ties by name). */
export function labelsAtLeast(scores: ReadonlyMap<string, number>, threshold: number): string[] {
  return [...scores]
    .filter(([, s]) => s >= threshold)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([l]) => l);
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
