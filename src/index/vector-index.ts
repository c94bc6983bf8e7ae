export interface Neighbour {
  id: string;
  /** Cosine similarity in [-1, 1]; higher is closer. */
  score: number;
}

/** The serving-index door: an approximate nearest-neighbour index of one embedding version. */
export interface VectorIndex {
  readonly dims: number;
  readonly size: number;
  has(id: string): boolean;
  /** The stored vector of `id`: how more-like-this avoids touching pixels or the database. */
  vector(id: string): Float32Array | undefined;
  upsert(id: string, vec: ArrayLike<number>): void;
  remove(id: string): void;
  search(vec: ArrayLike<number>, k: number, exclude?: ReadonlySet<string>): Neighbour[];
}

/** A persisted serving index of one version as the registry drives it (hnswlib-node or usearch). */
export interface ServingIndex extends VectorIndex {
  /** Free-form sync state persisted with the index (e.g. last embedding seq applied). */
  state: Record<string, number>;
  /** Adds or replaces many vectors at once; `flat` holds ids.length x dims values, row by row. */
  upsertMany(ids: readonly string[], flat: Float32Array): void;
  /** Precomputed more-like-this lists waiting for `refreshRelated`. */
  readonly staleRelated: number;
  /** Computes up to `limit` stale lists; returns how many. */
  refreshRelated(limit?: number): number;
  /** More like this from the precomputed list: undefined when there is none or `k` exceeds its width. */
  related(id: string, k: number): Neighbour[] | undefined;
  save(dir: string): void;
}
